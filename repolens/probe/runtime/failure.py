"""Turn an exception raised by the user's code into a one-screen explanation (a ProbeFailure)."""

from __future__ import annotations

import os
import traceback
from typing import Any

import torch
from torch import nn

from repolens.probe.model import ProbeFailure

_OOM_WORDS = ("out of memory", "can't allocate memory", "cannot allocate memory")
_SHAPE_WORDS = ("shape", "size of tensor", "sizes of tensors", "dimension", "mat1 and mat2",
                "expected input", "input channels", "to have", "must match", "out of range")


def _is_ours(filename: str) -> bool:
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # repolens/probe
    path = os.path.abspath(filename)
    return path.startswith(here) or f"{os.sep}site-packages{os.sep}" in path or path.startswith("<")


def user_frame(exc: BaseException, root: str) -> tuple[str | None, str | None]:
    """The innermost frame in the user's code: ("models/net.py:42", "x = x.view(8, -1)")."""
    frames = traceback.extract_tb(exc.__traceback__)
    if isinstance(exc, SyntaxError) and exc.filename:
        rel = _rel(exc.filename, root)
        return f"{rel}:{exc.lineno}", (exc.text or "").strip() or None
    for frame in reversed(frames):
        if not _is_ours(frame.filename):
            return f"{_rel(frame.filename, root)}:{frame.lineno}", (frame.line or "").strip() or None
    return None, None


def _rel(filename: str, root: str) -> str:
    path = os.path.abspath(filename)
    try:
        rel = os.path.relpath(path, root)
    except ValueError:
        return path
    return path if rel.startswith("..") else rel.replace(os.sep, "/")


def one_line(exc: BaseException, limit: int = 400) -> str:
    text = str(exc).strip()
    lines = [ln for ln in text.splitlines() if ln.strip()]
    # torch puts the useful part first; a few lines of it at most
    text = " ".join(ln.strip() for ln in lines[:3])
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def classify(exc: BaseException, default: str) -> str:
    text = str(exc).lower()
    if isinstance(exc, getattr(torch.cuda, "OutOfMemoryError", ())) or any(w in text for w in _OOM_WORDS):
        return "out-of-memory"
    return default


def expects(module: nn.Module | None) -> str | None:
    """What a layer expects as input, in words, to put next to what it got."""
    if module is None:
        return None
    if isinstance(module, nn.Linear):
        return f"{type(module).__name__} expects a last dimension of {module.in_features}"
    if isinstance(module, nn.modules.conv._ConvNd):
        dims = {nn.Conv1d: "L", nn.Conv2d: "H x W", nn.Conv3d: "D x H x W"}.get(type(module), "...")
        return f"{type(module).__name__} expects N x {module.in_channels} x {dims}"
    if isinstance(module, nn.Embedding):
        return f"Embedding expects integer ids in [0, {module.num_embeddings})"
    if isinstance(module, nn.modules.rnn.RNNBase):
        layout = "N x T" if module.batch_first else "T x N"
        return f"{type(module).__name__} expects {layout} x {module.input_size}"
    if isinstance(module, nn.modules.batchnorm._BatchNorm):
        return f"{type(module).__name__} expects {module.num_features} channels in dimension 1"
    if isinstance(module, nn.LayerNorm):
        return f"LayerNorm expects trailing dimensions {tuple(module.normalized_shape)}"
    return None


def failure_from_exception(exc: BaseException, *, kind: str, phase: str, root: str,
                           tracer: Any = None, input_note: str | None = None) -> ProbeFailure:
    stack = list(tracer.stack) if tracer is not None else []
    module_name = stack[-1].name if stack else None
    module_type = stack[-1].type if stack else None
    inputs = stack[-1].inputs if stack else ()
    module_obj = None
    if tracer is not None and module_name is not None:
        module_obj = dict(tracer.model.named_modules()).get(module_name)
    location, source = user_frame(exc, root)
    kind = classify(exc, kind)
    hint_parts = []
    if kind == "out-of-memory":
        hint_parts.append("the model ran out of memory on this input: try a smaller --input batch or --device cpu")
    elif kind in ("forward", "backward") and any(w in str(exc).lower() for w in _SHAPE_WORDS):
        want = expects(module_obj)
        if want:
            hint_parts.append(want)
        if input_note:
            hint_parts.append(f"the probe fed {input_note}; pass --input/--dtype to match the model")
    elif kind == "import":
        hint_parts.append("the model's module could not be imported; run it with python to see the same error")
    return ProbeFailure(
        kind=kind, phase=phase, message=one_line(exc), module=module_name, module_type=module_type,
        input_shapes=tuple(inputs), module_stack=tuple(f.name for f in stack), location=location,
        source_line=source, hint="; ".join(hint_parts) or None,
    )
