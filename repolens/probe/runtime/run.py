"""The state one probe run carries from check to check."""

from __future__ import annotations

import math
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Iterator

import torch
from torch import nn

from repolens.probe.model import ProbeFailure, ProbeFinding, ProbeSpec
from repolens.probe.runtime.task import Task
from repolens.probe.runtime.tracer import Tracer


@dataclass
class Run:
    spec: ProbeSpec
    device: str = "cpu"
    model: nn.Module | None = None
    tracer: Tracer | None = None
    inputs: torch.Tensor | None = None
    labels: torch.Tensor | None = None
    input_note: str = ""  # "8x3x32x32 float32 (inferred from conv1: Conv2d(in_channels=3))"
    task: Task | None = None
    batch_dim: int = 0  # 1 for a sequence-first model (time first), as its RNN/attention layers declare
    initial_loss: float | None = None
    findings: list[ProbeFinding] = field(default_factory=list)
    measurements: dict[str, Any] = field(default_factory=dict)
    failures: list[ProbeFailure] = field(default_factory=list)
    phase: str = "starting"
    breadcrumb_fd: int | None = None
    gen: torch.Generator = field(default_factory=torch.Generator)
    started: float = field(default_factory=time.monotonic)  # when the child started (torch import included)
    deadline: float | None = None  # monotonic time by which the slow checks must stop (set once the model is built)

    def add(self, f: ProbeFinding) -> None:
        self.findings.append(f)

    def measure(self, key: str, value: Any) -> None:
        self.measurements[key] = clean(value)

    def skip(self, rule: str, why: str) -> None:
        self.measurements.setdefault("skipped", {})[rule] = why

    @contextmanager
    def timed(self, label: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            timings = self.measurements.setdefault("timings_s", {})
            timings[label] = round(timings.get(label, 0.0) + time.perf_counter() - start, 4)


def clean(value: Any) -> Any:
    """JSON-safe: NaN/Inf become strings, tensors become numbers or lists."""
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return str(value)
        return round(value, 6) if abs(value) >= 1e-4 else float(f"{value:.4g}")
    if isinstance(value, torch.Tensor):
        return clean(value.tolist())
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    return value
