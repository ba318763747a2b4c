#!/usr/bin/env python3
"""Secrets findings one secreview binary reports on real trees and another does not (precision check of a secrets
pack change): scans every TREE with `scan --all` using both binaries and lists the new (path, line, rule) findings
with their redacted detail. Base binaries without `--select` are scanned whole and filtered to the secrets pack's
rule ids (the stems of rules/secrets/*.toml).

usage: secrets-real-diff.py --base OLD --new NEW [--no-default-excludes] [--cache DIR] TREE...
--cache keeps the base binary's findings per tree in DIR (the base does not change between runs).
"""
import argparse
import json
import os
import subprocess
import sys

RULES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "rules", "secrets")


def secrets_ids():
    return {f[:-5] for f in os.listdir(RULES) if f.endswith(".toml") and not f.startswith("_")}


def scan(binary, tree, extra):
    cmd = [binary, "scan", "--all", tree, "--format", "json", "--fail-on", "never", "--min-confidence", "0", *extra]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    ids = secrets_ids()
    found = {}
    for f in json.loads(out)["findings"]:
        if f["rule_id"] not in ids:
            continue
        loc = f["location"]
        found[(loc["path"], loc["start_line"], f["rule_id"])] = (f["confidence"], f.get("detail") or f.get("message", ""))
    return found


def cached(cache, tree, extra, compute):
    if not cache:
        return compute()
    os.makedirs(cache, exist_ok=True)
    name = os.path.basename(tree.rstrip("/")) + ("-all" if extra else "") + ".json"
    path = os.path.join(cache, name)
    if os.path.exists(path):
        return {tuple(k): tuple(v) for k, v in json.load(open(path))}
    found = compute()
    json.dump([[list(k), list(v)] for k, v in found.items()], open(path, "w"))
    return found


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--new", required=True)
    ap.add_argument("--no-default-excludes", action="store_true")
    ap.add_argument("--cache")
    ap.add_argument("trees", nargs="+")
    a = ap.parse_args()
    extra = ["--no-default-excludes"] if a.no_default_excludes else []
    for tree in a.trees:
        old = cached(a.cache, tree, extra, lambda: scan(a.base, tree, extra))
        new = scan(a.new, tree, extra)
        added = sorted(set(new) - set(old))
        gone = sorted(set(old) - set(new))
        print(f"{os.path.basename(tree.rstrip('/'))}: {len(old)} -> {len(new)} findings, +{len(added)} -{len(gone)}")
        for k in added:
            conf, detail = new[k]
            print(f"  + {k[0]}:{k[1]} {k[2]} ({conf:.2f}) {detail[:110]}")
        for k in gone:
            print(f"  - {k[0]}:{k[1]} {k[2]}")


if __name__ == "__main__":
    sys.exit(main())
