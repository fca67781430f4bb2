"""Forward hooks on every submodule: which modules run, with what shapes, and what they output.

The stack of modules being entered is what turns a bare traceback into "layer3.0.conv1
(Conv2d) got 8x3x32x32": when forward raises, the post-hooks of the modules on the way out never
run, so the stack still holds the innermost module and its inputs.
"""

from __future__ import annotations

import json
import os
import weakref
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from repolens.probe.runtime.describe import describe_args, dtype_name, shapes_of, tensors_in

_RELUS = (nn.ReLU, nn.ReLU6)
_MAX_TRACE = 400


@dataclass
class Frame:
    name: str
    type: str
    inputs: tuple[str, ...]
    slot: int | None = None  # its row in the shape trace, filled on the way out


@dataclass
class Tracer:
    model: nn.Module
    breadcrumb_fd: int | None = None
    stack: list[Frame] = field(default_factory=list)
    called: set[int] = field(default_factory=set)
    recording: bool = False  # the first forward pass: shape trace, activation statistics
    breadcrumbs: bool = False  # write the stack to the breadcrumb file on every module entry
    trace: list[dict[str, Any]] = field(default_factory=list)
    activations: list[dict[str, Any]] = field(default_factory=list)
    first_non_finite: str | None = None
    outputs: list[tuple[str, Any]] = field(default_factory=list)  # (module, weakref to its output), innermost first
    _names: dict[int, str] = field(default_factory=dict)
    _handles: list[Any] = field(default_factory=list)

    def install(self) -> None:
        for name, module in self.model.named_modules():
            self._names[id(module)] = name or "(model)"
            try:
                self._handles.append(module.register_forward_pre_hook(self._pre, with_kwargs=True))
                self._handles.append(module.register_forward_hook(self._post, with_kwargs=True))
            except RuntimeError:  # scripted modules refuse Python hooks
                pass

    def remove(self) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles.clear()

    def name_of(self, module: nn.Module) -> str:
        return self._names.get(id(module), type(module).__name__)

    def reset_stack(self) -> None:
        self.stack.clear()

    def _pre(self, module: nn.Module, args: tuple, kwargs: dict) -> None:
        self.called.add(id(module))
        slot = None
        if self.recording and len(self.trace) < _MAX_TRACE:
            slot = len(self.trace)  # rows in call order (pre-order), like torchinfo
            self.trace.append({
                "name": self.name_of(module), "type": type(module).__name__, "depth": len(self.stack),
                "input": shapes_of(args[0] if len(args) == 1 else args) if args else shapes_of(kwargs),
                "output": None, "dtype": None,
                "params": sum(p.numel() for p in module.parameters(recurse=False)),
            })
        self.stack.append(Frame(self.name_of(module), type(module).__name__, describe_args(args, kwargs), slot))
        if self.breadcrumbs:
            self.write_breadcrumb()

    def _post(self, module: nn.Module, args: tuple, kwargs: dict, output: Any) -> None:
        frame = self.stack.pop() if self.stack else None
        if not self.recording:
            return
        if frame is not None and frame.slot is not None:
            out = next(iter(tensors_in(output)), None)
            self.trace[frame.slot]["output"] = shapes_of(output)
            self.trace[frame.slot]["dtype"] = dtype_name(out.dtype) if out is not None else None
        self._activation_stats(self.name_of(module), module, args, output)

    def _activation_stats(self, name: str, module: nn.Module, args: tuple, output: Any) -> None:
        out = next(iter(tensors_in(output)), None)
        if out is None or not out.is_floating_point() or out.numel() == 0:
            return
        self.outputs.append((name, weakref.ref(out)))
        data = out.detach()
        finite = bool(torch.isfinite(data).all())
        if not finite and self.first_non_finite is None:
            self.first_non_finite = name
        stats: dict[str, Any] = {"name": name, "type": type(module).__name__,
                                 "mean_abs": float(data.abs().mean()) if finite else None,
                                 "std": float(data.float().std()) if finite and data.numel() > 1 else None,
                                 "finite": finite, "own_params": any(True for _ in module.parameters(recurse=False))}
        first_in = next(iter(tensors_in(args)), None)
        if finite and first_in is not None and first_in.is_floating_point() and first_in.numel():
            stats["in_mean_abs"] = float(first_in.detach().abs().mean())
        if isinstance(module, _RELUS) and data.dim() >= 2:
            # A unit is one element of a sample's output; dead when no sample activates it.
            active = (data > 0).flatten(1).any(dim=0)
            stats["dead_fraction"] = 1.0 - float(active.float().mean())
        self.activations.append(stats)

    def producer(self, tensor: torch.Tensor) -> str | None:
        """The innermost module whose output this tensor is (post-hooks run innermost first)."""
        return next((name for name, ref in self.outputs if ref() is tensor), None)

    def write_breadcrumb(self) -> None:
        write_breadcrumb(self.breadcrumb_fd, None, self.stack)


def write_breadcrumb(fd: int | None, phase: str | None, stack: list[Frame]) -> None:
    """Leave the current phase and module stack in a file: all the parent has after a hard crash."""
    global _phase
    if fd is None:
        return
    if phase is not None:
        _phase = phase
    data = json.dumps({"phase": _phase, "stack": [[f.name, f.type, list(f.inputs)] for f in stack],
                       "params": _params}).encode()
    os.ftruncate(fd, 0)
    os.pwrite(fd, data, 0)


_phase = ""
_params: int | None = None  # the model's parameter count: the parent scales its time limit with it


def set_parameter_count(fd: int | None, count: int) -> None:
    global _params
    _params = count
    write_breadcrumb(fd, None, [])
