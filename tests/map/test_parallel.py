"""Parallel summaries give the same map as the serial path, and report progress."""

from __future__ import annotations

from pathlib import Path

from repolens.mapper import build_map
from repolens.mapper.build import SERIAL_BELOW


def test_parallel_and_serial_maps_are_identical_and_progress_reaches_total(tmp_path: Path):
    n = SERIAL_BELOW + 12
    for i in range(n):
        (tmp_path / f"m{i}.py").write_text(f"import torch.nn as nn\nclass N{i}(nn.Module):\n    pass\n")
    calls: list[tuple[int, int]] = []
    parallel = build_map(str(tmp_path), jobs=2, progress=lambda d, t: calls.append((d, t)))
    serial = build_map(str(tmp_path), jobs=1)
    assert parallel.to_json() == serial.to_json()
    assert calls[-1] == (n, n) and all(t == n for _, t in calls)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
