// Progressive enhancement only: every page works without this file.
// It submits the sort form as soon as a new order is picked, and hides
// the then unnecessary "应用" button (see .js .nojs in style.css).
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("select[data-autosubmit]") && el.form) {
      el.form.submit();
    }
  });
})();
