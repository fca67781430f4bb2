"""Time `repolens probe` on a small CNN on the CPU with default settings (acceptance: < 30 s).

    python benchmarks/bench_probe.py [--repeat N]

Prints the wall time of the whole probe (child process start, torch import, every check) and the
time of each check as the child measured it.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import tempfile
import textwrap
import time
from pathlib import Path

from repolens.probe import ProbeSpec, run_probe

SMALL_CNN = textwrap.dedent("""
    import torch
    from torch import nn

    class SmallCNN(nn.Module):
        '''A CIFAR-10-sized conv net: 3 conv blocks with BatchNorm, pooling, a linear head (~0.1 M params).'''

        def __init__(self, num_classes=10):
            super().__init__()
            def block(cin, cout):
                return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout),
                                     nn.ReLU(inplace=True), nn.MaxPool2d(2))
            self.features = nn.Sequential(block(3, 32), block(32, 64), block(64, 128))
            self.head = nn.Linear(128, num_classes)

        def forward(self, x):
            return self.head(torch.flatten(nn.functional.adaptive_avg_pool2d(self.features(x), 1), 1))
    """)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "small_cnn.py"
        path.write_text(SMALL_CNN)
        spec = ProbeSpec(model=f"{path}:SmallCNN", root=tmp, device="cpu")  # defaults: 300 steps, 8x3x32x32
        walls = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            report = run_probe(spec)
            walls.append(time.perf_counter() - start)
    m = report.measurements
    print(f"machine: {platform.processor() or platform.machine()}, python {platform.python_version()}")
    print(f"model: SmallCNN, input {m['input']['shape']}, device {report.device}, "
          f"findings: {[f.rule for f in report.findings] or 'none'}")
    print(f"overfit: {m['overfit']['steps']}/{m['overfit']['max_steps']} steps, passed={m['overfit']['passed']}, "
          f"step {m['step_time_ms']:.1f} ms")
    print(f"total wall time: median {statistics.median(walls):.2f} s over {len(walls)} run(s) (acceptance: < 30 s)")
    print("per check (inside the child):")
    for label, seconds in m["timings_s"].items():
        print(f"  {label:40s} {seconds:7.3f} s")
    accounted = sum(m["timings_s"].values())
    print(f"  {'child start + torch import + report':40s} {walls[-1] - accounted:7.3f} s")


if __name__ == "__main__":
    main()
