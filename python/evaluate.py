"""Evaluates the exported model (or trained weights) on the test split, in PyTorch:

    python3 evaluate.py [--weights weights.safetensors] [--data DIR] [--limit N]

VAE: the negative ELBO and its terms (one reparameterised sample per
example); AAE: the reconstruction term. Nats per example, as LatentLab's
`latentlab eval` reports them.
"""
import argparse
import json
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from latentlab_torch.package import Package, to_float  # noqa: E402


@torch.no_grad()
def evaluate(pkg, model, data=None, seed=5, limit=0, batch=500):
    model.eval()
    x_all = pkg.data('test', data)
    n = x_all.shape[0] if not limit else min(limit, x_all.shape[0])
    gen = torch.Generator().manual_seed(seed)
    device = next(model.parameters()).device
    sums = {}
    for start in range(0, n, batch):
        x = to_float(x_all[start:min(n, start + batch)]).to(device)
        if model.family == 'vae':
            _, terms = model.negative_elbo(x, generator=gen)
        else:
            rec, _ = model.reconstruction_loss(x, generator=gen)
            terms = {'reconstruction': rec}
        for k, v in terms.items():
            sums[k] = sums.get(k, 0.0) + float(v) * x.shape[0]
    return {'examples': n, **{k: v / n for k, v in sums.items()}}


def main():
    p = argparse.ArgumentParser(description='Evaluate an exported LatentLab model on its test split.')
    p.add_argument('--weights', help='trained weights (default: the package\'s model.safetensors)')
    p.add_argument('--data', help='folder with test.npy (default: the package\'s data/)')
    p.add_argument('--limit', type=int, default=0)
    p.add_argument('--seed', type=int, default=5)
    args = p.parse_args()
    pkg = Package(HERE)
    model = pkg.build_model(args.weights)
    print(json.dumps(evaluate(pkg, model, args.data, args.seed, args.limit)))


if __name__ == '__main__':
    main()
