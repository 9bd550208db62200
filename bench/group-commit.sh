#!/usr/bin/env bash
# What group commit buys: the committer alone on SQLite, one transaction per request against
# batching (docs/performance.md, where this puts its table). The whole-server harness is
# bench/run.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release -j"$(nproc)" --target callgate_bench_group_commit
{
  echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores:"
  echo
  build/release/bench/callgate_bench_group_commit "${1:-250}"
} | tee /dev/stderr | bench/publish.sh group-commit
