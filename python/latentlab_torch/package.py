"""A LatentLab model in PyTorch: nets, likelihood, prior and the objectives
LatentLab trains (the VAE's negative ELBO; the AAE's reconstruction,
discriminator and generator phases), with LatentLab's definitions:

  VAE   q(z|x) = N(loc, diag exp(logvar)), z = loc + exp(logvar/2)·ε
        loss = E[−log p(x|z)] + β·KL(q ‖ p)   (nats per example; KL in closed
        form for the standard normal prior, else one Monte Carlo sample)
  AAE   reconstruction = E[−log p(x|z)]
        discriminator  = E_p(z)[softplus(−D(z))] + E_x[softplus(D(E(x)))]
        generator      = E_x[softplus(−D(E(x)))]
        'joint': reconstruction + λ·generator in one phase (encoder + decoder)
  WAE   reconstruction + λ·MMD²(codes, as many prior samples): the unbiased
        estimate with k(a, b) = Σ_s C_s / (C_s + ‖a − b‖²), C_s = base·s
        (latentlab.json's kernel)
  p(x|z) bernoulli: logits; gaussian: loc (+ log σ² = softplus(r + 6) − 6 when
        learned); continuous-bernoulli: logits, log C = log(η / tanh(η/2)).
"""
import json
import math
import os

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from .nets import ExportedNet
from .safetensors import read_safetensors

LOG_2PI = math.log(2 * math.pi)
MIN_LOG_VARIANCE = -6.0


class Likelihood:
    def __init__(self, spec):
        self.kind = spec['kind']
        self.variance = spec.get('variance', 'learned')
        if self.kind not in ('bernoulli', 'gaussian', 'continuous-bernoulli'):
            raise ValueError(f'likelihood {self.kind!r} is not supported by the PyTorch package')

    def log_prob(self, heads, x):
        """log p(x|z) summed over the example's values: [batch]."""
        if self.kind == 'bernoulli':
            return -F.binary_cross_entropy_with_logits(heads['logits'], x, reduction='none').sum(-1)
        if self.kind == 'continuous-bernoulli':
            eta = heads['logits']
            small = eta.abs() < 1e-3
            safe = torch.where(small, torch.ones_like(eta), eta)
            log_c = torch.where(small, math.log(2.0) + eta * eta / 12, torch.log(safe / torch.tanh(safe / 2)))
            return (x * eta - F.softplus(eta) + log_c).sum(-1)
        loc = heads['loc']
        if self.variance == 'learned':
            logvar = F.softplus(heads['logvar'] - MIN_LOG_VARIANCE) + MIN_LOG_VARIANCE
        else:
            logvar = torch.full_like(loc, math.log(float(self.variance)))
        return (-0.5 * (LOG_2PI + logvar + (x - loc) ** 2 / torch.exp(logvar))).sum(-1)

    def mean(self, heads):
        if self.kind == 'bernoulli':
            return torch.sigmoid(heads['logits'])
        if self.kind == 'continuous-bernoulli':
            eta = heads['logits']
            small = eta.abs() < 1e-3
            safe = torch.where(small, torch.ones_like(eta), eta)
            # E[x] = 1/(1 − e^{−η}) − 1/η, ½ + η/12 near 0
            return torch.where(small, 0.5 + eta / 12, 1 / (-torch.expm1(-safe)) - 1 / safe)
        return heads['loc']


