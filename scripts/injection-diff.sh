#!/usr/bin/env bash
# Compares the injection pack of two secreview binaries on real applications: extracts each mirrored repository,
# runs `scan --all --select injection --format json` with both, and prints the medium+ findings only the new
# binary reports (and the count the old one lost), for triage.
#
# Usage: scripts/injection-diff.sh OLD_BINARY NEW_BINARY REPO...   (REPO: a name under /work/.mirror, e.g. saleor+saleor)
# Environment: WORK (default /tmp/injection-diff) holds the trees and reports; JOBS (default 1) worker threads.
set -euo pipefail
old=$1 new=$2
shift 2
work=${WORK:-/tmp/injection-diff}
mkdir -p "$work"
for repo in "$@"; do
  tree=$work/$repo
  if [[ ! -d $tree ]]; then
    mkdir -p "$tree"
    gd=/work/.mirror/$repo; [[ -d $gd/repo ]] && gd=$gd/repo
    # Source and template files only: some mirrors lack large binary blobs, which would stop a full archive.
    git --git-dir="$gd" ls-tree -r --name-only HEAD | grep -E '\.(py|rs|html|jinja2?|j2|toml)$' \
      | xargs -d '\n' git --git-dir="$gd" archive HEAD -- | tar -xi -C "$tree"
  fi
  for side in old new; do
    bin=${!side}
    # Older binaries have no --select: their findings are filtered by the injection pack's rule ids below.
    "$bin" scan "$tree" --all --format json --fail-on never -j "${JOBS:-1}" \
      --output "$work/$repo.$side.json" 2>/dev/null || true
  done
  ids=$(cd "$(dirname "$0")/../rules/injection" && ls [!_]*.toml | sed 's/\.toml$//' | paste -sd, -)
  python3 - "$work/$repo.old.json" "$work/$repo.new.json" "$repo" "$ids" <<'PY'
import json, sys
injection = set(sys.argv[4].split(","))
rank = {"critical": 4, "high": 3, "medium": 2, "low": 1, "info": 0}
def load(p):
    d = json.load(open(p))
    out = {}
    for f in d.get("findings", []):
        if rank.get(f.get("severity"), 0) < 2 or f["rule_id"] not in injection:
            continue
        loc = f["location"]
        out[(f["rule_id"], loc["path"], loc["start_line"])] = f
    return out
old, new, repo = load(sys.argv[1]), load(sys.argv[2]), sys.argv[3]
added = sorted(set(new) - set(old))
lost = sorted(set(old) - set(new))
print(f"== {repo}: {len(old)} -> {len(new)} medium+ findings, {len(added)} new, {len(lost)} gone")
for k in added:
    f = new[k]
    print(f"+ {k[0]} {k[1]}:{k[2]} [{f['severity']} {f['confidence']:.2f}] {f['message'][:160]}")
for k in lost:
    f = old[k]
    print(f"- {k[0]} {k[1]}:{k[2]} [{f['severity']} {f['confidence']:.2f}] {f['message'][:160]}")
PY
done
