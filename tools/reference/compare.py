#!/usr/bin/python3
"""Compares isonet's numbers with a reference script's on the same weights and images.

    compare.py attack ISONET_ATTACK.json REFERENCE.jsonl    # isonet attack --attack autoattack --json
    compare.py certify ISONET_PER_EXAMPLE.json REFERENCE.jsonl METHOD   # isonet certify --per-example F.json

attack: per ε, both robust accuracies and the images robust under one only. certify: per ε, both
certified accuracies, the mean worst-margin bound over the images the reference scores (correctly
classified), and the largest amount by which isonet's bound falls below the reference's.
"""
import json, sys

kind, iso_path, ref_path = sys.argv[1:4]
ref = [json.loads(l) for l in open(ref_path) if l.strip()]
iso = json.load(open(iso_path))
if kind == 'attack':
    for res in iso['results']:
        eps = res['config']['eps']
        r = next(r for r in ref if r.get('eps') == eps)
        mine = ''.join('1' if e['robust'] else '0' for e in res['examples'])
        theirs = r['robust_mask']
        only_iso = sum(a == '1' and b == '0' for a, b in zip(mine, theirs))
        only_ref = sum(a == '0' and b == '1' for a, b in zip(mine, theirs))
        print(f"eps {eps}: isonet {res['robust_accuracy']:.4f}, reference {r['robust']:.4f}; "
              f"robust under isonet only {only_iso}, under the reference only {only_ref} (of {len(mine)})")
else:
    method = sys.argv[4]
    for be in iso['by_eps']:
        r = next(r for r in ref if r['method'] == method and abs(r['eps'] - be['eps']) < 1e-12)
        pairs = [(a, b) for a, b in zip(be['worst_margin_bound'], r['per_example']) if b is not None]
        cert = sum(a > 0 for a in be['worst_margin_bound']) / len(be['worst_margin_bound'])
        mi, mr = sum(a for a, _ in pairs) / len(pairs), sum(b for _, b in pairs) / len(pairs)
        print(f"eps {be['eps']}: certified isonet {cert:.4f}, reference {r['certified']:.4f}; mean bound isonet {mi:.4f}, "
              f"reference {mr:.4f}; isonet below the reference by at most {max(b - a for a, b in pairs):.4g}")
