"""The conv-colour preset's nets in PyTorch, on a folder of class subfolders of PNGs.

Trains the preset's VAE (four 4x4 stride-2 convolutions 32-64-128-256, dense
256, a 32-D latent, Gaussian likelihood with sigma^2 = 0.01, Adam 1e-3, batch
64, KL warm-up over 2 epochs) and prints the test -ELBO after each epoch, in
nats per image, with PyTorch's default initialisation or He's (kaiming_uniform_,
zero biases: what the preset's "init": "he" does). 10 % of the images are held
out for testing (a seeded choice, not LatentLab's). presets/README.md compares
the two initialisations with it:

    node --import tsx bench/stream-images.ts --count 6000 --size 32 --generate-only --out /tmp/colour
    python3 bench/torch_conv_colour.py /tmp/colour/data-6000-32 --epochs 6 [--init he] [--seed 1]
"""
import argparse
import math
import os
import time

import numpy as np
import torch
import torch.nn as nn
from PIL import Image


def load(folder):
    files = [os.path.join(folder, c, f) for c in sorted(os.listdir(folder)) for f in sorted(os.listdir(os.path.join(folder, c)))]
    x = np.stack([np.asarray(Image.open(f).convert('RGB'), dtype=np.float32) / 255 for f in files])
    order = np.random.default_rng(0).permutation(len(x))
    held = len(x) // 10
    as_tensor = lambda a: torch.tensor(a).permute(0, 3, 1, 2).contiguous()
    return as_tensor(x[order[held:]]), as_tensor(x[order[:held]])


def nets(side, channels, latent):
    small = side // 2 ** len(channels)
    enc, c_in = [], 3
    for c in channels:
        enc += [nn.Conv2d(c_in, c, 4, 2, 1), nn.ReLU()]
        c_in = c
    enc += [nn.Flatten(), nn.Linear(channels[-1] * small * small, 256), nn.ReLU(), nn.Linear(256, 2 * latent)]
    dec = [nn.Linear(latent, 256), nn.ReLU(), nn.Linear(256, channels[-1] * small * small), nn.ReLU(), nn.Unflatten(1, (channels[-1], small, small))]
    for i in range(len(channels) - 1, 0, -1):
        dec += [nn.ConvTranspose2d(channels[i], channels[i - 1], 4, 2, 1), nn.ReLU()]
    dec += [nn.ConvTranspose2d(channels[0], 3, 4, 2, 1)]
    return nn.Sequential(*enc), nn.Sequential(*dec)


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('folder')
    p.add_argument('--epochs', type=int, default=6)
    p.add_argument('--init', choices=['pytorch', 'he'], default='pytorch')
    p.add_argument('--seed', type=int, default=1)
    p.add_argument('--threads', type=int, default=1)
    args = p.parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    train, test = load(args.folder)
    latent, variance, batch = 32, 0.01, 64
    enc, dec = nets(train.shape[-1], [32, 64, 128, 256], latent)
    if args.init == 'he':
        for m in [*enc.modules(), *dec.modules()]:
            if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
                nn.init.kaiming_uniform_(m.weight, nonlinearity='relu')
                nn.init.zeros_(m.bias)
    opt = torch.optim.Adam([*enc.parameters(), *dec.parameters()], lr=1e-3)
    dim = train[0].numel()
    constant = 0.5 * dim * math.log(2 * math.pi * variance)

    def negative_elbo(x, beta):
        h = enc(x)
        mu, logvar = h[:, :latent], h[:, latent:]
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        reconstruction = ((dec(z) - x) ** 2).sum((1, 2, 3)) / (2 * variance) + constant
        kl = -0.5 * (1 + logvar - mu ** 2 - logvar.exp()).sum(1)
        return (reconstruction + beta * kl).mean(), (reconstruction + kl).mean()

    steps_per_epoch, step = math.ceil(len(train) / batch), 0
    for epoch in range(1, args.epochs + 1):
        start = time.time()
        order = torch.randperm(len(train))
        for i in range(0, len(train), batch):
            loss, _ = negative_elbo(train[order[i:i + batch]], min(1.0, step / (2 * steps_per_epoch)))
            opt.zero_grad()
            loss.backward()
            opt.step()
            step += 1
        with torch.no_grad():
            total = sum(negative_elbo(test[i:i + 500], 1.0)[1].item() * len(test[i:i + 500]) for i in range(0, len(test), 500))
        print(f'epoch {epoch}: test -ELBO {total / len(test):.1f} nats/image ({time.time() - start:.1f} s, init {args.init})', flush=True)


if __name__ == '__main__':
    main()
