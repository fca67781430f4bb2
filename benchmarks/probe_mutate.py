"""Planted bugs for `benchmarks/probe_realmodels.py`: build a real model exactly as the probe does
(`--arg`s, config objects, `--tiny`), then break one named module in one way.

    repolens probe benchmarks/probe_mutate.py:mutated --arg target=PATH.py:NAME --arg bug=detach \\
        --arg module=layer2.0 --arg 'args={"num_classes": 10}'

Bugs (each one a mistake seen in real training code) and the check meant to catch it:
  skip     the layer is defined but not applied (the forward goes around it)  -> RT001
  detach   the layer's output is detached                                     -> RT002
  mix      the layer's output is reshaped across the batch (transpose+reshape) -> RT013
  explode  the layer's weights are initialised 1000x too large                -> RT007
  freeze   the layer is frozen between trainable layers                      -> RT003
  softmax  the model outputs probabilities to a cross-entropy loss            -> RT005
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
EXPECTED = {"skip": "RT001", "detach": "RT002", "mix": "RT013", "explode": "RT007", "freeze": "RT003",
            "softmax": "RT005"}


class Skipped(nn.Module):
    """Stands where the layer was; the layer stays registered (its weights exist) but never runs."""

    def __init__(self, layer: nn.Module):
        super().__init__()
        self.skipped = layer

    def forward(self, x, *args, **kwargs):
        return x


def _first_tensor(out):
    if isinstance(out, torch.Tensor):
        return out
    if isinstance(out, (list, tuple)) and out and isinstance(out[0], torch.Tensor):
        return out[0]
    return None


def _replace_first(out, new):
    if isinstance(out, torch.Tensor):
        return new
    return type(out)([new, *out[1:]]) if not hasattr(out, "_fields") else type(out)(new, *out[1:])


def _detach(_module, _args, out):
    return _replace_first(out, _first_tensor(out).detach())


def _mix(_module, _args, out):
    t = _first_tensor(out)
    return _replace_first(out, t.transpose(0, 1).reshape(t.shape))


def _softmax(_module, _args, out):
    t = _first_tensor(out)
    return _replace_first(out, torch.softmax(t, dim=-1))


def plant(model: nn.Module, bug: str, name: str) -> nn.Module:
    modules = dict(model.named_modules())
    if bug == "softmax":
        model.register_forward_hook(_softmax)
        return model
    layer = modules[name]
    if bug == "skip":
        parent_name, _, child = name.rpartition(".")
        setattr(modules[parent_name], child, Skipped(layer))
    elif bug == "detach":
        layer.register_forward_hook(_detach)
    elif bug == "mix":
        layer.register_forward_hook(_mix)
    elif bug == "explode":
        with torch.no_grad():
            layer.weight.mul_(1000.0)
    elif bug == "freeze":
        layer.requires_grad_(False)
    else:
        raise ValueError(f"unknown bug {bug!r}: one of {', '.join(EXPECTED)}")
    return model


def mutated(target: str, bug: str, module: str = "", args: dict | None = None, tiny: bool = False) -> nn.Module:
    from repolens.probe.runtime.construct import build_model
    from repolens.probe.runtime.loading import import_target, prepare_sys_path

    path, _, attr = target.rpartition(":")
    full = f"{ROOT / path}:{attr}"
    prepare_sys_path(str(ROOT), full)
    obj, _ = import_target(full, str(ROOT))
    model, _ = build_model(obj, dict(args or {}), tiny)
    return plant(model, bug, module)
