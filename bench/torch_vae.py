"""PyTorch yardstick for `npm run bench`: the canonical MNIST VAE.

Model (Kingma & Welling 2014): encoder 784 -> 400 (ReLU) -> two linear heads
mu, log sigma^2 (20 each); decoder 20 -> 400 (ReLU) -> 784 logits.
With --net conv, LatentLab's conv-mnist preset instead: encoder conv 4x4
stride 2 1->32 -> 32->64 (ReLU, padding 1 = TF's 'same' here), flatten, 256
(ReLU), heads; decoder latent -> 256 -> 7*7*64 (ReLU) -> transposed conv 4x4
stride 2 64->32 (ReLU) -> 32->1 logits (--latent 10 as in the preset).
Loss per batch: BCE-with-logits summed over pixels + analytic KL
    KL = -1/2 sum(1 + log s^2 - mu^2 - s^2),
summed over the batch; reported per image, in nats. Adam 1e-3, batch 128,
one reparameterised sample per image (also at test time), inputs are
intensities in [0, 1] read from the same IDX files LatentLab reads.

Usage: python3 torch_vae.py DATA_DIR [--epochs N] [--train-limit N]
                            [--test-limit N] [--threads T] [--seed S] [--lockstep]
                            [--net mlp|conv] [--latent D]
With --lockstep it reads one line from stdin before each epoch, so a caller
can alternate epochs with another implementation (both see the same load).
Prints one JSON object per epoch on stdout:
  {"epoch", "seconds" (training only), "images_per_s", "train_loss",
   "test_loss", "eval_seconds", "peak_rss_mb", "threads", "torch"}
"""
import argparse
import json
import os
import resource
import struct
import sys
import time

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F


def read_idx(path):
    """An IDX file (ubyte) as a numpy array of its declared shape."""
    with open(path, 'rb') as f:
        raw = f.read()
    zero, dtype, ndims = struct.unpack('>HBB', raw[:4])
    if zero != 0 or dtype != 0x08:
        raise ValueError(f'{path}: expected an unsigned-byte IDX file')
    shape = struct.unpack('>' + 'I' * ndims, raw[4:4 + 4 * ndims])
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * ndims).reshape(shape)


def load_images(path, limit):
    images = read_idx(path)
    if limit:
        images = images[:limit]
    flat = images.reshape(images.shape[0], -1).astype(np.float32) / 255.0
    return torch.from_numpy(flat)


class Vae(nn.Module):
    def __init__(self, data_dim=784, hidden=400, latent=20):
        super().__init__()
        self.enc_hidden = nn.Linear(data_dim, hidden)
        self.enc_mu = nn.Linear(hidden, latent)
        self.enc_logvar = nn.Linear(hidden, latent)
        self.dec_hidden = nn.Linear(latent, hidden)
        self.dec_logits = nn.Linear(hidden, data_dim)

    def forward(self, x):
        h = F.relu(self.enc_hidden(x))
        mu, logvar = self.enc_mu(h), self.enc_logvar(h)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        return self.dec_logits(F.relu(self.dec_hidden(z))), mu, logvar


class ConvVae(nn.Module):
    """The conv-mnist preset's nets (LatentLab keeps the feature maps NHWC; the arithmetic is the same)."""
    def __init__(self, side=28, latent=10, channels=(32, 64), hidden=256):
        super().__init__()
        c1, c2 = channels
        self.side, self.small, self.c2 = side, side // 4, c2
        self.enc = nn.Sequential(nn.Conv2d(1, c1, 4, 2, 1), nn.ReLU(), nn.Conv2d(c1, c2, 4, 2, 1), nn.ReLU(), nn.Flatten(),
                                 nn.Linear(c2 * self.small ** 2, hidden), nn.ReLU())
        self.enc_mu = nn.Linear(hidden, latent)
        self.enc_logvar = nn.Linear(hidden, latent)
        self.dec = nn.Sequential(nn.Linear(latent, hidden), nn.ReLU(), nn.Linear(hidden, c2 * self.small ** 2), nn.ReLU())
        self.up = nn.Sequential(nn.ConvTranspose2d(c2, c1, 4, 2, 1), nn.ReLU(), nn.ConvTranspose2d(c1, 1, 4, 2, 1))

    def forward(self, x):
        h = self.enc(x.view(-1, 1, self.side, self.side))
        mu, logvar = self.enc_mu(h), self.enc_logvar(h)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        d = self.dec(z).view(-1, self.c2, self.small, self.small)
        return self.up(d).flatten(1), mu, logvar


def negative_elbo_sum(logits, x, mu, logvar):
    """-ELBO summed over the batch (nats)."""
    reconstruction = F.binary_cross_entropy_with_logits(logits, x, reduction='sum')
    kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return reconstruction + kl


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KB on Linux


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('data_dir')
    p.add_argument('--epochs', type=int, default=2)
    p.add_argument('--train-limit', type=int, default=0)
    p.add_argument('--test-limit', type=int, default=0)
    p.add_argument('--batch-size', type=int, default=128)
    p.add_argument('--threads', type=int, default=int(os.environ.get('THREADS', '1')),
                   help="torch.set_num_threads (intra-op threads); OpenBLAS's own pool is set by OPENBLAS_NUM_THREADS")
    p.add_argument('--seed', type=int, default=1)
    p.add_argument('--lockstep', action='store_true', help='wait for a line on stdin before each epoch')
    p.add_argument('--net', choices=['mlp', 'conv'], default='mlp')
    p.add_argument('--latent', type=int, default=0, help='latent dimensions (default 20 for mlp, 10 for conv)')
    args = p.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    x_train = load_images(os.path.join(args.data_dir, 'train-images-idx3-ubyte'), args.train_limit)
    x_test = load_images(os.path.join(args.data_dir, 't10k-images-idx3-ubyte'), args.test_limit)
    if args.net == 'conv':
        model = ConvVae(side=int(round(x_train.shape[1] ** 0.5)), latent=args.latent or 10)
    else:
        model = Vae(data_dim=x_train.shape[1], latent=args.latent or 20)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    n, bs = x_train.shape[0], args.batch_size

    for epoch in range(1, args.epochs + 1):
        if args.lockstep and not sys.stdin.readline():
            return 0
        model.train()
        start = time.perf_counter()
        order = torch.randperm(n)
        total = 0.0
        for i in range(0, n, bs):
            x = x_train[order[i:i + bs]]
            optimizer.zero_grad()
            logits, mu, logvar = model(x)
            loss = negative_elbo_sum(logits, x, mu, logvar)
            loss.backward()
            optimizer.step()
            total += loss.item()
        seconds = time.perf_counter() - start

        eval_start = time.perf_counter()
        model.eval()
        test_total = 0.0
        with torch.no_grad():
            for xb in x_test.split(1000):
                logits, mu, logvar = model(xb)
                test_total += negative_elbo_sum(logits, xb, mu, logvar).item()
        print(json.dumps({
            'epoch': epoch,
            'seconds': round(seconds, 4),
            'images_per_s': round(n / seconds, 1),
            'train_loss': round(total / n, 4),
            'test_loss': round(test_total / x_test.shape[0], 4),
            'eval_seconds': round(time.perf_counter() - eval_start, 4),
            'peak_rss_mb': round(peak_rss_mb(), 1),
            'threads': torch.get_num_threads(),
            'blas_threads': int(os.environ.get('OPENBLAS_NUM_THREADS', '0')) or None,
            'torch': torch.__version__,
        }), flush=True)


if __name__ == '__main__':
    sys.exit(main())
