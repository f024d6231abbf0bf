"""Reference run of umap-learn on the first N MNIST test images.

Used to compare embed.UMAP with umap-learn (Debian's python3-umap-learn,
0.5.3) under the same conditions: n_neighbors=40, min_dist=0.25, 2-D.
The first run compiles umap-learn's numba functions; the second is timed.
The embedding of the timed run is written as CSV for the Go test
TestUMAPMNIST10000 (ISONET_LONG=1 ISONET_UMAP_LEARN_CSV=...), which scores
both embeddings with the same Go code.

usage: python3 umap_learn_mnist.py DATA_DIR N OUT.csv
"""
import gzip
import sys
import time

import numpy as np
import umap


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def main():
    data_dir, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    x = read_idx(data_dir + "/t10k-images-idx3-ubyte.gz")[:n].reshape(n, -1)
    x = x.astype(np.float32) / 255
    for run in ("warm-up", "timed"):
        wall, cpu = time.perf_counter(), time.process_time()
        y = umap.UMAP(n_neighbors=40, min_dist=0.25).fit_transform(x)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(f"umap-learn {umap.__version__ if hasattr(umap, '__version__') else ''} {run}: "
              f"n={n} wall {wall:.2f} s, cpu {cpu:.2f} s", flush=True)
    np.savetxt(out, y, delimiter=",", fmt="%.6f")


if __name__ == "__main__":
    main()
