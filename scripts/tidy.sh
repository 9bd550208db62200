#!/usr/bin/env bash
# clang-tidy (.clang-tidy) and clang-format (.clang-format) over the C++ sources.
#   scripts/tidy.sh          the files changed since the last whole-tree check (.ci/tidy-baseline)
#   scripts/tidy.sh --all    every file; when all are clean, records HEAD as that baseline
# Fails on any clang-tidy finding or any file clang-format would change. The test command runs
# the first form.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset tidy >/dev/null  # a compile database only: clang, no precompiled headers

baseline=$(cat .ci/tidy-baseline 2>/dev/null || true)
if [[ ${1:-} == --all || -z $baseline ]] || ! git cat-file -e "$baseline^{commit}" 2>/dev/null; then
  mode=all
  mapfile -t files < <(git ls-files 'src/*.cpp' 'tests/*.cpp' 'bench/*.cpp' 'fuzz/*.cpp')
else
  mode=changed
  mapfile -t files < <({ git diff --name-only "$baseline" -- 'src/*.cpp' 'tests/*.cpp' \
    'bench/*.cpp' 'fuzz/*.cpp'; git ls-files --others --exclude-standard 'src/*.cpp' \
    'tests/*.cpp'; } | sort -u | while read -r f; do [[ -f $f ]] && echo "$f"; done)
fi
headers=()
mapfile -t headers < <(git ls-files 'include/*.hpp' 'src/*.hpp' 'tests/*.hpp')
echo "tidy: ${#files[@]} source file(s) ($mode)"

failed=0
if ! clang-format --dry-run --Werror "${files[@]}" "${headers[@]}" 2>/tmp/callgate-format.log; then
  echo "tidy: clang-format would change these (run clang-format -i on them):"
  grep -oE '^[a-z][^:]*\.(cpp|hpp)' /tmp/callgate-format.log | sort -u
  failed=1
fi
if ((${#files[@]})); then
  # The layering probe does not compile on purpose.
  mapfile -t files < <(printf '%s\n' "${files[@]}" | grep -v '^tests/layering/')
  if ! run-clang-tidy -quiet -p build/tidy -j "$(nproc)" "${files[@]}" >/tmp/callgate-tidy.log 2>&1 ||
      grep -q 'warning:\|error:' /tmp/callgate-tidy.log; then
    grep -A3 'warning:\|error:' /tmp/callgate-tidy.log | head -100
    failed=1
  fi
fi
if ((failed)); then exit 1; fi
if [[ $mode == all ]]; then git rev-parse HEAD >.ci/tidy-baseline; fi
echo "tidy: clean"
