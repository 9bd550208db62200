#!/usr/bin/env bash
# Benchmarks that print a table. Today: what group commit buys (issue 3); the full
# load-generator harness against nginx and a Node peer is issue 5.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release -j"$(nproc)" --target callgate_bench_group_commit
mkdir -p bench/results
{
  echo "# Group commit, $(date -u +%Y-%m-%d), $(nproc) cores"
  echo
  build/release/bench/callgate_bench_group_commit "${1:-250}"
} | tee bench/results/group-commit.md
