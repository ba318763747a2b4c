#!/usr/bin/env bash
# Scores secreview on OWASP BenchmarkPython: extracts the mirrored repository, runs `scan --all --format sarif`
# and prints TPR / FPR / Youden per category and the average over the eleven injection categories
# (scripts/benchmark-python.py does the scoring; a case is flagged when a finding in its file has its CWE).
#
# Usage: scripts/benchmark-python.sh [--misses CATEGORY] [--json OUT]
# Environment:
#   SECREVIEW  the binary to measure (default: target/debug/secreview, built with `cargo build -p secreview`)
#   BP_GIT     the BenchmarkPython git dir (default: the mirror under /work/.mirror)
#   BP_DIR     an already extracted tree to reuse instead (skips the extraction)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

if [[ -z "${SECREVIEW:-}" ]]; then
  CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-1} cargo build -q -p secreview
  SECREVIEW=$root/target/debug/secreview
fi
[[ -x "$SECREVIEW" ]] || { echo "error: $SECREVIEW is not an executable" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

tree=${BP_DIR:-}
if [[ -z "$tree" ]]; then
  git_dir=${BP_GIT:-}
  if [[ -z "$git_dir" ]]; then
    for d in /work/.mirror/OWASP-Benchmark+BenchmarkPython /work/.mirror/OWASP-Benchmark+BenchmarkPython/repo; do
      if git --git-dir="$d" rev-parse -q --verify HEAD >/dev/null 2>&1; then git_dir=$d; break; fi
    done
  fi
  [[ -n "$git_dir" ]] || { echo "error: no BenchmarkPython git dir (set BP_GIT or BP_DIR)" >&2; exit 2; }
  tree=$work/bp
  mkdir -p "$tree"
  git --git-dir="$git_dir" archive HEAD | tar -x -C "$tree"
fi

expected=$(ls "$tree"/expectedresults-*.csv 2>/dev/null | head -n 1)
[[ -n "$expected" ]] || { echo "error: no expectedresults-*.csv in $tree" >&2; exit 2; }

"$SECREVIEW" scan "$tree" --all --format sarif --fail-on never --output "$work/report.sarif"
python3 "$root/scripts/benchmark-python.py" "$expected" "$work/report.sarif" "$@"
