#!/usr/bin/python3
"""The reference verifier (auto_LiRPA; 0.3.1, its November 2022 release, runs on Debian's torch 1.13)
on an isonet model folder: IBP, CROWN or alpha-CROWN over the L-inf ball intersected with [0, 1].

    PYTHONPATH=/path/to/auto_LiRPA /usr/bin/python3 tools/reference/ref_crown.py MODEL_DIR N EPS[,EPS] IBP,CROWN,alpha-CROWN

Prints one JSON line per method and ε: certified accuracy on the first N test images, the mean worst
margin bound over the correctly classified ones, the CPU seconds (one thread) and every image's worst
margin bound (null where misclassified), to compare with `isonet certify --per-example F.json --json`.
"""
import sys, json, time, os
import numpy as np, torch
from auto_LiRPA import BoundedModule, BoundedTensor
from auto_LiRPA.perturbations import PerturbationLpNorm
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common

mdir, n, eps_list, methods = sys.argv[1], int(sys.argv[2]), [float(e) for e in sys.argv[3].split(',')], sys.argv[4].split(',')
torch.set_num_threads(1)
net, x, y = common.load(mdir, n)
with torch.no_grad():
    correct = net(x).argmax(1) == y
C = torch.zeros(n, 9, 10)  # the margins z_y - z_j, j != y
for i in range(n):
    for k, j in enumerate(j for j in range(10) if j != y[i]):
        C[i, k, y[i]], C[i, k, j] = 1, -1
bm = BoundedModule(net, torch.zeros(1, x.shape[1]), device='cpu')
for method in methods:
    for eps in eps_list:
        ptb = PerturbationLpNorm(norm=np.inf, eps=eps, x_L=(x - eps).clamp(0, 1), x_U=(x + eps).clamp(0, 1))
        if method == 'alpha-CROWN':
            bm.set_bound_opts({'optimize_bound_args': {'iteration': 20, 'lr_alpha': 0.1}})
        t = time.process_time()
        lb, _ = bm.compute_bounds(x=(BoundedTensor(x, ptb),), C=C, method=method, bound_upper=False)
        cpu = time.process_time() - t
        worst = lb.min(1).values
        print(json.dumps({'method': method, 'eps': eps, 'certified': ((worst > 0) & correct).float().mean().item(),
                          'mean_worst_bound_correct': worst[correct].mean().item(), 'cpu_s': cpu,
                          'per_example': [round(v, 6) if ok else None for v, ok in zip(worst.tolist(), correct.tolist())]}), flush=True)