class Prior:
    """p(z) from latentlab.json's resolved prior: sampled (every kind) and, where it has one, its log density."""

    def __init__(self, spec, latent_dim, folder):
        self.kind, self.dim = spec['kind'], latent_dim
        if self.kind == 'gaussian-mixture':
            self.means = torch.tensor(spec['means'], dtype=torch.float32)
            self.std = float(spec['std'])
        elif self.kind == 'uniform':
            self.half_width = float(spec['halfWidth'])
        elif self.kind == 'bank':
            self.bank = torch.from_numpy(np.load(os.path.join(folder, spec['file'])).astype(np.float32))
        elif self.kind != 'standard-normal':
            raise ValueError(f'prior {self.kind!r} is not supported by the PyTorch package')

    def sample(self, n, generator=None, device='cpu'):
        if self.kind == 'standard-normal':
            return torch.randn(n, self.dim, generator=generator).to(device)
        if self.kind == 'gaussian-mixture':
            k = torch.randint(0, self.means.shape[0], (n,), generator=generator)
            return (self.means[k] + self.std * torch.randn(n, self.dim, generator=generator)).to(device)
        if self.kind == 'uniform':
            return ((torch.rand(n, self.dim, generator=generator) * 2 - 1) * self.half_width).to(device)
        i = torch.randint(0, self.bank.shape[0], (n,), generator=generator)
        return self.bank[i].to(device)

    @property
    def has_density(self):
        return self.kind in ('standard-normal', 'gaussian-mixture')

    def log_prob(self, z):
        if self.kind == 'standard-normal':
            return (-0.5 * (LOG_2PI + z * z)).sum(-1)
        if self.kind == 'gaussian-mixture':
            means = self.means.to(z.device)
            d = z.shape[-1]
            sq = ((z.unsqueeze(-2) - means) ** 2).sum(-1)  # [batch, K]
            log_comp = -0.5 * sq / self.std ** 2 - d * (math.log(self.std) + 0.5 * LOG_2PI)
            return torch.logsumexp(log_comp, -1) - math.log(means.shape[0])
        raise ValueError(f'prior {self.kind!r} has no density')


def mmd_squared(x, y, base, scales):
    """The unbiased MMD² between x [n, d] and y [m, d] (n, m ≥ 2) under the IMQ kernel summed over scales."""
    n, m = x.shape[0], y.shape[0]

    def kernel_sum(a, b, off_diagonal):
        sq = ((a.unsqueeze(1) - b.unsqueeze(0)) ** 2).sum(-1)
        total = sum((base * s) / (base * s + sq) for s in scales)
        if off_diagonal:
            total = total * (1 - torch.eye(a.shape[0], device=a.device, dtype=a.dtype))
        return total.sum()

    return (kernel_sum(x, x, True) / (n * (n - 1)) + kernel_sum(y, y, True) / (m * (m - 1))
            - 2 * kernel_sum(x, y, False) / (n * m))


class Model(nn.Module):
    """encoder, decoder (and discriminator for an AAE) as ExportedNets; `family` is 'vae', 'aae' or 'wae'."""

    def __init__(self, architecture, settings, folder):
        super().__init__()
        self.family = architecture['model']
        if self.family not in ('vae', 'aae', 'wae'):
            raise ValueError(f'model family {self.family!r} is not supported by the PyTorch package (vae, aae and wae are)')
        self.config = settings['config']
        self.latent_dim = architecture['latentDim']
        shapes = settings['tensorShapes']
        self.nets = nn.ModuleDict({name: ExportedNet(name, spec, shapes) for name, spec in architecture['nets'].items()})
        self.likelihood = Likelihood(architecture['likelihood'])
        self.prior = Prior(settings['prior'], self.latent_dim, folder)
        encoder_kind = self.config.get('adversarial', self.config.get('wae', {})).get('encoder')
        self.gaussian_encoder = self.family == 'vae' or encoder_kind == 'gaussian'
        self.kernel = settings.get('kernel')

    # -- the three nets. Each method takes the net to call (a DistributedDataParallel
    # wrapper while training, so its gradients are averaged); the model's own by default.
    def encode(self, x, encoder=None):
        """(loc, logvar) of q(z|x), or (code, None) for a deterministic encoder."""
        heads = (encoder or self.nets['encoder'])(x)
        return (heads['loc'], heads['logvar']) if self.gaussian_encoder else (heads['code'], None)

    def sample_code(self, x, generator=None, encoder=None):
        loc, logvar = self.encode(x, encoder)
        if logvar is None:
            return loc
        eps = torch.randn(loc.shape, generator=generator).to(loc.device)
        return loc + torch.exp(0.5 * logvar) * eps

    def decode(self, z, decoder=None):
        return (decoder or self.nets['decoder'])(z)

    def discriminate(self, z, discriminator=None):
        return (discriminator or self.nets['discriminator'])(z)['logit'].squeeze(-1)

    # -- objectives (nats per example, means over the batch)
    def negative_elbo(self, x, beta=1.0, generator=None, encoder=None, decoder=None):
        """(β-weighted total to minimise, {loss, reconstruction, kl})."""
        loc, logvar = self.encode(x, encoder)
        eps = torch.randn(loc.shape, generator=generator).to(loc.device)
        z = loc + torch.exp(0.5 * logvar) * eps
        reconstruction = -self.likelihood.log_prob(self.decode(z, decoder), x).mean()
        if self.prior.kind == 'standard-normal':
            kl = (0.5 * (torch.exp(logvar) + loc * loc - 1 - logvar)).sum(-1).mean()
        else:  # one Monte Carlo sample of E_q[log q − log p], drawn apart from the reconstruction's
            z2 = loc + torch.exp(0.5 * logvar) * torch.randn(loc.shape, generator=generator).to(loc.device)
            log_q = (-0.5 * (LOG_2PI + logvar + (z2 - loc) ** 2 / torch.exp(logvar))).sum(-1)
            kl = (log_q - self.prior.log_prob(z2)).mean()
        loss = reconstruction + kl
        total = reconstruction + beta * kl
        return total, {'loss': loss, 'reconstruction': reconstruction, 'kl': kl}

    def reconstruction_loss(self, x, x_in=None, generator=None, encoder=None, decoder=None):
        """(E[−log p(x|z)], z) with z coded from x_in (x with the encoder's input noise), x by default."""
        z = self.sample_code(x if x_in is None else x_in, generator, encoder)
        return -self.likelihood.log_prob(self.decode(z, decoder), x).mean(), z

    def discriminator_loss(self, x_in, generator=None, encoder=None, discriminator=None):
        """E_p[softplus(−D(z))] + E_x[softplus(D(E(x)))], D called once on [prior samples; codes]."""
        with torch.no_grad():
            fake = self.sample_code(x_in, generator, encoder)
        real = self.prior.sample(x_in.shape[0], generator, x_in.device)
        logits = self.discriminate(torch.cat([real, fake], 0), discriminator)
        n = x_in.shape[0]
        return F.softplus(-logits[:n]).mean() + F.softplus(logits[n:]).mean()

    def generator_loss(self, z, discriminator=None):
        """E[softplus(−D(z))]: the encoder fooling D."""
        return F.softplus(-self.discriminate(z, discriminator)).mean()

    def mmd_penalty(self, z, generator=None):
        """The WAE's MMD²(codes z, as many prior samples); 0 for a batch of one."""
        if z.shape[0] < 2:
            return z.sum() * 0
        prior = self.prior.sample(z.shape[0], generator, z.device)
        return mmd_squared(z, prior, self.kernel['base'], self.kernel['scales'])


