#!/usr/bin/env bash
# Benchmarks on a release build (never timed assertions in tests):
#   1. a branch of 2,000 changed files (Python + Rust web handlers, some with findings) against main;
#   2. a typical pre-push-sized branch of 50 changed files;
#   3. `--all` on a large real Python tree (the installed Django, or any tree passed as $1) vs bandit/semgrep when
#      they are installed (`python3 -m venv /tmp/peers && /tmp/peers/bin/pip install bandit semgrep`).
# Usage: scripts/bench.sh [PYTHON_TREE]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p secreview
bin=$PWD/target/release/secreview
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

make_branch() { # $1 dir, $2 number of files
  python3 - "$1" "$2" <<'PY'
import os, subprocess, sys
d, n = sys.argv[1], int(sys.argv[2])
os.makedirs(d, exist_ok=True)
run = lambda *a: subprocess.run(a, cwd=d, check=True, capture_output=True)
run("git", "init", "-q", "-b", "main")
run("git", "config", "user.email", "bench@example.invalid"); run("git", "config", "user.name", "bench")
open(os.path.join(d, "README"), "w").write("bench\n")
run("git", "add", "-A"); run("git", "commit", "-qm", "base")
run("git", "checkout", "-qb", "feature")
py = '''from fastapi import APIRouter, Depends, HTTPException
from sqlalchemy import text
from app.auth import get_current_user
router = APIRouter()

@router.put("/items{i}/{{item_id}}")
def update_item_{i}(item_id: int, payload: dict, db=Depends(get_db), user=Depends(get_current_user)):
    item = db.get(Item, item_id)
    if item.owner_id != user.id:
        raise HTTPException(status_code=404)
    item.name = payload["name"]
    db.commit()
    return item

@router.get("/search{i}")
def search_{i}(q: str, db=Depends(get_db)):
    return db.execute(text("SELECT * FROM items WHERE name = :q"), {{"q": q}}).all()
'''
rs = '''use axum::{{extract::{{Path, State}}, Json}};
pub async fn get_{i}(auth: AuthUser, Path(id): Path<i64>, State(db): State<PgPool>) -> Json<Item> {{
    let item = sqlx::query_as::<_, Item>("SELECT * FROM items WHERE id = $1 AND user_id = $2")
        .bind(id).bind(auth.user_id).fetch_one(&db).await.unwrap();
    Json(item)
}}
'''
for i in range(n):
    sub = os.path.join(d, "app", f"m{i // 100}")
    os.makedirs(sub, exist_ok=True)
    if i % 4 == 3:
        open(os.path.join(sub, f"h{i}.rs"), "w").write(rs.format(i=i))
    else:
        body = py.format(i=i) * 3
        if i % 50 == 0:
            body += '\nAPI_TOKEN = "ghp_' + "Zq8r2LmP0vXw7KcT" * 2 + 'abcd"\n'
        open(os.path.join(sub, f"h{i}.py"), "w").write(body)
run("git", "add", "-A"); run("git", "commit", "-qm", "feature")
PY
}

time_it() { # label, command...
  local label=$1; shift
  if command -v hyperfine >/dev/null; then
    hyperfine -N --warmup 1 --runs 5 -i --export-markdown /dev/stdout "$*" | tail -1 | sed "s|^|$label: |"
  else
    local best=999999
    for _ in 1 2 3 4 5; do
      local s=$(date +%s%N); "$@" >/dev/null 2>&1 || true; local e=$(date +%s%N)
      local ms=$(( (e - s) / 1000000 )); (( ms < best )) && best=$ms
    done
    echo "$label: best of 5 = ${best} ms"
  fi
}

make_branch "$work/b2000" 2000
make_branch "$work/b50" 50
echo "files: $(git -C "$work/b2000" diff --name-only main | wc -l) changed, $(cat $(git -C "$work/b2000" ls-files | sed "s|^|$work/b2000/|") | wc -c) bytes"
time_it "2,000-file branch scan" "$bin" scan "$work/b2000" --base main --format json --fail-on never
time_it "50-file branch scan" "$bin" scan "$work/b50" --base main --format json --fail-on never

tree=${1:-$(python3 -c 'import django, os; print(os.path.dirname(django.__file__))' 2>/dev/null || true)}
if [ -n "$tree" ] && [ -d "$tree" ]; then
  bytes=$(find "$tree" -name '*.py' -print0 | xargs -0 cat | wc -c)
  lines=$(find "$tree" -name '*.py' -print0 | xargs -0 cat | wc -l)
  echo "--all tree: $tree ($lines lines, $bytes bytes of Python)"
  time_it "secreview --all" "$bin" scan "$tree" --all --format json --fail-on never
  time_it "secreview --all -j1" "$bin" scan "$tree" --all --format json --fail-on never -j 1
  for peer in bandit semgrep; do
    p=$(command -v $peer || ls /tmp/peers/bin/$peer 2>/dev/null || true)
    [ -n "$p" ] || continue
    case $peer in
      bandit) time_it "bandit -r" "$p" -q -r "$tree" -f json -o /dev/null ;;
      semgrep) time_it "semgrep p/python" "$p" --metrics=off --config p/python --quiet "$tree" ;;
    esac
  done
fi
