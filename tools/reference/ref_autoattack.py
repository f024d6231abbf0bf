#!/usr/bin/python3
"""The reference AutoAttack (fra31/auto-attack, standard version, L-inf) on an isonet model folder.

    PYTHONPATH=/path/to/auto-attack /usr/bin/python3 tools/reference/ref_autoattack.py MODEL_DIR N EPS[,EPS] THREADS

Prints one JSON line per ε: the robust accuracy on the first N test images, the seconds (wall and CPU)
and every image's outcome ('1' robust), to compare with `isonet attack --attack autoattack --json`.
The model's weights are read from model.safetensors (PyTorch Linear layout) into an nn.Sequential.
"""
import sys, json, time, os
import torch
from autoattack import AutoAttack
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common

mdir, n, eps_list, threads = sys.argv[1], int(sys.argv[2]), [float(e) for e in sys.argv[3].split(',')], int(sys.argv[4])
torch.set_num_threads(threads)
mlp, x, y = common.load(mdir, n)
net = torch.nn.Sequential(torch.nn.Flatten(), *mlp).eval()  # Square wants images [n, 1, 28, 28]
x = x.reshape(n, 1, 28, 28)
with torch.no_grad():
    clean = (net(x).argmax(1) == y).float().mean().item()
print(json.dumps({'clean': clean}))
for eps in eps_list:
    aa = AutoAttack(net, norm='Linf', eps=eps, version='standard', device='cpu', verbose=False, seed=0)
    t, c0 = time.time(), time.process_time()
    adv = aa.run_standard_evaluation(x, y, bs=1000)
    wall, cpu = time.time() - t, time.process_time() - c0
    with torch.no_grad():
        rob = (net(adv).argmax(1) == y).float()
    print(json.dumps({'eps': eps, 'robust': rob.mean().item(), 'wall_s': wall, 'cpu_s': cpu,
                      'robust_mask': ''.join('1' if r else '0' for r in rob.tolist())}), flush=True)
