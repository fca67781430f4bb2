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


def package_base(path: str) -> str | None:
    """The folder above the outermost package holding `path` (folders with an __init__.py), or None
    when the file's folder is no package. A file of a package is imported under its package name,
    as Python would: its relative and absolute imports of the package then both work."""
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isfile(os.path.join(folder, "__init__.py")):
        return None
    while os.path.isfile(os.path.join(folder, "__init__.py")) and os.path.dirname(folder) != folder:
        folder = os.path.dirname(folder)
    return folder


def _module_name_for(path: str, root: str) -> str | None:
    """`root/models/resnet.py` -> `models.resnet`, so the file's relative imports work; a file in a
    package is named from its package base instead."""
    base = package_base(path)
    if base is not None:
        root = base
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
        base = package_base(where)
        if base is not None:
            paths.insert(0, base)
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


def describe_callable(obj: Callable) -> str:
    try:
        return f"{getattr(obj, '__qualname__', obj)}{inspect.signature(obj)}"
    except (TypeError, ValueError):
        return str(obj)


def _declared_image_size(model: nn.Module) -> int | None:
    """An image side the model states: `image_size`/`img_size`/`input_size` (torchvision ViT, timm)."""
    for m in model.modules():
        for attr in ("image_size", "img_size", "input_size", "input_resolution"):
            v = getattr(m, attr, None)
            if isinstance(v, (tuple, list)) and v and all(isinstance(i, int) for i in v):
                v = v[-1]
            if isinstance(v, int) and 8 <= v <= 1024:
                return v
    return None


def _patch_side(model: nn.Module, conv: nn.Conv2d) -> int | None:
    """The image side a patch embedding (kernel == stride) needs, from a positional embedding's length."""
    k = conv.kernel_size[-1]
    for name, p in model.named_parameters():
        if "pos" in name.lower() and p.dim() == 3 and p.shape[0] == 1:
            for tokens in (p.shape[1], p.shape[1] - 1):  # with or without a class token
                side = int(round(tokens ** 0.5))
                if side * side == tokens and side > 0:
                    return side * k
    return None


def _sequence_length(model: nn.Module) -> int:
    for name, p in model.named_parameters():
        if "pos" in name.lower() and p.dim() == 3 and p.shape[0] == 1 and p.shape[1] < 16:
            return int(p.shape[1])
    for name, m in model.named_modules():
        if isinstance(m, nn.Embedding) and "pos" in name.lower() and m.num_embeddings < 16:
            return m.num_embeddings
    return 16


def infer_input(model: nn.Module, batch: int = 8) -> tuple[tuple[int, ...], str, str] | None:
    """(shape, dtype, why) from the first layer that fixes the input's layout, or None."""
    for name, m in model.named_modules():
        where = name or "(model)"
        if isinstance(m, nn.Embedding):
            t = _sequence_length(model)
            return (batch, t), "long", f"{where}: Embedding({m.num_embeddings}, {m.embedding_dim}) -> token ids"
        if isinstance(m, nn.ConvTranspose2d):
            return (batch, m.in_channels, 1, 1), "float32", \
                f"{where}: ConvTranspose2d(in_channels={m.in_channels}) -> a latent vector per sample"
        if isinstance(m, nn.ConvTranspose1d):
            return (batch, m.in_channels, 1), "float32", f"{where}: ConvTranspose1d(in_channels={m.in_channels})"
        if isinstance(m, nn.Conv2d):
            side = _declared_image_size(model)
            why = f"{where}: Conv2d(in_channels={m.in_channels})"
            k, st = m.kernel_size[-1], m.stride[-1]
            if side is None and k == st and k > 1:
                side = _patch_side(model, m)
                if side is not None:
                    why += f", a {k}x{k} patch embedding sized by its positional embedding"
            elif side is not None:
                why += f", image size {side} declared by the model"
            return (batch, m.in_channels, side or 32, side or 32), "float32", why
        if isinstance(m, nn.Conv1d):
            return (batch, m.in_channels, 64), "float32", f"{where}: Conv1d(in_channels={m.in_channels})"
        if isinstance(m, nn.Conv3d):
            return (batch, m.in_channels, 16, 16, 16), "float32", f"{where}: Conv3d(in_channels={m.in_channels})"
        if isinstance(m, nn.Linear):
            return (batch, m.in_features), "float32", f"{where}: Linear(in_features={m.in_features})"
        if isinstance(m, nn.modules.rnn.RNNBase):
            kind = type(m).__name__
            if m.batch_first:
                return (batch, 16, m.input_size), "float32", f"{where}: {kind}(input_size={m.input_size})"
            return (16, batch, m.input_size), "float32", \
                f"{where}: {kind}(input_size={m.input_size}, batch_first=False) -> sequence first"
    return None


def vocab_size(model: nn.Module) -> int | None:
    for m in model.modules():
        if isinstance(m, nn.Embedding):
            return m.num_embeddings
    return None
