#!/usr/bin/env python3
"""PyTorch reference for `priortransfer bench --compare-pytorch`.

The same CIFAR-style ResNets as PriorTransfer.Models.CifarResNet (He et al. 2016, section 4.2, for 1x28x28 images):
3x3 stem with 16 channels, BatchNorm, ReLU; three stages of basic blocks with 16/32/64 channels and stride 2 between
stages; 1x1 conv + BN projection shortcuts where the shape changes; global average pooling; a linear head. Convolutions
have no bias. resnet8 has one block per stage, resnet20 three.

The training step is the one SgdTrainer.Train runs: a fresh SGD optimiser per run (momentum 0.9, Nesterov, weight
decay 5e-4, a cosine learning rate set every step), a random permutation of the data set per epoch, index_select of each
batch of 128, forward, cross-entropy, backward, step. Data are random 1x28x28 images in [0, 1] with random labels of
10 classes.

Usage:
  bench_resnet.py --threads 2 --arch resnet8 --steps 20 --rounds 5     one-shot, prints one JSON line per run
  bench_resnet.py --threads 2 --serve                                  reads "<arch> <steps>" lines from stdin,
                                                                        answers one JSON line each; "quit" ends
A request ending in "cl" (or --channels-last) runs the stages on channels-last activations, as PriorTransfer's
CifarResNet does by default: the comparison is reported against idiomatic PyTorch (default memory format) and, for
information, against PyTorch with the same layout. The first line printed in both modes is a JSON header with the torch version and thread count. Requires torch
(Debian: /usr/bin/python3 with python3-torch).

Serve mode also answers "layer <case> <reps> [<warmup>]": forward + backward of one layer shape of resnet8, <reps> timed
times after <warmup> untimed ones (default 0), on a batch of --batch random inputs (PriorTransfer.Performance.LayerCase
and LayerWorkload are the C# side). A case is
  conv<k>x<k>-<in>-<out>-s<stride>-<size>-<cl|nchw>[-nograd]   a k x k convolution without bias, padding k/2
  bnrelu-<channels>-<size>-<cl|nchw>[-nograd]                 BatchNorm (training mode) + ReLU
with <size> the input's height and width, cl channels-last, and nograd an input without gradient (the stem's images).
Each repetition computes the gradients with torch.autograd.grad (nothing accumulates) against an all-ones output
gradient made once.
"""

import argparse
import json
import math
import re
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class BasicBlock(nn.Module):
    def __init__(self, in_channels, out_channels, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.shortcut = None
        if stride != 1 or in_channels != out_channels:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False),
                nn.BatchNorm2d(out_channels))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        identity = x if self.shortcut is None else self.shortcut(x)
        return F.relu(out + identity)


