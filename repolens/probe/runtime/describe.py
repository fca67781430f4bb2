"""Short, readable descriptions of the values flowing through a model ("8x3x32x32 float32")."""

from __future__ import annotations

from typing import Any

import torch

_MAX_ITEMS = 6


def dtype_name(dtype: torch.dtype) -> str:
    return str(dtype).removeprefix("torch.")


def shape_str(shape: Any) -> str:
    return "x".join(str(int(s)) for s in shape) if len(shape) else "scalar"


def describe(value: Any, depth: int = 0) -> str:
    if isinstance(value, torch.Tensor):
        return f"{shape_str(value.shape)} {dtype_name(value.dtype)}"
    if depth > 2:
        return type(value).__name__
    if isinstance(value, (list, tuple)):
        inner = [describe(v, depth + 1) for v in value[:_MAX_ITEMS]]
        more = ", ..." if len(value) > _MAX_ITEMS else ""
        return f"{type(value).__name__}[{', '.join(inner)}{more}]"
    if isinstance(value, dict):
        inner = [f"{k}: {describe(v, depth + 1)}" for k, v in list(value.items())[:_MAX_ITEMS]]
        return "{" + ", ".join(inner) + "}"
    if value is None or isinstance(value, (int, float, bool, str)):
        return repr(value)[:40]
    return type(value).__name__


def describe_args(args: tuple, kwargs: dict | None) -> tuple[str, ...]:
    out = [describe(a) for a in args[:_MAX_ITEMS]]
    out += [f"{k}={describe(v)}" for k, v in list((kwargs or {}).items())[:_MAX_ITEMS]]
    return tuple(out)


def shapes_of(value: Any) -> list:
    """Shapes of the tensors in a value, nested like the value (for the JSON shape trace)."""
    if isinstance(value, torch.Tensor):
        return list(value.shape)
    if isinstance(value, (list, tuple)):
        return [shapes_of(v) for v in value[:_MAX_ITEMS]]
    if isinstance(value, dict):
        return {str(k): shapes_of(v) for k, v in list(value.items())[:_MAX_ITEMS]}
    return type(value).__name__


def first_tensor(value: Any) -> torch.Tensor | None:
    if isinstance(value, torch.Tensor):
        return value
    if isinstance(value, (list, tuple)):
        for v in value:
            t = first_tensor(v)
            if t is not None:
                return t
    if isinstance(value, dict):
        for v in value.values():
            t = first_tensor(v)
            if t is not None:
                return t
    return None


def tensors_in(value: Any, depth: int = 0):
    if isinstance(value, torch.Tensor):
        yield value
    elif depth < 3 and isinstance(value, (list, tuple)):
        for v in value:
            yield from tensors_in(v, depth + 1)
    elif depth < 3 and isinstance(value, dict):
        for v in value.values():
            yield from tensors_in(v, depth + 1)
