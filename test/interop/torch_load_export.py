"""Loads a LatentLab safetensors export into plain PyTorch modules, without
LatentLab and without the `safetensors` package (the format is parsed by hand
from its spec), and prints the encoder means and decoder outputs for inputs
given as JSON on stdin. Used by test/export.test.ts to check interop."""
import json, struct, sys
import numpy as np
import torch

def read_safetensors(path):
    with open(path, 'rb') as f:
        data = f.read()
    (n,) = struct.unpack('<Q', data[:8])
    header = json.loads(data[8:8 + n])
    body = data[8 + n:]
    meta = header.pop('__metadata__', {})
    dtypes = {'F32': np.float32}
    out = {}
    for name, info in header.items():
        b, e = info['data_offsets']
        out[name] = torch.from_numpy(np.frombuffer(body[b:e], dtype=dtypes[info['dtype']]).reshape(info['shape']).copy())
    return out, meta

def linear(spec, tensors):
    layer = torch.nn.Linear(spec['in'], spec['out'])
    with torch.no_grad():
        layer.weight.copy_(tensors[spec['kernel']].T)  # kernels are [in, out]
        layer.bias.copy_(tensors[spec['bias']])
    return layer

ACT = {'relu': torch.relu, 'tanh': torch.tanh, 'elu': torch.nn.functional.elu, 'sigmoid': torch.sigmoid, 'linear': lambda x: x}

def run_net(net, tensors, x):
    h = x
    for spec in net['hidden']:
        h = ACT[spec['activation']](linear(spec, tensors)(h))
    return {name: linear(spec, tensors)(h) for name, spec in net['heads'].items()}

folder = sys.argv[1]
arch = json.load(open(f'{folder}/architecture.json'))
tensors, meta = read_safetensors(f'{folder}/model.safetensors')
assert json.loads(meta['architecture']) == arch, 'metadata and architecture.json disagree'
inputs = json.load(sys.stdin)
with torch.no_grad():
    enc = run_net(arch['nets']['encoder'], tensors, torch.tensor(inputs['x'], dtype=torch.float32))
    dec = run_net(arch['nets']['decoder'], tensors, torch.tensor(inputs['z'], dtype=torch.float32))
print(json.dumps({'loc': enc['loc'].tolist(), 'logvar': enc['logvar'].tolist(),
                  'decoder': {k: v.tolist() for k, v in dec.items()}}))
