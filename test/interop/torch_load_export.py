"""Loads a LatentLab safetensors export into plain PyTorch modules, without
LatentLab and without the `safetensors` package (the format is parsed by hand
from its spec), and prints the encoder and decoder outputs for inputs given as
JSON on stdin. MLPs are rebuilt from nn.Linear; conv nets ("kind": "graph")
layer by layer from nn.Conv2d / nn.ConvTranspose2d / batch norm, reading only
architecture.json. Used by test/export.test.ts and test/conv.test.ts."""
import json, struct, sys
import numpy as np
import torch
from torch.nn import functional as F

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

def run_mlp(net, tensors, x):
    h = x
    for spec in net['hidden']:
        h = ACT[spec['activation']](linear(spec, tensors)(h))
    return {name: linear(spec, tensors)(h) for name, spec in net['heads'].items()}

def conv(op, tensors, x):
    """x NHWC -> NHWC through nn.Conv2d (padding given explicitly, as TF pads)."""
    layer = torch.nn.Conv2d(op['in'], op['out'], op['kernelSize'], stride=op['stride'], padding=0, bias='bias' in op)
    with torch.no_grad():
        layer.weight.copy_(tensors[op['kernel']].permute(3, 2, 0, 1))  # [kh, kw, in, out] -> [out, in, kh, kw]
        if 'bias' in op:
            layer.bias.copy_(tensors[op['bias']])
    p = op['pad']
    h = F.pad(x.permute(0, 3, 1, 2), (p['left'], p['right'], p['top'], p['bottom']))
    return layer(h).permute(0, 2, 3, 1)

def conv_transpose(op, tensors, x):
    """x NHWC -> NHWC through nn.ConvTranspose2d: the full output, cut as the export says."""
    layer = torch.nn.ConvTranspose2d(op['in'], op['out'], op['kernelSize'], stride=op['stride'], padding=0, bias=False)
    with torch.no_grad():
        layer.weight.copy_(tensors[op['kernel']].permute(3, 2, 0, 1))  # [kh, kw, out, in] -> [in, out, kh, kw]
    full = layer(x.permute(0, 3, 1, 2))
    (oh, ow), p = op['outputSize'], op['pad']
    short_h, short_w = max(0, p['top'] + oh - full.shape[2]), max(0, p['left'] + ow - full.shape[3])
    full = F.pad(full, (0, short_w, 0, short_h))
    y = full[:, :, p['top']:p['top'] + oh, p['left']:p['left'] + ow].permute(0, 2, 3, 1)
    return y + tensors[op['bias']] if 'bias' in op else y

def run_graph(net, tensors, inputs):
    values = dict(zip([i['name'] for i in net['inputs']], inputs))
    for op in net['layers']:
        xs = [values[name] for name in op['inputs']]
        x, t = xs[0], op['type']
        if t == 'reshape':
            y = x.reshape(x.shape[0], *op['shape'])
        elif t == 'conv2d':
            y = ACT[op['activation']](conv(op, tensors, x))
        elif t == 'conv2dTranspose':
            y = ACT[op['activation']](conv_transpose(op, tensors, x))
        elif t == 'batchNorm':
            y = (x - tensors[op['movingMean']]) / torch.sqrt(tensors[op['movingVariance']] + op['epsilon'])
            y = y * tensors[op['gamma']] + tensors[op['beta']]
        elif t == 'activation':
            y = ACT[op['activation']](x)
        elif t == 'crop':
            y = x[:, op['top']:x.shape[1] - op['bottom'], op['left']:x.shape[2] - op['right'], :]
        elif t == 'flatten':
            y = x.reshape(x.shape[0], -1)  # NHWC, row-major
        elif t == 'concatenate':
            y = torch.cat(xs, -1)
        elif t == 'dense':
            y = ACT[op['activation']](x @ tensors[op['kernel']] + tensors[op['bias']])
        else:
            raise ValueError(f'unknown layer type {t}')
        values[op['name']] = y
    return {head: values[name] for head, name in net['outputs'].items()}

def run_net(net, tensors, x):
    return run_graph(net, tensors, [x]) if net.get('kind') == 'graph' else run_mlp(net, tensors, x)

folder = sys.argv[1]
arch = json.load(open(f'{folder}/architecture.json'))
tensors, meta = read_safetensors(f'{folder}/model.safetensors')
assert json.loads(meta['architecture']) == arch, 'metadata and architecture.json disagree'
inputs = json.load(sys.stdin)
with torch.no_grad():
    enc = run_net(arch['nets']['encoder'], tensors, torch.tensor(inputs['x'], dtype=torch.float32))
    dec = run_net(arch['nets']['decoder'], tensors, torch.tensor(inputs['z'], dtype=torch.float32))
print(json.dumps({**{k: v.tolist() for k, v in enc.items()},
                  'decoder': {k: v.tolist() for k, v in dec.items()}}))
