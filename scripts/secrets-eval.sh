#!/usr/bin/env bash
# Recall / ok-FPR of the secrets pack on semgrep-rules' annotated `generic/secrets` tests (see secrets-eval.py).
#   scripts/secrets-eval.sh [secreview binary] [extra secrets-eval.py args…]
# SEMGREP_RULES: the semgrep-rules bare git dir (default: the mirror the search tool's fetch writes).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-secreview}
shift || true
git_dir=${SEMGREP_RULES:-/work/.mirror/semgrep+semgrep-rules/repo}
tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
git --git-dir="$git_dir" archive HEAD generic/secrets | tar -x -C "$tree"
python3 "$here/secrets-eval.py" "$tree" --bin "$bin" "$@"
