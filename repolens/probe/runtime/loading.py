"""Import the user's model or dataset factory (`file.py:name` or `pkg.module:name`) and build it."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import os
import sys
from typing import Any, Callable

from torch import nn


class TargetError(ValueError):
    """The target string or what it names is unusable (not an import error of the user's code)."""


def split_target(target: str) -> tuple[str, str | None]:
    # "C:\\x.py:Net" is not a concern (POSIX paths); the attribute is after the last colon
    if ":" in target:
        where, _, attr = target.rpartition(":")
        return where, attr or None
    return target, None


def _module_name_for(path: str, root: str) -> str | None:
    """`root/models/resnet.py` -> `models.resnet`, so the file's relative imports work."""
    rel = os.path.relpath(path, root)
    if rel.startswith(".."):
        return None
    parts = rel[:-3].split(os.sep)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    if not parts or not all(p.isidentifier() for p in parts):
        return None
    return ".".join(parts)


def prepare_sys_path(root: str, target: str) -> None:
    where, _ = split_target(target)
    paths = [root]
    if where.endswith(".py"):
        paths.append(os.path.dirname(os.path.abspath(where)))
    for p in reversed(paths):
        if p not in sys.path:
            sys.path.insert(0, p)


def import_target(target: str, root: str) -> tuple[Any, str]:
    """Return the named object and the name of the module it came from. Import errors propagate."""
    where, attr = split_target(target)
    if where.endswith(".py"):
        path = os.path.abspath(where if os.path.isabs(where) else os.path.join(root, where))
        if not os.path.isfile(path):
            raise TargetError(f"no such file: {where}")
        name = _module_name_for(path, root)
        if name is not None:
            module = importlib.import_module(name)
        else:
            name = os.path.splitext(os.path.basename(path))[0]
            spec = importlib.util.spec_from_file_location(name, path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
    else:
        name = where
        module = importlib.import_module(where)
    if attr is None:
        raise TargetError(f"name the callable after a colon: {where}:build_model")
    obj: Any = module
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise TargetError(f"{name} has no attribute {part!r}")
        obj = getattr(obj, part)
    return obj, name


def build(obj: Any, kwargs: dict[str, Any]) -> Any:
    if isinstance(obj, nn.Module):
        return obj  # a module-level instance
    if not callable(obj):
        raise TargetError(f"{obj!r} is neither a class nor a factory function")
    return obj(**kwargs)


def describe_callable(obj: Callable) -> str:
    try:
        return f"{getattr(obj, '__qualname__', obj)}{inspect.signature(obj)}"
    except (TypeError, ValueError):
        return str(obj)


def infer_input(model: nn.Module, batch: int = 8) -> tuple[tuple[int, ...], str, str] | None:
    """(shape, dtype, why) from the first layer that fixes the input's layout, or None."""
    for name, m in model.named_modules():
        where = name or "(model)"
        if isinstance(m, nn.Embedding):
            return (batch, 16), "long", f"{where}: Embedding({m.num_embeddings}, {m.embedding_dim}) -> token ids"
        if isinstance(m, nn.Conv2d):
            return (batch, m.in_channels, 32, 32), "float32", f"{where}: Conv2d(in_channels={m.in_channels})"
        if isinstance(m, nn.Conv1d):
            return (batch, m.in_channels, 64), "float32", f"{where}: Conv1d(in_channels={m.in_channels})"
        if isinstance(m, nn.Conv3d):
            return (batch, m.in_channels, 16, 16, 16), "float32", f"{where}: Conv3d(in_channels={m.in_channels})"
        if isinstance(m, nn.Linear):
            return (batch, m.in_features), "float32", f"{where}: Linear(in_features={m.in_features})"
        if isinstance(m, nn.modules.rnn.RNNBase) and m.batch_first:
            return (batch, 16, m.input_size), "float32", f"{where}: {type(m).__name__}(input_size={m.input_size})"
    return None


def vocab_size(model: nn.Module) -> int | None:
    for m in model.modules():
        if isinstance(m, nn.Embedding):
            return m.num_embeddings
    return None
