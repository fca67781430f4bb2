"""Issue 11 item 10: killing only the parent of `lint` / `map` leaves no worker behind, whatever
the signal (the workers watch their parent; the forkserver exits with it)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

if not sys.platform.startswith("linux"):
    pytest.skip("reads /proc to find the workers", allow_module_level=True)

BODY = "\n".join(
    f"def f{i}(model, loader, opt):\n    for x, y in loader:\n        loss = model(x).sum() + {i}\n"
    f"        loss.backward()\n        opt.step()\n    return torch.load('w{i}.pt')\n" for i in range(80))


def _children() -> dict[int, int]:
    """pid -> ppid of every live (non-zombie) process."""
    out = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z":
            out[int(entry)] = int(fields[1])
    return out


def _descendants(pid: int) -> set[int]:
    tree = _children()
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {p for p, pp in tree.items() if pp in frontier} - found
        found |= frontier
    return found


def _tree(root: Path) -> None:
    for i in range(150):
        (root / f"m{i}.py").write_text("import torch\n" + BODY)


@pytest.mark.slow
def _default_signals() -> None:
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(sig, signal.SIG_DFL)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGKILL], ids=lambda s: s.name)
@pytest.mark.parametrize("command", [("lint", ".", "--select", "ALL", "--jobs", "2", "--no-cache"),
                                     ("map", ".", "--jobs", "2")], ids=["lint", "map"])
def test_no_worker_survives_its_parent(tmp_path: Path, sig: signal.Signals, command: tuple[str, ...]) -> None:
    _tree(tmp_path)
    # default dispositions in the parent: a test run started under nohup ignores SIGHUP, and an
    # ignored signal would test nothing
    parent = subprocess.Popen([sys.executable, "-m", "repolens", *command], cwd=tmp_path,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=_default_signals)
    try:
        workers: set[int] = set()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and parent.poll() is None:
            workers = _descendants(parent.pid)
            if len(workers) >= 2:
                break
            time.sleep(0.05)
        if parent.poll() is not None:
            pytest.fail("the run ended before its workers were seen; make the tree bigger")
        time.sleep(0.3)  # let the pool finish starting
        workers |= _descendants(parent.pid)
        parent.send_signal(sig)
        parent.wait(timeout=30)
        deadline = time.monotonic() + 20
        alive = workers
        while alive and time.monotonic() < deadline:
            time.sleep(0.1)
            alive = workers & set(_children())
        assert not alive, f"workers still running after {sig.name} to the parent: {sorted(alive)}"
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
