#!/usr/bin/env bash
# Puts a benchmark's Markdown (standard input) into docs/performance.md between the lines
# "<!-- NAME:begin -->" and "<!-- NAME:end -->", so that the tables live in one place only.
#   ... | bench/publish.sh bench
set -euo pipefail
cd "$(dirname "$0")/.."
name=$1
page=docs/performance.md
table=$(mktemp)
cat >"$table"
grep -q "^<!-- $name:begin -->$" "$page" || { echo "publish: no $name block in $page" >&2; exit 1; }
awk -v begin="<!-- $name:begin -->" -v end="<!-- $name:end -->" -v table="$table" '
  $0 == begin { print; while ((getline line < table) > 0) print line; skip = 1; next }
  $0 == end { skip = 0 }
  !skip' "$page" >"$page.tmp"
mv "$page.tmp" "$page"
rm -f "$table"
echo "publish: updated the $name tables in $page"
