#!/bin/bash
# Authz findings at medium or above of `scan --all` on one app tree: BIN DIR.
# Prints one line per finding: confidence rule path:line message.
set -euo pipefail
bin=$1 dir=$2
"$bin" scan --all -f json "$dir" 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
rank = {"critical": 4, "high": 3, "medium": 2, "low": 1, "info": 0}
for f in d["findings"]:
    if f["pack"] != "authz" or rank[f["severity"]] < 2:
        continue
    l = f["location"]
    print("%.2f %s %s:%d %s" % (f["confidence"], f["rule_id"], l["path"], l["start_line"], f["message"][:140]))
'
