#!/usr/bin/python3
"""Alternate `isonet bench --json` and the PyTorch peer, and print medians and ratios.

    tools/peer_ratio.py [--isonet ./isonet] [--peer ../shared/peer/torch_peer.py] [--runs 3] [--only w1,w2]

Runs isonet, peer, isonet, peer, … (runs times each), then prints, per
workload, the median rate of each, the ratio isonet/peer, isonet's GFLOP/s
and fraction of the measured peak (medians), and the load average before
and after. Ratios within one alternating run are what the README reports.
"""
import argparse, json, os, statistics, subprocess, tempfile

ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("--isonet", default="./isonet")
ap.add_argument("--peer", default="../shared/peer/torch_peer.py")
ap.add_argument("--runs", type=int, default=3)
ap.add_argument("--only", default="train-b0,train-b1,fgsm,pgd10,toy-b1")
a = ap.parse_args()
names = a.only.split(",")
iso, peer, gf, frac, peaks = {n: [] for n in names}, {n: [] for n in names}, {n: [] for n in names}, {n: [] for n in names}, []
load0 = os.getloadavg()
for r in range(a.runs):
    out = subprocess.run([a.isonet, "bench", "--json", "--only", a.only], check=True, capture_output=True, text=True).stdout
    j = json.loads(out)
    peaks.append(j["peak"]["gflops"])
    for w in j["workloads"]:
        if w["name"] in iso and not w.get("skipped"):
            iso[w["name"]].append(w["rate"]); gf[w["name"]].append(w["gflops"]); frac[w["name"]].append(w["peak_fraction"])
    with tempfile.NamedTemporaryFile(suffix=".json") as f:
        subprocess.run(["/usr/bin/python3", a.peer, "--json", f.name], check=True, capture_output=True)
        p = json.load(open(f.name))
    for k, v in p["rates"].items():
        if k in peer:
            peer[k].append(v)
    print(f"run {r + 1}: isonet {json.dumps({k: round(v[-1], 1) for k, v in iso.items() if v})}; peer {json.dumps({k: round(v[-1], 1) for k, v in peer.items() if v})}", flush=True)
med = statistics.median
print(f"load average before {load0[0]:.2f}, after {os.getloadavg()[0]:.2f}; peak (median) {med(peaks):.1f} GFLOP/s")
print(f"{'workload':10s} {'PyTorch':>10s} {'isonet':>10s} {'ratio':>6s} {'GFLOP/s':>8s} {'% peak':>7s}")
for n in names:
    if iso[n] and peer[n]:
        print(f"{n:10s} {med(peer[n]):10.1f} {med(iso[n]):10.1f} {med(iso[n]) / med(peer[n]):6.2f} {med(gf[n]):8.2f} {100 * med(frac[n]):6.1f}%")
