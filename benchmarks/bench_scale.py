"""Does `repolens lint` cost grow linearly with a file's size? Time and memory over one generated
file of 0.1 to ~2 MB (the default size limit is 2 MB).

    python benchmarks/bench_scale.py                    # default sizes, --select ALL
    python benchmarks/bench_scale.py --sizes 0.1,0.5,1.9 --diff --select DEFAULT

Each file is realistic training code (models, a loop, data loaders, checkpoints: many rules
match) repeated with fresh names until it reaches the size. Every size is linted by a fresh
`python -m repolens lint FILE --no-cache` process; printed per size: wall seconds, CPU seconds
(user+sys: steadier than wall on a shared machine) and CPU seconds per MB, peak RSS of that
process (getrusage of the waited child). The target (issue 11) is seconds
per MB flat within 2x from the smallest to the largest size. The load average is printed: on a
shared machine, quote it with the figures.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BLOCK = '''

class Net{i}(nn.Module):
    def __init__(self, dim={i} + 16):
        super().__init__()
        self.fc = nn.Linear(dim, dim)
        self.drop = nn.Dropout(0.1)

    def forward(self, x):
        y = self.fc(x).relu()
        if y.sum().item() > {i}:
            y = y * 2
        return self.drop(y)


def train_{i}(model, loader, epochs={i}):
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    losses = []
    for epoch in range(epochs):
        for x, target in loader:
            x, target = x.cuda(), target.cuda()
            out = model(x)
            loss = F.cross_entropy(out, target)
            loss.backward()
            opt.step()
            losses.append(loss)
    state = torch.load("ckpt_{i}.pt")
    model.load_state_dict(state)
    torch.save(model.state_dict(), "out_{i}.pt")
    return sum(l.item() for l in losses) / max(1, len(losses))


def evaluate_{i}(model, data):
    loader = DataLoader(data, batch_size=32, shuffle=True)
    correct = 0
    for x, y in loader:
        pred = model(x).argmax(1)
        correct += (pred == y).sum()
    return correct / len(data)
'''

HEADER = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\nfrom torch.utils.data import DataLoader\n"


def generate(size: int) -> str:
    parts = [HEADER]
    n = len(HEADER)
    i = 0
    while n < size:
        block = BLOCK.format(i=i)
        parts.append(block)
        n += len(block)
        i += 1
    return "".join(parts)


def run(path: Path, args: list[str]) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, peak RSS MiB) of one lint process."""
    cmd = [sys.executable, "-m", "repolens", "lint", str(path), "--no-cache", "--quiet", *args]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=path.parent)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode not in (0, 1):
        raise SystemExit(f"lint failed ({proc.returncode}): {err[-500:]}")
    if "skipped" in err or "crashed" in err:
        raise SystemExit(f"lint did not analyse the whole file: {err[-500:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="0.1,0.25,0.5,1,1.9", help="file sizes in MB (comma separated)")
    ap.add_argument("--select", default="ALL")
    ap.add_argument("--diff", action="store_true", help="also compute fixes (--diff --unsafe-fixes)")
    opts = ap.parse_args()
    extra = ["--select", opts.select] + (["--diff", "--unsafe-fixes"] if opts.diff else [])
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; lint {' '.join(extra)}")
    print(f"{'MB':>6} {'lines':>8} {'wall s':>8} {'CPU s':>8} {'CPU s/MB':>9} {'peak RSS MiB':>13} {'RSS/MB':>7}")
    per_mb = []
    with tempfile.TemporaryDirectory(prefix="repolens-scale-") as tmp:
        for mb in (float(s) for s in opts.sizes.split(",")):
            text = generate(int(mb * 1_000_000))
            f = Path(tmp) / f"gen_{mb}.py"
            f.write_text(text)
            wall, cpu, rss = run(f, extra)
            size_mb = len(text.encode()) / 1e6
            per_mb.append(cpu / size_mb)
            print(f"{size_mb:6.2f} {text.count(chr(10)):8d} {wall:8.2f} {cpu:8.2f} {cpu / size_mb:9.2f} {rss:13.0f} "
                  f"{rss / size_mb:7.0f}", flush=True)
    print(f"CPU s/MB, largest / smallest: {per_mb[-1] / per_mb[0]:.2f}x (target <= 2x)")


if __name__ == "__main__":
    main()
