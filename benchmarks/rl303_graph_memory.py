"""What RL303's `total += loss` costs when the sum follows `loss.backward()` (no retain_graph).

    python benchmarks/rl303_graph_memory.py [--steps 1000]

Trains a small conv-net (20 Conv-BN-ReLU blocks, batch 8 x 16 x 32 x 32, CPU) for N steps, summing
the loss into a Python-level total either as a tensor with its graph (`total = total + loss`) or
detached (`total = total + loss.detach()`), each in a fresh process, and prints the growth of the
process's peak RSS after a 20-step warm-up. The backward frees the activations either way; what the
tensor sum keeps is every step's graph nodes (host memory), until the total is reset or dropped.
Needs torch (the `probe` extra).
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys


def run(mode: str, steps: int) -> float:
    import torch
    from torch import nn

    torch.manual_seed(0)
    blocks = [nn.Sequential(nn.Conv2d(16, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU()) for _ in range(20)]
    model = nn.Sequential(*blocks, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    x, y = torch.randn(8, 16, 32, 32), torch.randint(0, 10, (8,))
    total, base = 0.0, 0.0
    for step in range(steps):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        total = total + (loss if mode == "graph" else loss.detach())
        if step == 20:
            base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - base


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--mode", choices=("graph", "detach"), help=argparse.SUPPRESS)  # one child run
    args = ap.parse_args()
    if args.mode:
        print(f"{run(args.mode, args.steps):.1f}")
        return 0
    for mode in ("detach", "graph"):
        out = subprocess.run([sys.executable, __file__, "--mode", mode, "--steps", str(args.steps)],
                             capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
        per_step = float(out) * 1024 / max(args.steps - 21, 1)
        print(f"{mode:7s}: peak RSS +{float(out):7.1f} MB over {args.steps - 21} steps ({per_step:.0f} KB per step)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
