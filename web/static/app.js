// Progressive enhancement only: every page works without this file.
// - The sort form is submitted as soon as a new order is picked, and the
//   then unnecessary "应用" button is hidden (see .js .nojs in style.css).
// - A long facet's find box (input[data-facet-filter]) narrows the facet's
//   list as one types, "show more" included, and says how many values are
//   left. Without this file the box is a form that adds what was typed as
//   a filter; Enter still does that here.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("select[data-autosubmit]") && el.form) {
      el.form.submit();
    }
  });

  document.addEventListener("input", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches("input[data-facet-filter]")) {
      return;
    }
    var facet = box.closest(".facet");
    if (!facet) {
      return;
    }
    var needle = box.value.trim().toLowerCase();
    var items = facet.querySelectorAll("ul.fvs > li");
    var left = 0;
    items.forEach(function (li) {
      var match = needle === "" || li.textContent.toLowerCase().indexOf(needle) >= 0;
      li.hidden = !match;
      if (match) {
        left++;
      }
    });
    var more = facet.querySelector("details.more");
    if (more && needle !== "") {
      more.open = true; // matches among the rarer values must show too
    }
    var status = box.getAttribute("aria-describedby");
    status = status && document.getElementById(status);
    if (status) {
      status.textContent = needle === "" ? "" :
        left === 0 ? "没有名称含“" + box.value.trim() + "”的项，按回车按此名称筛选" : "找到 " + left + " 项";
    }
  });
})();
