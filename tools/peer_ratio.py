#!/usr/bin/python3
"""Alternate `isonet bench --json` and the PyTorch peer at 1 and 2 threads, and print medians and ratios.

    tools/peer_ratio.py [--isonet ./isonet] [--peer ../shared/peer/torch_peer.py] [--runs 3]
                        [--only w1,w2] [--peer-threads 1,2]

One round runs isonet, then the peer once per thread count (1, then 2), and
prints the load average before and after each run. After --runs rounds it
prints, per workload, the peer's median rate at each thread count, the
better of the two (a ratio against a crippled peer is no result), isonet's
median rate, the ratio isonet / best peer, isonet's GFLOP/s and its fraction
of the measured peak of the cores it used, of one core's and of all cores'
(medians). Only ratios from one
alternating run like this are what the README reports.
"""
import argparse, json, os, statistics, subprocess, tempfile

ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("--isonet", default="./isonet")
ap.add_argument("--peer", default="../shared/peer/torch_peer.py")
ap.add_argument("--runs", type=int, default=3)
ap.add_argument("--only", default="train-b0,train-b1,fgsm,pgd10,toy-b1")
ap.add_argument("--peer-threads", default="1,2", help="thread counts the peer runs at; the best per workload counts")
ap.add_argument("--allow-reference-blas", action="store_true", help="run the peer even on the netlib reference BLAS (its ratios are not comparable)")
a = ap.parse_args()
names = a.only.split(",")
threads = [int(t) for t in a.peer_threads.split(",")]
iso = {n: [] for n in names}
gf = {n: [] for n in names}
frac = {n: [] for n in names}
peer = {t: {n: [] for n in names} for t in threads}
peaks, one_core = [], []


def load():
    return f"{os.getloadavg()[0]:.2f}"


# Debian's python3-torch calls the system BLAS (libblas.so.3). Where only
# libblas3, the netlib reference, is installed, the peer runs its matrix
# products unoptimised: train-b0 at about 7,000 examples/s on this machine
# instead of about 72,000 with OpenBLAS (apt-get install libopenblas0-pthread).
# A ratio against that peer is no result, so refuse it.
blas = os.path.realpath("/usr/lib/x86_64-linux-gnu/libblas.so.3")
if os.path.exists(blas) and "/blas/" in blas and not a.allow_reference_blas:
    raise SystemExit(f"peer_ratio: the peer's BLAS is the netlib reference ({blas}); "
                     "install an optimised one (apt-get install libopenblas0-pthread) or pass --allow-reference-blas")
print(f"peer BLAS: {blas}")

load0 = os.getloadavg()
for r in range(a.runs):
    before = load()
    out = subprocess.run([a.isonet, "bench", "--json", "--only", a.only], check=True, capture_output=True, text=True).stdout
    j = json.loads(out)
    peaks.append(j["peak"]["gflops"])
    one_core.append(j["peak"].get("one_core_gflops") or float("nan"))
    for w in j["workloads"]:
        if w["name"] in iso and not w.get("skipped"):
            iso[w["name"]].append(w["rate"]); gf[w["name"]].append(w["gflops"]); frac[w["name"]].append(w["peak_fraction"])
    line = [f"run {r + 1}: isonet (load {before} → {load()}) {json.dumps({k: round(v[-1], 1) for k, v in iso.items() if v})}"]
    for t in threads:
        before = load()
        with tempfile.NamedTemporaryFile(suffix=".json") as f:
            subprocess.run(["/usr/bin/python3", a.peer, "--threads", str(t), "--json", f.name], check=True, capture_output=True)
            p = json.load(open(f.name))
        for k, v in p["rates"].items():
            if k in peer[t]:
                peer[t][k].append(v)
        line.append(f"peer {t} thread(s) (load {before} → {load()}) {json.dumps({k: round(v[-1], 1) for k, v in peer[t].items() if v})}")
    print("\n  ".join(line), flush=True)
med = statistics.median
print(f"load average before {load0[0]:.2f}, after {os.getloadavg()[0]:.2f}; peak (median) {med(peaks):.1f} GFLOP/s on every core, {med(one_core):.1f} on one")
head = "".join(f" {'peer ' + str(t) + 't':>10s}" for t in threads)
print(f"{'workload':10s}{head} {'best':>10s} {'isonet':>10s} {'ratio':>6s} {'GFLOP/s':>8s} {'% cores':>7s} {'% 1-core':>8s} {'% all':>6s}")
for n in names:
    rates = {t: med(peer[t][n]) for t in threads if peer[t][n]}
    if iso[n] and rates:
        best = max(rates.values())
        cols = "".join(f" {rates.get(t, float('nan')):10.1f}" for t in threads)
        print(f"{n:10s}{cols} {best:10.1f} {med(iso[n]):10.1f} {med(iso[n]) / best:6.2f} {med(gf[n]):8.2f} {100 * med(frac[n]):6.1f}% {100 * med(gf[n]) / med(one_core):7.1f}% {100 * med(gf[n]) / med(peaks):5.1f}%")