class CifarResNet(nn.Module):
    def __init__(self, in_channels, blocks_per_stage, classes, channels_last=False):
        super().__init__()
        self.channels_last = channels_last
        self.conv1 = nn.Conv2d(in_channels, 16, 3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.layer1 = self._stage(16, 16, blocks_per_stage, 1)
        self.layer2 = self._stage(16, 32, blocks_per_stage, 2)
        self.layer3 = self._stage(32, 64, blocks_per_stage, 2)
        self.head = nn.Linear(64, classes)

    @staticmethod
    def _stage(in_channels, out_channels, blocks, stride):
        return nn.Sequential(*[BasicBlock(in_channels if i == 0 else out_channels, out_channels, stride if i == 0 else 1)
                               for i in range(blocks)])

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        if self.channels_last:  # what PriorTransfer's CifarResNet does by default
            x = x.contiguous(memory_format=torch.channels_last)
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.head(x.mean([2, 3]))


def create(arch, classes=10, seed=0, channels_last=False):
    torch.manual_seed(seed)
    blocks = {"resnet8": 1, "resnet20": 3}[arch]
    model = CifarResNet(1, blocks, classes, channels_last)
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
    return model


class Workload:
    """A model and a data set of exactly `steps` batches; `run(steps)` is one SgdTrainer.Train call."""

    def __init__(self, arch, batch, seed=0, channels_last=False):
        self.model = create(arch, seed=seed, channels_last=channels_last)
        self.batch = batch
        self.generator = torch.Generator().manual_seed(seed + 1)
        self.images = None
        self.labels = None

    def _data(self, steps):
        count = steps * self.batch
        if self.images is None or self.images.shape[0] != count:
            self.images = torch.rand(count, 1, 28, 28, generator=self.generator)
            self.labels = torch.randint(0, 10, (count,), generator=self.generator)
        return self.images, self.labels

    def run(self, steps):
        images, labels = self._data(steps)
        model = self.model
        model.train()
        base_lr = 0.01
        optimizer = torch.optim.SGD(model.parameters(), lr=base_lr, momentum=0.9, weight_decay=5e-4, nesterov=True)
        start = time.perf_counter()
        cpu_start = time.process_time()
        order = torch.randperm(images.shape[0], generator=self.generator)
        for step in range(steps):
            lr = 0.5 * base_lr * (1 + math.cos(math.pi * step / max(1, steps - 1)))
            for group in optimizer.param_groups:
                group["lr"] = lr
            rows = order[step * self.batch:(step + 1) * self.batch]
            x = images.index_select(0, rows)
            y = labels.index_select(0, rows)
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
            if step % 25 == 0 or step == steps - 1:
                value = loss.item()  # SgdTrainer reads the loss every 25 steps and at the end (divergence check)
                if not math.isfinite(value):
                    raise RuntimeError(f"loss became {value}")
        return time.perf_counter() - start, time.process_time() - cpu_start


LAYER_CASE = re.compile(r"^(?:conv(?P<k>[0-9]{1,6})x(?P=k)-(?P<cin>[0-9]{1,6})-(?P<cout>[0-9]{1,6})-s(?P<s>[0-9]{1,6})"
                        r"|bnrelu-(?P<c>[0-9]{1,6}))-(?P<size>[0-9]{1,6})-(?P<layout>cl|nchw)(?P<nograd>-nograd)?$")


class LayerWorkload:
    """One layer case (see the module docstring); `run(reps)` times reps forward + backward passes."""

    def __init__(self, case, batch, seed=0):
        m = LAYER_CASE.match(case)
        if m is None:
            raise ValueError(f"bad layer case {case!r}")
        generator = torch.Generator().manual_seed(seed)
        layout = torch.channels_last if m["layout"] == "cl" else torch.contiguous_format
        size = int(m["size"])
        if m["k"] is not None:
            k, cin, cout, stride = int(m["k"]), int(m["cin"]), int(m["cout"]), int(m["s"])
            if k % 2 == 0:
                raise ValueError(f"bad layer case {case!r}: the kernel must be odd")
            x = torch.rand(batch, cin, size, size, generator=generator).contiguous(memory_format=layout)
            weight = (torch.rand(cout, cin, k, k, generator=generator) * 0.1).requires_grad_(True)
            self.parameters = [weight]
            self.forward = lambda: F.conv2d(self.input, weight, None, stride, k // 2)
        else:
            c = int(m["c"])
            x = torch.rand(batch, c, size, size, generator=generator).contiguous(memory_format=layout)
            weight = torch.ones(c, requires_grad=True)
            bias = torch.zeros(c, requires_grad=True)
            running_mean, running_var = torch.zeros(c), torch.ones(c)
            self.parameters = [weight, bias]
            self.forward = lambda: F.relu(F.batch_norm(self.input, running_mean, running_var, weight, bias, True, 0.1, 1e-5))
        self.input = x.requires_grad_(m["nograd"] is None)
        self.differentiable = ([self.input] if self.input.requires_grad else []) + self.parameters
        with torch.no_grad():
            self.output_gradient = torch.ones_like(self.forward())

    def run(self, reps, warmup=0):
        for _ in range(warmup):
            self.step()
        start = time.perf_counter()
        cpu_start = time.process_time()
        for _ in range(reps):
            self.step()
        return time.perf_counter() - start, time.process_time() - cpu_start

    def step(self):
        torch.autograd.grad([self.forward()], self.differentiable, [self.output_gradient])


def header(threads):
    return {"kind": "header", "torch": torch.__version__, "python": sys.version.split()[0], "threads": torch.get_num_threads(),
            "requested_threads": threads, "interop_threads": torch.get_num_interop_threads()}


def result(arch, batch, steps, times):
    seconds, cpu_seconds = times
    return {"kind": "result", "arch": arch, "batch": batch, "steps": steps, "seconds": seconds, "cpu_seconds": cpu_seconds,
            "images_per_second": steps * batch / seconds}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--arch", choices=["resnet8", "resnet20"], default="resnet8")
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--channels-last", action="store_true", help="stages on channels-last activations (one-shot mode)")
    parser.add_argument("--serve", action="store_true", help="answer '<arch> <steps> [cl]' and 'layer <case> <reps>' requests read from stdin")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    print(json.dumps(header(args.threads)), flush=True)
    workloads = {}
    layers = {}

    def workload(arch, channels_last=False):
        key = (arch, channels_last)
        if key not in workloads:
            workloads[key] = Workload(arch, args.batch, channels_last=channels_last)
        return workloads[key]

    if not args.serve:
        w = workload(args.arch, args.channels_last)
        w.run(min(args.steps, 3))  # warm-up
        for _ in range(args.rounds):
            print(json.dumps(result(args.arch, args.batch, args.steps, w.run(args.steps))), flush=True)
        return

    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        if words[0] == "quit":
            break
        try:
            if words[0] == "layer":
                if len(words) not in (3, 4) or not all(w.isdigit() for w in words[2:]) or int(words[2]) < 1:
                    raise ValueError(f"bad request {line.strip()!r}: expected 'layer <case> <reps> [<warmup>]'")
                case, reps, warmup = words[1], int(words[2]), int(words[3]) if len(words) > 3 else 0
                if case not in layers:
                    layers[case] = LayerWorkload(case, args.batch)
                seconds, cpu_seconds = layers[case].run(reps, warmup)
                print(json.dumps({"kind": "result", "layer": case, "batch": args.batch, "reps": reps, "warmup": warmup,
                                  "seconds": seconds, "cpu_seconds": cpu_seconds}), flush=True)
                continue
            arch, steps = words[0], int(words[1])
            channels_last = len(words) > 2 and words[2] == "cl"
            if arch not in ("resnet8", "resnet20") or steps < 1:
                raise ValueError(f"bad request {line.strip()!r}")
            print(json.dumps(result(arch, args.batch, steps, workload(arch, channels_last).run(steps))), flush=True)
        except Exception as e:  # report, keep serving
            print(json.dumps({"kind": "error", "message": str(e)}), flush=True)


if __name__ == "__main__":
    main()
