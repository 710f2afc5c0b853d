#!/bin/sh
# Makes the PDF and DOCX fixtures of report/testdata/docs from the text
# reports: tools/mkfixtures renders each as HTML in a layout, Chromium prints
# it to PDF and pandoc converts it to DOCX. It also makes the bad documents.
# Tests read only the committed results, so neither tool is needed to test.
#
# Needs (Debian): apt-get install chromium pandoc fonts-noto-cjk fonts-arphic-uming qpdf
# Run from the repository root: sh scripts/make-fixtures.sh
set -eu

out=report/testdata/docs
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"

print_pdf() { # HTML PDF
	chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
		--no-pdf-header-footer --print-to-pdf="$2" "$1" 2>/dev/null
}

# report id, text file, symbol, job number
while read -r id txt symbol job; do
	for layout in ming noto serif; do
		go run ./tools/mkfixtures -layout "$layout" -symbol "$symbol" -job "$job (C)" "$txt" >"$tmp/$id-$layout.html"
		print_pdf "$tmp/$id-$layout.html" "$out/$id.$layout.pdf"
	done
	go run ./tools/mkfixtures -layout ming -docx -symbol "$symbol" -job "$job (C)" "$txt" >"$tmp/$id-docx.html"
	pandoc -f html -t docx -o "$out/$id.docx" "$tmp/$id-docx.html"
done <<'LIST'
a62-ctbt-universality data/reports/a62-ctbt-universality.zh.txt A/62/173 07-45678
a64-ctbt-universality report/testdata/a64-ctbt-universality.zh.txt A/64/136 09-41234
LIST
# Two more layouts of the second report only: without gaps between rows
# (tight), and Word-like (centred wrapped header labels, headings wrapping in
# the first cell, shallow superscripts).
for layout in tight word; do
	go run ./tools/mkfixtures -layout $layout -symbol A/64/136 -job "09-41234 (C)" report/testdata/a64-ctbt-universality.zh.txt >"$tmp/a64-$layout.html"
	print_pdf "$tmp/a64-$layout.html" "$out/a64-ctbt-universality.$layout.pdf"
done

bad=report/testdata/docs/bad
mkdir -p "$bad"
# Scanned: a page that is only an image, no text layer.
cat >"$tmp/scan.html" <<'HTML'
<!DOCTYPE html><html><body style="margin:0">
<svg width="600" height="800" xmlns="http://www.w3.org/2000/svg"><rect width="600" height="800" fill="#eee"/>
<rect x="60" y="80" width="480" height="20" fill="#333"/><rect x="60" y="120" width="400" height="12" fill="#555"/>
<rect x="60" y="150" width="440" height="12" fill="#555"/></svg></body></html>
HTML
print_pdf "$tmp/scan.html" "$bad/scanned.pdf"
# Encrypted with a user password.
qpdf --encrypt secret secret 256 -- "$out/a64-ctbt-universality.ming.pdf" "$bad/encrypted.pdf"
# Damaged: the first 3000 bytes only.
head -c 3000 "$out/a64-ctbt-universality.ming.pdf" >"$bad/truncated.pdf"
# Not a report: a PDF and a DOCX without the annex table.
cat >"$tmp/other.html" <<'HTML'
<!DOCTYPE html><html lang="zh-Hans"><head><meta charset="utf-8">
<style>body{font-family:'AR PL UMing CN';font-size:12pt}</style></head><body>
<p>第六十四届会议</p><p>会议记录</p><p>大会审议了议程项目，没有附件表格。</p>
<table><tr><td>项目</td><td>说明</td></tr><tr><td>1</td><td>开幕</td></tr></table></body></html>
HTML
print_pdf "$tmp/other.html" "$bad/not-a-report.pdf"
pandoc -f html -t docx -o "$bad/not-a-report.docx" "$tmp/other.html"
# Legacy Word: the OLE2 compound file header is what identifies it.
printf '\320\317\021\340\241\261\032\341' >"$bad/legacy.doc"
head -c 504 /dev/zero >>"$bad/legacy.doc"
ls -l "$out" "$bad"
