#!/usr/bin/env python3
"""Score a secreview SARIF report against OWASP BenchmarkPython's expected results.

A test case counts as flagged when some finding in its own file carries the test's expected CWE (strict matching:
a CWE-79 finding does not flag a path-traversal case). Per category: TPR = flagged vulnerable / vulnerable,
FPR = flagged safe / safe, Youden = TPR - FPR (in points). The average is over the eleven injection categories
(all but hash, weakrand, securecookie), which is the bar of the injection pack.

Usage: benchmark-python.py EXPECTED_CSV SARIF [--misses CATEGORY] [--json OUT]
"""

import argparse
import csv
import json
import re
import sys
from collections import defaultdict

NOT_INJECTION = {"hash", "weakrand", "securecookie"}
TEST_NAME = re.compile(r"(BenchmarkTest\d+)\.py$")


def load_expected(path):
    cases = {}
    with open(path, newline="") as f:
        for row in csv.reader(f):
            if not row or row[0].startswith("#"):
                continue
            name, category, real, cwe = (c.strip() for c in row[:4])
            cases[name] = (category, real == "true", f"CWE-{cwe}")
    return cases


def load_flags(path):
    """(test name) -> set of CWEs reported in that test's file."""
    with open(path) as f:
        sarif = json.load(f)
    flags = defaultdict(set)
    for run in sarif.get("runs", []):
        rules = run.get("tool", {}).get("driver", {}).get("rules", [])
        rule_cwes = {r["id"]: r.get("properties", {}).get("cwe", []) for r in rules}
        for result in run.get("results", []):
            cwes = set(result.get("properties", {}).get("cwe") or rule_cwes.get(result.get("ruleId"), []))
            for loc in result.get("locations", []):
                uri = loc.get("physicalLocation", {}).get("artifactLocation", {}).get("uri", "")
                m = TEST_NAME.search(uri)
                if m:
                    flags[m.group(1)] |= cwes
    return flags


def score(cases, flags):
    per = defaultdict(lambda: {"tp": 0, "fn": 0, "fp": 0, "tn": 0, "missed": [], "false_alarms": []})
    for name, (category, real, cwe) in sorted(cases.items()):
        flagged = cwe in flags.get(name, set())
        s = per[category]
        if real:
            s["tp" if flagged else "fn"] += 1
            if not flagged:
                s["missed"].append(name)
        else:
            s["fp" if flagged else "tn"] += 1
            if flagged:
                s["false_alarms"].append(name)
    for s in per.values():
        pos, neg = s["tp"] + s["fn"], s["fp"] + s["tn"]
        s["tpr"] = 100.0 * s["tp"] / pos if pos else 0.0
        s["fpr"] = 100.0 * s["fp"] / neg if neg else 0.0
        s["youden"] = s["tpr"] - s["fpr"]
    return per


def print_table(per):
    print(f"{'category':<16}{'cases':>6}{'TP':>5}{'FN':>5}{'FP':>5}{'TN':>5}{'TPR':>8}{'FPR':>8}{'Youden':>8}")
    injection = []
    for category in sorted(per):
        s = per[category]
        n = s["tp"] + s["fn"] + s["fp"] + s["tn"]
        mark = "" if category in NOT_INJECTION else " *"
        print(f"{category:<16}{n:>6}{s['tp']:>5}{s['fn']:>5}{s['fp']:>5}{s['tn']:>5}"
              f"{s['tpr']:>7.1f}%{s['fpr']:>7.1f}%{s['youden']:>+8.1f}{mark}")
        if category not in NOT_INJECTION:
            injection.append(s)
    avg = lambda k: sum(s[k] for s in injection) / len(injection)
    print(f"{'injection avg *':<36}{avg('tpr'):>7.1f}%{avg('fpr'):>7.1f}%{avg('youden'):>+8.1f}")
    print(f"lowest injection Youden: {min(s['youden'] for s in injection):+.1f}")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("expected")
    p.add_argument("sarif")
    p.add_argument("--misses", metavar="CATEGORY", help="list the missed and falsely flagged cases of a category")
    p.add_argument("--json", metavar="OUT", help="write the per-category numbers as JSON")
    a = p.parse_args()
    cases = load_expected(a.expected)
    if not cases:
        sys.exit(f"error: no test cases in {a.expected}")
    per = score(cases, load_flags(a.sarif))
    print_table(per)
    if a.misses:
        s = per.get(a.misses)
        if s is None:
            sys.exit(f"error: no category {a.misses!r} (have: {', '.join(sorted(per))})")
        print(f"\n{a.misses}: missed (FN): {' '.join(s['missed']) or '-'}")
        print(f"{a.misses}: flagged safe (FP): {' '.join(s['false_alarms']) or '-'}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({c: {k: v for k, v in s.items()} for c, s in per.items()}, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
