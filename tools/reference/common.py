"""Reads an isonet model folder (config.json, model.safetensors) and its MNIST test images for the reference scripts."""
import json, struct, gzip
import numpy as np, torch
def load_st(path):
    b = open(path, 'rb').read()
    n = struct.unpack('<Q', b[:8])[0]
    hdr = json.loads(b[8:8+n]); data = b[8+n:]
    out = {}
    for k, v in hdr.items():
        if k == '__metadata__': continue
        s, e = v['data_offsets']
        out[k] = torch.from_numpy(np.frombuffer(data[s:e], dtype=np.float32).reshape(v['shape']).copy())
    return out
def idx(path):
    b = gzip.open(path).read()
    nd = b[3]; dims = struct.unpack('>' + 'I'*nd, b[4:4+4*nd])
    return np.frombuffer(b[4+4*nd:], dtype=np.uint8).reshape(dims)
def load(mdir, n):
    """The folder's MLP as an nn.Sequential and its first n test images (flat, in [0, 1]) with labels."""
    cfg = json.load(open(mdir + '/config.json'))
    sizes = cfg['blocks'][0]['sizes']; act = cfg['blocks'][0]['activation']
    st = load_st(mdir + '/model.safetensors')
    keys = sorted({k.rsplit('.', 1)[0] for k in st}, key=lambda k: int(k.split('.')[-1]))
    layers = []
    for i in range(len(sizes) - 1):
        lin = torch.nn.Linear(sizes[i], sizes[i+1]); lin.weight.data = st[keys[i] + '.weight']; lin.bias.data = st[keys[i] + '.bias']
        layers.append(lin)
        if i < len(sizes) - 2: layers.append(torch.nn.Tanh() if act == 'tanh' else torch.nn.ReLU())
    net = torch.nn.Sequential(*layers).eval()
    d = cfg['data']['path']
    x = torch.from_numpy(idx(d + '/t10k-images-idx3-ubyte.gz')[:n].reshape(n, -1).astype(np.float32) / 255)
    y = torch.from_numpy(idx(d + '/t10k-labels-idx1-ubyte.gz')[:n].astype(np.int64))
    return net, x, y
