"""Trains the exported LatentLab model in PyTorch, on one process or many.

    python3 train.py [--epochs N] [--steps N] [--out weights.safetensors]
    torchrun --nproc_per_node=4 train.py ...          # one machine, 4 processes
    torchrun --nnodes=2 --node_rank=R --master_addr=HOST --nproc_per_node=8 train.py ...

Under torchrun each process trains a DistributedDataParallel copy on its share
of every batch (gloo on CPUs, NCCL on GPUs); gradients are averaged, so a
global batch of B (config.train.batchSize, or --batch-size) trains as one
process would on B examples. The phases, optimizers, schedules and losses are
LatentLab's (latentlab_torch/package.py). At the end, process 0 writes the
weights (safetensors, LatentLab's names and layouts), evaluates the test
split and writes eval.json beside them; `latentlab import` turns the weights
back into a run folder.
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel as DDP

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from latentlab_torch.package import Package, to_float  # noqa: E402
from latentlab_torch.safetensors import write_safetensors  # noqa: E402
from evaluate import evaluate  # noqa: E402


def make_optimizer(spec, params):
    if spec.get('kind', 'adam') == 'sgd':
        return torch.optim.SGD(params, lr=spec['learningRate'], momentum=spec['momentum'], nesterov=spec['nesterov'])
    return torch.optim.Adam(params, lr=spec['learningRate'], betas=(spec['beta1'], spec['beta2']), eps=spec['epsilon'])


def rate_for_epoch(spec, epoch):
    rate = spec['learningRate']
    for entry in spec.get('schedule', []):
        if epoch >= entry['fromEpoch']:
            rate = entry['learningRate']
    return rate


def main():
    p = argparse.ArgumentParser(description='Train an exported LatentLab model (single process or under torchrun).')
    p.add_argument('--epochs', type=int, help='epochs (default: the config\'s train.epochs)')
    p.add_argument('--steps', type=int, default=0, help='stop after this many steps in all (0: run every epoch)')
    p.add_argument('--batch-size', type=int, help='global batch size, split over the processes (default: the config\'s)')
    p.add_argument('--data', help='folder with train.npy and test.npy (default: the package\'s data/)')
    p.add_argument('--out', default='weights.safetensors', help='where process 0 writes the trained weights')
    p.add_argument('--seed', type=int, help='seed for data order and noise (default: the config\'s)')
    p.add_argument('--eval-limit', type=int, default=0, help='evaluate on the first N test examples (0: all)')
    p.add_argument('--threads', type=int, default=0, help='torch.set_num_threads per process (0: leave PyTorch\'s default)')
    args = p.parse_args()

    distributed = int(os.environ.get('WORLD_SIZE', '1')) > 1
    cuda = torch.cuda.is_available()
    if distributed:
        dist.init_process_group(backend='nccl' if cuda else 'gloo')
    rank = dist.get_rank() if distributed else 0
    world = dist.get_world_size() if distributed else 1
    local = int(os.environ.get('LOCAL_RANK', '0'))
    device = torch.device(f'cuda:{local}' if cuda else 'cpu')
    if args.threads:
        torch.set_num_threads(args.threads)

    pkg = Package(HERE)
    config = pkg.config
    train_cfg = config['train']
    seed = config['seed'] if args.seed is None else args.seed
    batch = args.batch_size or train_cfg['batchSize']
    if batch % world != 0:
        raise SystemExit(f'--batch-size {batch} does not split over {world} processes: use a multiple of {world}')
    local_batch = batch // world
    epochs = args.epochs or train_cfg['epochs']

    model = pkg.build_model().to(device)
    train_x = pkg.data('train', args.data)
    n = train_x.shape[0]
    steps_per_epoch = math.ceil(n / batch)
    binarize = config.get('data', {}).get('binarize') == 'dynamic'
    gen = torch.Generator().manual_seed(seed * 1000 + rank)

    wrap = (lambda m: DDP(m, device_ids=[local] if cuda else None)) if distributed else (lambda m: m)
    enc, dec = wrap(model.nets['encoder']), wrap(model.nets['decoder'])
    family = model.family
    clip = train_cfg.get('clipGradNorm')
    if family == 'vae':
        phases = {'elbo': (make_optimizer(train_cfg['optimizer'], list(model.nets['encoder'].parameters()) + list(model.nets['decoder'].parameters())), train_cfg['optimizer'])}
        warm = round(train_cfg.get('klWarmupEpochs', 0) * steps_per_epoch)
    elif family == 'wae':
        phases = {'wae': (make_optimizer(train_cfg['optimizer'], list(model.nets['encoder'].parameters()) + list(model.nets['decoder'].parameters())), train_cfg['optimizer'])}
    else:
        adv = config['adversarial']
        disc = wrap(model.nets['discriminator'])
        phases = {
            'reconstruction': (make_optimizer(train_cfg['optimizer'], list(model.nets['encoder'].parameters()) + list(model.nets['decoder'].parameters())), train_cfg['optimizer']),
            'discriminator': (make_optimizer(adv['discriminatorOptimizer'], model.nets['discriminator'].parameters()), adv['discriminatorOptimizer']),
        }
        if adv['generator'] == 'separate':
            phases['generator'] = (make_optimizer(adv['generatorOptimizer'], model.nets['encoder'].parameters()), adv['generatorOptimizer'])


    def step_phase(name, loss, params):
        opt = phases[name][0]
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if clip:
            torch.nn.utils.clip_grad_norm_(params, clip)
        opt.step()

    step, started, log = 0, time.time(), []
    for epoch in range(1, epochs + 1):
        for opt, spec in phases.values():
            for group in opt.param_groups:
                group['lr'] = rate_for_epoch(spec, epoch)
        order = np.random.default_rng(seed * 7919 + epoch).permutation(n)
        sums, count = {}, 0
        for b in range(steps_per_epoch):
            idx = np.sort(order[b * batch:(b + 1) * batch][rank::world])
            if len(idx) == 0:
                continue
            x = to_float(train_x[idx]).to(device)
            if binarize:
                x = torch.bernoulli(x, generator=gen) if device.type == 'cpu' else torch.bernoulli(x)
            terms = {}
            if family == 'vae':
                beta = train_cfg['beta'] * (min(1.0, step / warm) if warm > 0 else 1.0)
                total, values = model.negative_elbo(x, beta, gen, encoder=enc, decoder=dec)
                step_phase('elbo', total, model.parameters())
                terms = {k: v.item() for k, v in values.items()}
            elif family == 'wae':
                # The penalty on this process's codes; DDP averages the gradients of the processes' estimates.
                rec, z = model.reconstruction_loss(x, None, gen, encoder=enc, decoder=dec)
                mmd = model.mmd_penalty(z, gen)
                step_phase('wae', rec + config['wae']['mmdWeight'] * mmd, model.parameters())
                terms = {'reconstruction': rec.item(), 'mmd': mmd.item()}
            else:
                noise = adv['inputNoise']
                x_in = x + noise * torch.randn(x.shape, generator=gen).to(device) if noise > 0 else x
                rec, z = model.reconstruction_loss(x, x_in, gen, encoder=enc, decoder=dec)
                params = list(model.nets['encoder'].parameters()) + list(model.nets['decoder'].parameters())
                if adv['generator'] == 'joint':
                    # The generator's gradient reaches the encoder through D (unwrapped: D is not stepped here).
                    g = model.generator_loss(z)
                    step_phase('reconstruction', rec + adv['generatorWeight'] * g, params)
                    terms['generator'] = g.item()
                else:
                    step_phase('reconstruction', rec, params)
                terms['reconstruction'] = rec.item()
                for _ in range(adv['discriminatorSteps']):
                    d_loss = model.discriminator_loss(x_in, gen, encoder=enc, discriminator=disc)
                    step_phase('discriminator', d_loss, model.nets['discriminator'].parameters())
                    terms['discriminator'] = d_loss.item()
                if adv['generator'] == 'separate':
                    g = model.generator_loss(model.sample_code(x_in, gen, encoder=enc))
                    step_phase('generator', g, model.nets['encoder'].parameters())
                    terms['generator'] = g.item()
            for k, v in terms.items():
                sums[k] = sums.get(k, 0.0) + v
            count += 1
            step += 1
            if args.steps and step >= args.steps:
                break
        record = {'epoch': epoch, 'steps': step, 'seconds': round(time.time() - started, 2), **{k: round(v / max(count, 1), 4) for k, v in sums.items()}}
        log.append(record)
        if rank == 0:
            print(json.dumps(record), flush=True)
        if args.steps and step >= args.steps:
            break

    if rank == 0:
        out = os.path.abspath(args.out)
        write_safetensors(out, pkg.tensors_of(model), {
            'format': 'latentlab', 'architecture': json.dumps(pkg.architecture), 'trainedBy': f'PyTorch {torch.__version__}',
            'processes': str(world), 'epochs': str(log[-1]['epoch'] if log else 0), 'steps': str(step),
        })
        result = evaluate(pkg, model, args.data, seed=5, limit=args.eval_limit)
        result.update({'weights': out, 'processes': world, 'steps': step, 'epochs': log[-1]['epoch'] if log else 0, 'torch': torch.__version__})
        with open(os.path.join(os.path.dirname(out), 'eval.json'), 'w') as f:
            json.dump(result, f, indent=2)
        print(json.dumps({'done': True, **result}), flush=True)
    if distributed:
        dist.barrier()
        dist.destroy_process_group()


if __name__ == '__main__':
    main()
