/**
 * train.py: trains model.py's module as the model was compiled (loss, optimizer and its
 * hyperparameters in PyTorch form, clipping, learning rate per step, batch size, epochs) under
 * DistributedDataParallel, and writes weights.safetensors back.
 *
 * Exactness: a global batch is split into contiguous slices, one per process; each process
 * scales its summed loss by world_size / (rows in the whole global batch), so DDP's gradient
 * average is exactly the gradient of the global batch's mean loss, also for unequal slices and
 * masked sequence outputs.
 */
import { pyText } from './names.js';

export interface TrainConfig {
  model: string;
  loss: { name: string; fromLogits: boolean; onLogits: boolean };
  optimizer: { class: string; kwargs: Record<string, unknown> };
  clipNorm: number | null;
  clipValue: number | null;
  /** The learning rate of each optimizer step (a schedule), or null for the constant one in kwargs. */
  learningRates: number[] | null;
  epochs: number;
  batchSize: number;
  shuffle: boolean;
  seed: number;
  probabilityEpsilon: number;
}

export function trainPy(config: TrainConfig): string {
  return `"""Trains model.py's ${pyText(config.model)} as it was compiled in @recurrent/models, under
DistributedDataParallel (one process per device or CPU core), and writes the weights back.

  one process:                python3 train.py
  two processes, this machine: see README.md (torchrun, or MASTER_ADDR/MASTER_PORT/RANK/WORLD_SIZE)

--batch-size is the GLOBAL batch (as in fit): each of the WORLD_SIZE processes takes a contiguous
slice of it, and the loss is scaled so that DDP's averaged gradient is exactly the gradient of the
global batch's mean loss. Data: data.safetensors beside this file (x, y, optional mask), or your
own: replace load_data().
"""
import argparse
import json
import os
import sys

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from model import load, read_safetensors, write_safetensors  # noqa: E402

CONFIG = json.loads(r'''${JSON.stringify({ ...config, model: pyText(config.model) }, null, 2)}''')


def load_data(path):
    """x, y and the input step mask (or None) as tensors on the CPU. Replace with your own loader."""
    d = read_safetensors(path)
    mask = d.get('mask')
    return d['x'], d['y'], (None if mask is None else mask.bool())


def row_losses(pred, target, valid):
    """The loss of each output row that counts (masked steps of a sequence output do not), as
    @recurrent/core computes it: mse/mae/binary crossentropy average over the last axis, the
    categorical ones sum over classes; probabilities are clamped to [eps, 1 - eps]."""
    name = CONFIG['loss']['name']
    logits = CONFIG['loss']['fromLogits'] or CONFIG['loss']['onLogits']
    eps = CONFIG['probabilityEpsilon']
    K = pred.shape[-1]
    sparse = name == 'sparseCategoricalCrossentropy'
    target = target.reshape(pred.shape[:-1] if sparse else pred.shape)
    if pred.dim() == 3 and valid is not None:
        pred, target = pred[valid], target[valid]
    else:
        pred = pred.reshape(-1, K)
        target = target.reshape(-1) if sparse else target.reshape(-1, K)
    if name == 'mse':
        return ((pred - target) ** 2).mean(-1)
    if name == 'mae':
        return (pred - target).abs().mean(-1)
    if name == 'binaryCrossentropy':
        if logits:
            return F.binary_cross_entropy_with_logits(pred, target, reduction='none').mean(-1)
        p = pred.clamp(eps, 1 - eps)
        return -(torch.log(1 - p) + target * (torch.log(p) - torch.log(1 - p))).mean(-1)
    t = F.one_hot(target.long(), K).to(pred.dtype) if sparse else target
    if logits:
        return -(t * F.log_softmax(pred, -1)).sum(-1)
    return -(t * torch.log(pred.clamp(eps, 1 - eps))).sum(-1)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--data', default=os.path.join(HERE, 'data.safetensors'))
    ap.add_argument('--weights', default=os.path.join(HERE, 'weights.safetensors'), help='initial weights')
    ap.add_argument('--out', default=os.path.join(HERE, 'weights.safetensors'), help='where the trained weights go')
    ap.add_argument('--epochs', type=int, default=CONFIG['epochs'])
    ap.add_argument('--batch-size', type=int, default=CONFIG['batchSize'], help='global batch size')
    ap.add_argument('--shuffle', action=argparse.BooleanOptionalAction, default=CONFIG['shuffle'])
    ap.add_argument('--seed', type=int, default=CONFIG['seed'])
    ap.add_argument('--cpu', action='store_true', help='train on the CPU even when CUDA is available')
    args = ap.parse_args()

    world = int(os.environ.get('WORLD_SIZE', '1'))
    rank = int(os.environ.get('RANK', '0'))
    distributed = world > 1
    cuda = torch.cuda.is_available() and not args.cpu
    if cuda:
        local = int(os.environ.get('LOCAL_RANK', rank % torch.cuda.device_count()))
        device = torch.device('cuda', local)
        torch.cuda.set_device(device)
    else:
        device = torch.device('cpu')
    if distributed:
        dist.init_process_group('nccl' if cuda else 'gloo', init_method='env://', rank=rank, world_size=world)
    torch.manual_seed(args.seed + rank)

    model = load(os.path.dirname(os.path.abspath(args.weights)), os.path.basename(args.weights), device=device).train()
    net = DistributedDataParallel(model, device_ids=[device] if cuda else None) if distributed else model
    params = [p for p in model.parameters() if p.requires_grad]
    opt = getattr(torch.optim, CONFIG['optimizer']['class'])(params, **CONFIG['optimizer']['kwargs'])
    rates = CONFIG['learningRates']

    x, y, mask = load_data(args.data)
    N = x.shape[0]
    steps = (N + args.batch_size - 1) // args.batch_size
    on_logits = CONFIG['loss']['onLogits']
    step = 0
    for epoch in range(args.epochs):
        if args.shuffle:
            order = torch.randperm(N, generator=torch.Generator().manual_seed(args.seed + epoch))
        else:
            order = torch.arange(N)
        total, rows_total = torch.zeros(2, dtype=torch.float64), 0
        for b in range(steps):
            rows = order[b * args.batch_size:(b + 1) * args.batch_size]
            mine = torch.tensor_split(rows, world)[rank]
            weight = 1.0
            if len(mine) == 0:
                mine, weight = rows[:1], 0.0  # every process must run each step; this one adds nothing
            xb, yb = x[mine].to(device), y[mine].to(device)
            vb = None if mask is None else mask[mine].to(device)
            pred, out_valid = net(xb, mask=vb, logits=on_logits, with_mask=True)
            per_row = row_losses(pred, yb, out_valid)
            local = torch.stack([per_row.sum().detach().double() * weight, torch.tensor(float(per_row.shape[0]) * weight, dtype=torch.float64, device=device)]).cpu()
            if distributed:
                dist.all_reduce(local)
            count = max(local[1].item(), 1.0)
            loss = per_row.sum() * (weight * world / count)
            if rates is not None:
                for g in opt.param_groups:
                    g['lr'] = rates[min(step, len(rates) - 1)]
            opt.zero_grad()
            loss.backward()
            if CONFIG['clipNorm'] is not None:
                torch.nn.utils.clip_grad_norm_(params, CONFIG['clipNorm'])
            if CONFIG['clipValue'] is not None:
                torch.nn.utils.clip_grad_value_(params, CONFIG['clipValue'])
            opt.step()
            step += 1
            total += local
        if rank == 0:
            print(f'epoch {epoch + 1}/{args.epochs}: loss {(total[0] / max(total[1].item(), 1.0)).item():.6f}', flush=True)
    if rank == 0:
        write_safetensors(model.state_dict(), args.out)
        print('wrote ' + args.out, flush=True)
    if distributed:
        dist.barrier()
        dist.destroy_process_group()


if __name__ == '__main__':
    main()
`;
}