class Package:
    """The exported package folder: architecture.json, latentlab.json, model.safetensors, data/."""

    def __init__(self, folder):
        self.folder = os.path.abspath(folder)
        with open(os.path.join(self.folder, 'architecture.json')) as f:
            self.architecture = json.load(f)
        with open(os.path.join(self.folder, 'latentlab.json')) as f:
            self.settings = json.load(f)
        self.config = self.settings['config']

    def build_model(self, weights=None):
        """The model with the package's weights (model.safetensors) or those of `weights`."""
        tensors, _ = read_safetensors(weights or os.path.join(self.folder, 'model.safetensors'))
        model = Model(self.architecture, {**self.settings, 'tensorShapes': {k: list(v.shape) for k, v in tensors.items()}}, self.folder)
        state = {f'nets.{name.split(".")[0]}.layers.{name.split(".")[1]}.{name.split(".")[2]}': t for name, t in tensors.items()}
        model.load_state_dict(state, strict=True)
        return model

    def tensors_of(self, model):
        """The model's weights under their export names (for write_safetensors)."""
        out = {}
        for key, value in model.state_dict().items():
            _, net, _, layer, weight = key.split('.')
            out[f'{net}.{layer}.{weight}'] = value
        return out

    def data(self, split, folder=None):
        """The split's examples as float32 [n, dataDim] in [0, 1] (a memory map where the file allows)."""
        path = os.path.join(folder or os.path.join(self.folder, 'data'), f'{split}.npy')
        if not os.path.exists(path):
            raise FileNotFoundError(f'{path} not found: export with data (the default), or pass --data DIR holding train.npy and test.npy')
        arr = np.load(path, mmap_mode='r')
        return arr


def load_package(folder):
    return Package(folder)


def to_float(batch):
    """A batch of stored examples as float32 in [0, 1] ([n, dataDim]; uint8 files hold k/255)."""
    a = np.asarray(batch)
    x = torch.from_numpy(a.reshape(a.shape[0], -1).astype(np.float32))
    return x / 255.0 if a.dtype == np.uint8 else x
