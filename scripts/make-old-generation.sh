#!/bin/sh
# Makes index/testdata/gen-records-in-bleve: an index generation of the
# sample report built by the last version that kept records in Bleve's
# stored fields (commit 84df2b5), which servers still read (index.loadRecord).
# Tests read only the committed result.
#
# Run from the repository root of a clone with that commit: sh scripts/make-old-generation.sh
set -eu

out=index/testdata/gen-records-in-bleve
tmp=$(mktemp -d)
trap 'git worktree remove --force "$tmp/src" 2>/dev/null; rm -rf "$tmp"' EXIT
git worktree add -q "$tmp/src" 84df2b5
(cd "$tmp/src" && go run ./cmd/indexer -index "$tmp/loc" "$OLDPWD/data/reports/a62-ctbt-universality.zh.txt")
rm -rf "$out"
cp -R "$(cd "$tmp/loc" && pwd -P)/$(readlink "$tmp/loc/current")" "$out"
