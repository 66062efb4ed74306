"""Evaluates the exported model (or trained weights) on the test split, in PyTorch:

    python3 evaluate.py [--weights weights.safetensors] [--data DIR] [--limit N] [--iw K]

VAE: the negative ELBO and its terms (one reparameterised sample per
example); AAE: the reconstruction term; WAE: the reconstruction and the MMD²
to the prior (the unbiased estimate per batch of test examples). With --iw K (a model with q(z|x) and
a prior density: a VAE): also the importance-weighted bound of Burda et al.
(2015), −L_K = −E[log (1/K) Σ_k p(x|z_k) p(z_k) / q(z_k|x)]. Nats per
example, as LatentLab's `latentlab eval` reports them.
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
            rec, z = model.reconstruction_loss(x, generator=gen)
            terms = {'reconstruction': rec}
            if model.family == 'wae':
                terms['mmd'] = model.mmd_penalty(z, gen)
        for k, v in terms.items():
            sums[k] = sums.get(k, 0.0) + float(v) * x.shape[0]
    return {'examples': n, **{k: v / n for k, v in sums.items()}}


@torch.no_grad()
def iw_bound(pkg, model, k, data=None, seed=5, limit=0, batch=100, max_elements=2 ** 21):
    """Mean −L_K over the test examples, K samples per example drawn in chunks
    whose decoder output stays under `max_elements` floats (log-sum-exp
    accumulated across chunks)."""
    import math
    model.eval()
    if not model.gaussian_encoder or not model.prior.has_density:
        raise SystemExit('--iw needs a Gaussian encoder and a prior with a density (a VAE)')
    x_all = pkg.data('test', data)
    n = x_all.shape[0] if not limit else min(limit, x_all.shape[0])
    gen = torch.Generator().manual_seed(seed)
    device = next(model.parameters()).device
    total = 0.0
    for start in range(0, n, batch):
        x = to_float(x_all[start:min(n, start + batch)]).to(device)
        b, d = x.shape
        chunk = max(1, max_elements // (b * d))
        loc, logvar = model.encode(x)
        std = torch.exp(0.5 * logvar)
        acc = None
        for done in range(0, k, chunk):
            m = min(chunk, k - done)
            eps = torch.randn((m,) + loc.shape, generator=gen).to(device)
            z = loc + std * eps  # [m, b, latent]
            log_q = (-0.5 * (math.log(2 * math.pi) + logvar + eps * eps)).sum(-1)
            heads = model.decode(z.reshape(m * b, -1))
            log_px = model.likelihood.log_prob(heads, x.repeat(m, 1)).reshape(m, b)
            lse = torch.logsumexp(log_px + model.prior.log_prob(z) - log_q, 0)
            acc = lse if acc is None else torch.logaddexp(acc, lse)
        total += float((acc - math.log(k)).sum())
    return -total / n


def main():
    p = argparse.ArgumentParser(description='Evaluate an exported LatentLab model on its test split.')
    p.add_argument('--weights', help='trained weights (default: the package\'s model.safetensors)')
    p.add_argument('--data', help='folder with test.npy (default: the package\'s data/)')
    p.add_argument('--limit', type=int, default=0)
    p.add_argument('--seed', type=int, default=5)
    p.add_argument('--iw', type=int, default=0, help='importance samples K for the bound −L_K (0: none)')
    p.add_argument('--threads', type=int, default=0, help='torch.set_num_threads (0: PyTorch\'s default)')
    args = p.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    pkg = Package(HERE)
    model = pkg.build_model(args.weights)
    result = evaluate(pkg, model, args.data, args.seed, args.limit)
    if args.iw:
        import time
        started = time.perf_counter()
        result['iw'] = {'k': args.iw, 'nll': iw_bound(pkg, model, args.iw, args.data, args.seed, args.limit), 'seconds': round(time.perf_counter() - started, 3)}
    print(json.dumps(result))


if __name__ == '__main__':
    main()
