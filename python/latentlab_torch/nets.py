"""Nets built from architecture.json (LatentLab's export description).

Each weight is a parameter (or, for batch-norm statistics, a buffer) named
exactly as the exported tensor: `<net>.<layer>.<weight>` in the model's
state_dict, in LatentLab's layout, so `load_state_dict` takes the safetensors
file as it is and the trained weights go back to LatentLab by name.
"""
import torch
from torch import nn
from torch.nn import functional as F

ACTIVATIONS = {
    'relu': torch.relu, 'tanh': torch.tanh, 'elu': F.elu, 'sigmoid': torch.sigmoid, 'linear': lambda x: x,
}


def _activation(name):
    if name not in ACTIVATIONS:
        raise ValueError(f'activation {name!r} is not supported by the PyTorch package')
    return ACTIVATIONS[name]


class Layer(nn.Module):
    """The weights of one exported layer, as named in the export (kernel, bias, gamma, ...)."""

    def __init__(self, shapes, buffers=()):
        super().__init__()
        for weight, shape in shapes.items():
            if weight in buffers:
                self.register_buffer(weight, torch.zeros(shape))
            else:
                setattr(self, weight, nn.Parameter(torch.zeros(shape)))


def _short(tensor_name):
    """'encoder.dense0.kernel' -> ('dense0', 'kernel')."""
    parts = tensor_name.split('.')
    return parts[1], parts[2]


class ExportedNet(nn.Module):
    """An MLP (`kind: 'mlp'`) or a layer graph (`kind: 'graph'`) of the export."""

    def __init__(self, name, spec, tensor_shapes):
        super().__init__()
        self.name, self.spec = name, spec
        self.layers = nn.ModuleDict()
        weights = {}
        for tensor, shape in tensor_shapes.items():
            if tensor.startswith(name + '.'):
                layer, weight = _short(tensor)
                weights.setdefault(layer, {})[weight] = shape
        for layer, shapes in weights.items():
            buffers = {w for w in shapes if w.startswith('moving')}
            self.layers[layer] = Layer(shapes, buffers)
        if spec['kind'] == 'graph':
            for op in spec['layers']:
                if op['type'] == 'batchNorm':
                    raise ValueError(f'the {name} net uses batch normalisation, which the PyTorch package does not train yet')

    def _w(self, tensor_name):
        layer, weight = _short(tensor_name)
        return getattr(self.layers[layer], weight)

    def _dense(self, op, x):
        y = x @ self._w(op['kernel'])
        if op.get('bias'):
            y = y + self._w(op['bias'])
        return _activation(op['activation'])(y)

    def forward(self, *inputs):
        """Returns {head name: [batch, size]} for flat inputs [batch, ...]."""
        if self.spec['kind'] == 'mlp':
            h = inputs[0]
            for op in self.spec['hidden']:
                h = self._dense(op, h)
            return {head: self._dense(op, h) for head, op in self.spec['heads'].items()}
        values = dict(zip([i['name'] for i in self.spec['inputs']], inputs))
        for op in self.spec['layers']:
            xs = [values[n] for n in op['inputs']]
            values[op['name']] = self._op(op, xs)
        return {head: values[layer] for head, layer in self.spec['outputs'].items()}

    def _op(self, op, xs):
        x, t = xs[0], op['type']
        if t == 'reshape':
            return x.reshape(x.shape[0], *op['shape'])
        if t == 'conv2d':
            p = op['pad']
            h = F.pad(x.permute(0, 3, 1, 2), (p['left'], p['right'], p['top'], p['bottom']))
            w = self._w(op['kernel']).permute(3, 2, 0, 1)
            b = self._w(op['bias']) if op.get('bias') else None
            return _activation(op['activation'])(F.conv2d(h, w, b, stride=tuple(op['stride'])).permute(0, 2, 3, 1))
        if t == 'conv2dTranspose':
            w = self._w(op['kernel']).permute(3, 2, 0, 1)  # [kh, kw, out, in] -> [in, out, kh, kw]
            full = F.conv_transpose2d(x.permute(0, 3, 1, 2), w, stride=tuple(op['stride']))
            (oh, ow), p = op['outputSize'], op['pad']
            short_h, short_w = max(0, p['top'] + oh - full.shape[2]), max(0, p['left'] + ow - full.shape[3])
            full = F.pad(full, (0, short_w, 0, short_h))
            y = full[:, :, p['top']:p['top'] + oh, p['left']:p['left'] + ow].permute(0, 2, 3, 1)
            if op.get('bias'):
                y = y + self._w(op['bias'])
            return _activation(op['activation'])(y)
        if t == 'activation':
            return _activation(op['activation'])(x)
        if t == 'crop':
            return x[:, op['top']:x.shape[1] - op['bottom'], op['left']:x.shape[2] - op['right'], :]
        if t == 'flatten':
            return x.reshape(x.shape[0], -1)
        if t == 'concatenate':
            return torch.cat(xs, -1)
        if t == 'dense':
            return self._dense(op, x)
        raise ValueError(f'layer type {t!r} is not supported by the PyTorch package')
