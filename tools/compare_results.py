#!/usr/bin/python3
"""Compare two `isonet reproduce` results.json files field by field.

    tools/compare_results.py BASE/results.json NEW/results.json

Timings, the start date, model folders, the command line and the machine
are masked (keys matching MASK_KEYS); every other value must be equal
(floats compared exactly, as JSON stores them). Prints each difference
and their count; exit status 1 when there is any.
"""
import json, re, sys
MASK_KEYS = re.compile(r'(seconds|_seconds|started|finished|date|time|machine|command|model_dir|elapsed|rate|examples_per_second|out|dir|host)$', re.I)
def walk(a, b, path, diffs):
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if MASK_KEYS.search(k):
                continue
            if k not in a or k not in b:
                diffs.append(f"{path}.{k}: only in {'new' if k in b else 'base'}")
                continue
            walk(a[k], b[k], f"{path}.{k}", diffs)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            diffs.append(f"{path}: length {len(a)} vs {len(b)}")
        for i, (x, y) in enumerate(zip(a, b)):
            walk(x, y, f"{path}[{i}]", diffs)
    else:
        if a != b:
            diffs.append(f"{path}: {a!r} vs {b!r}")
base, new = (json.load(open(p)) for p in sys.argv[1:3])
diffs = []
walk(base, new, "", diffs)
for d in diffs[:50]:
    print(d)
print(f"{len(diffs)} differences")
sys.exit(1 if diffs else 0)
