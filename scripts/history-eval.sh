#!/usr/bin/env bash
# Scans each of the last N commits of a repository as its own change (commit^..commit) and prints every
# medium-or-higher finding, for triage: `scripts/history-eval.sh /path/to/repo 100 [secreview binary]`.
set -euo pipefail
repo=$1
n=${2:-100}
bin=${3:-secreview}
cd "$repo"
total=0
for c in $(git rev-list --no-merges -n "$n" HEAD); do
  git rev-parse -q --verify "$c^" >/dev/null || continue
  total=$((total + 1))
  "$bin" scan --range "$c^..$c" --format json --fail-on never --min-confidence 0 2>/dev/null |
    python3 -c '
import json, sys
c = sys.argv[1]
for f in json.load(sys.stdin)["findings"]:
    if f["severity"] in ("critical", "high", "medium"):
        blocking = "block" if not f.get("warning_only") and f["severity"] in ("critical", "high") and f["confidence"] >= 0.7 else "warn"
        loc = f["location"]
        print(c[:9], blocking, f["severity"], "%.2f" % f["confidence"], f["rule_id"], "%s:%d" % (loc["path"], loc["start_line"]))
' "$c"
done
echo "commits scanned: $total" >&2
