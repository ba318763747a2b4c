#!/usr/bin/env python3
"""Recall and ok-FPR of secreview on annotated secrets tests (semgrep-rules' `generic/secrets`, or any tree whose
files carry `ruleid:` / `ok:` comment annotations).

An annotation on a line of its own applies to the next line that is not itself an annotation (semgrep's
convention); an annotation after code applies to that line. A `ruleid:` line is caught when any finding (any rule,
any confidence) covers it; an `ok:` line covered by a finding is a false positive. The rule named in the
annotation is not compared: secreview's ids are not semgrep's.

usage: secrets-eval.py TREE [--bin BINARY] [--json FINDINGS.json] [--misses] [--fps] [--min-confidence X]
"""
import argparse
import json
import os
import re
import subprocess
import sys

ANNOTATION = re.compile(r"(?:^|\s)(?:#|//|<!--|/\*|--|;|\*|/)\s*(todoruleid|ruleid|todook|ok):\s*([\w.,\- ]+)")
CODE_THEN_ANNOTATION = re.compile(r"\S.*\s(?:#|//)\s*(?:todoruleid|ruleid|todook|ok):")


def annotated_lines(root):
    """Yields (path relative to root, 1-based line, kind, text) for every annotated line."""
    for dirpath, _, files in os.walk(root):
        for name in sorted(files):
            if name.endswith((".yaml", ".yml")) and not name.endswith((".test.yaml", ".test.yml")):
                # semgrep keeps its rule definitions next to the tests; those are not test cases.
                continue
            path = os.path.join(dirpath, name)
            try:
                lines = open(path, encoding="utf-8", errors="replace").read().split("\n")
            except OSError:
                continue
            rel = os.path.relpath(path, root)
            pending = []
            for i, line in enumerate(lines):
                m = ANNOTATION.search(line)
                if m:
                    kind = m.group(1)
                    own_line = not CODE_THEN_ANNOTATION.match(line)
                    if own_line:
                        pending.append(kind)
                        continue
                    yield rel, i + 1, kind, line
                    continue
                for kind in pending:
                    yield rel, i + 1, kind, line
                pending = []


def findings(root, binary, min_conf):
    out = subprocess.run(
        [binary, "scan", "--all", root, "--format", "json", "--fail-on", "never", "--min-confidence", "0"],
        check=True, capture_output=True, text=True,
    ).stdout
    covered = {}
    for f in json.loads(out)["findings"]:
        if f["confidence"] < min_conf:
            continue
        loc = f["location"]
        for ln in range(loc["start_line"], loc["end_line"] + 1):
            covered.setdefault((loc["path"], ln), []).append((f["rule_id"], f["confidence"]))
    return covered


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tree")
    ap.add_argument("--bin", default=os.environ.get("SECREVIEW", "secreview"))
    ap.add_argument("--misses", action="store_true", help="list the ruleid: lines no finding covers")
    ap.add_argument("--fps", action="store_true", help="list the ok: lines a finding covers")
    ap.add_argument("--min-confidence", type=float, default=0.0)
    args = ap.parse_args()
    root = os.path.abspath(args.tree)
    covered = findings(root, args.bin, args.min_confidence)
    pos = caught = neg = flagged = 0
    misses, fps = [], []
    seen = set()
    for rel, ln, kind, text in annotated_lines(root):
        key = (rel, ln, kind.removeprefix("todo"))
        if key in seen:
            continue
        seen.add(key)
        hit = covered.get((rel, ln))
        if kind.endswith("ruleid"):
            pos += 1
            if hit:
                caught += 1
            else:
                misses.append(f"{rel}:{ln}: {text.strip()[:120]}")
        else:
            neg += 1
            if hit:
                flagged += 1
                fps.append(f"{rel}:{ln}: {','.join(sorted({r for r, _ in hit}))}: {text.strip()[:100]}")
    if args.misses:
        print("\n".join(misses))
    if args.fps:
        print("\n".join(fps))
    recall = 100.0 * caught / pos if pos else 0.0
    fpr = 100.0 * flagged / neg if neg else 0.0
    print(f"recall {caught}/{pos} = {recall:.1f}%   ok-FPR {flagged}/{neg} = {fpr:.1f}%")


if __name__ == "__main__":
    sys.exit(main())
