"""Build the user's model from `--arg key=value` / `kwargs`, filling config objects and shrinking it.

- A constructor parameter whose annotation or default is a config class (a dataclass, or a class
  named *Config/*Args/*Cfg/*Params/*Hparams) and that is not given is built from the arguments that
  name its fields: `GPT(config: GPTConfig)` with `--arg n_layer=2` -> `GPT(GPTConfig(n_layer=2))`.
  A default config instance is copied with those fields replaced. A required, unannotated
  parameter named `config`/`cfg`/`hparams` takes the only *Config class of the model's module, or of
  a config.py / configuration*.py beside it.
- `--tiny`: the known size knobs (TINY below) found among the constructor's parameters or the config's
  fields are shrunk to a small but same-shaped configuration, unless given explicitly.

What was built is recorded in the report (measurements["build"]).
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import os
import sys
import typing
from typing import Any, Callable

from torch import nn

_CONFIG_SUFFIXES = ("config", "args", "cfg", "params", "hparams", "options", "settings")

# knob names -> the value --tiny sets (only when the default is larger). Per known config pattern:
# nanoGPT/GPT-2 (n_layer, n_head, n_embd, vocab_size, block_size), HF (num_hidden_layers,
# num_attention_heads, hidden_size, intermediate_size, max_position_embeddings), timm/torchvision ViT
# (depth, num_layers, num_heads, embed_dim, hidden_dim, mlp_dim, img_size/image_size), ResNet-like
# widths (width, base_width, ngf, ndf, nf, base_channels, channels), RNNs (nhid, hidden_size, nlayers).
TINY: dict[str, int] = {
    "n_layer": 2, "n_layers": 2, "num_layers": 2, "num_hidden_layers": 2, "depth": 2, "nlayers": 2, "layers": 2,
    "num_blocks": 2, "n_blocks": 2, "num_encoder_layers": 2, "num_decoder_layers": 2,
    "n_head": 2, "num_heads": 2, "num_attention_heads": 2, "nhead": 2, "heads": 2, "n_heads": 2,
    "n_embd": 64, "hidden_size": 64, "d_model": 64, "embed_dim": 64, "hidden_dim": 64, "dim": 64, "emb_dim": 64,
    "ninp": 64, "nhid": 64, "width": 16, "base_width": 16, "ngf": 16, "ndf": 16, "nf": 16, "base_channels": 16,
    "intermediate_size": 128, "mlp_dim": 128, "dim_feedforward": 128, "ffn_dim": 128, "d_ff": 128,
    "vocab_size": 512, "ntoken": 512, "n_vocab": 512,
    "block_size": 64, "max_position_embeddings": 64, "n_positions": 64, "n_ctx": 64, "max_seq_len": 64,
}
_IMAGE_KEYS = ("image_size", "img_size")


class BuildError(ValueError):
    """The arguments do not fit the constructor (a usage error, with what it accepts)."""


def _is_config_class(cls: Any) -> bool:
    return isinstance(cls, type) and not issubclass(cls, nn.Module) and (
        dataclasses.is_dataclass(cls) or cls.__name__.lower().endswith(_CONFIG_SUFFIXES))


def _field_names(cls: type) -> list[str]:
    if dataclasses.is_dataclass(cls):
        return [f.name for f in dataclasses.fields(cls) if f.init]
    try:
        params = inspect.signature(cls).parameters.values()
    except (TypeError, ValueError):
        return []
    return [p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]


def _field_defaults(cls: type) -> dict[str, Any]:
    if dataclasses.is_dataclass(cls):
        out = {}
        for f in dataclasses.fields(cls):
            if f.default is not dataclasses.MISSING:
                out[f.name] = f.default
        return out
    try:
        params = inspect.signature(cls).parameters.values()
    except (TypeError, ValueError):
        return {}
    return {p.name: p.default for p in params if p.default is not p.empty}


def _signature(obj: Callable) -> inspect.Signature | None:
    try:
        return inspect.signature(obj)
    except (TypeError, ValueError):
        return None


def _hints(obj: Callable) -> dict[str, Any]:
    target = obj.__init__ if isinstance(obj, type) else obj
    try:
        return typing.get_type_hints(target)
    except Exception:  # noqa: BLE001 - unresolvable string annotations: fall back to the raw ones
        return dict(getattr(target, "__annotations__", {}) or {})


_CONFIG_PARAM_NAMES = ("config", "cfg", "conf", "hparams", "model_config")


def _sibling_config(obj: Callable) -> type | None:
    """For an unannotated `config` parameter: the one *Config class of the object's module, else of
    a config.py / configuration*.py beside it (GPT2LMHeadModel(config) with GPT2/config.py)."""
    module = sys.modules.get(getattr(obj, "__module__", "") or "")
    if module is None:
        return None
    found = [v for k, v in vars(module).items() if isinstance(v, type) and k.endswith("Config") and _is_config_class(v)]
    if len(found) == 1:
        return found[0]
    path = getattr(module, "__file__", None)
    if not path:
        return None
    package = module.__name__.rpartition(".")[0]
    for file in sorted(os.listdir(os.path.dirname(path))):
        if file == "config.py" or (file.startswith("configuration") and file.endswith(".py")):
            name = f"{package}.{file[:-3]}" if package else file[:-3]
            try:
                sibling = importlib.import_module(name)
            except Exception:  # noqa: BLE001 - a sibling that does not import is no config source
                continue
            found = [v for k, v in vars(sibling).items() if isinstance(v, type) and k.endswith("Config")]
            if len(found) == 1:
                return found[0]
    return None


def _config_class(obj: Callable, name: str, param: inspect.Parameter, hint: Any) -> type | None:
    for candidate in (hint, typing.get_args(hint)[0] if typing.get_args(hint) else None,
                      type(param.default) if param.default is not param.empty else None):
        if _is_config_class(candidate):
            return candidate
    if hint is None and param.default is param.empty and name in _CONFIG_PARAM_NAMES:
        return _sibling_config(obj)
    return None


def _shrink(name: str, value: Any, given: set[str], changes: dict[str, list]) -> Any:
    if name in given or isinstance(value, bool) or not isinstance(value, int):
        return value
    small = TINY.get(name)
    if small is not None and value > small:
        changes[name] = [value, small]
        return small
    return value


def _tiny_image(values: dict[str, Any], given: set[str], changes: dict[str, list]) -> None:
    for key in _IMAGE_KEYS:
        v = values.get(key)
        if key in given or not isinstance(v, int) or v <= 64:
            continue
        patch = values.get("patch_size")
        small = max(32, 4 * patch) if isinstance(patch, int) else 32
        if small < v and (not isinstance(patch, int) or small % patch == 0):
            changes[key] = [v, small]
            values[key] = small


def build_model(obj: Any, kwargs: dict[str, Any], tiny: bool = False) -> tuple[Any, dict[str, Any]]:
    """(the model, what was done to build it)."""
    info: dict[str, Any] = {"kwargs": dict(kwargs)}
    if isinstance(obj, nn.Module):
        if kwargs or tiny:
            raise BuildError("the target is a module instance: arguments and --tiny cannot apply to it")
        return obj, info
    if not callable(obj):
        raise BuildError(f"{obj!r} is neither a class nor a factory function")
    sig = _signature(obj)
    if sig is None:
        return obj(**kwargs), info
    params = sig.parameters
    accepts_any = any(p.kind == p.VAR_KEYWORD for p in params.values())
    hints = _hints(obj)
    given = set(kwargs)
    call = dict(kwargs)
    changes: dict[str, list] = {}
    configs: dict[str, Any] = {}
    for name, p in params.items():
        if name in call or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        cls = _config_class(obj, name, p, hints.get(name))
        if cls is None:
            if tiny and p.default is not p.empty:
                new = _shrink(name, p.default, given, changes)
                if new is not p.default:
                    call[name] = new
            continue
        fields = _field_names(cls)
        mine = {k: call.pop(k) for k in list(call) if k in fields and k not in params}
        if tiny:
            values = {**_field_defaults(cls), **mine}
            if p.default is not p.empty and dataclasses.is_dataclass(p.default):
                values = {**{f.name: getattr(p.default, f.name) for f in dataclasses.fields(p.default)}, **mine}
            for k in fields:
                if k in values:
                    shrunk = _shrink(k, values[k], given, changes)
                    if shrunk is not values[k]:
                        mine[k] = shrunk
            img = {k: values.get(k) for k in (*_IMAGE_KEYS, "patch_size") if k in values}
            _tiny_image(img, given, changes)
            mine.update({k: v for k, v in img.items() if k in changes})
        if not mine and p.default is not p.empty:
            continue  # nothing to change: the default config stands
        if p.default is not p.empty and dataclasses.is_dataclass(p.default) and not isinstance(p.default, type):
            call[name] = dataclasses.replace(p.default, **mine)
        else:
            call[name] = cls(**mine)
        configs[name] = f"{cls.__name__}({', '.join(f'{k}={v!r}' for k, v in mine.items())})"
    if tiny:
        img = {k: call.get(k, params[k].default if k in params else None) for k in (*_IMAGE_KEYS, "patch_size")}
        before = dict(changes)
        _tiny_image(img, given, changes)
        call.update({k: img[k] for k in changes if k not in before and k in params})
    unknown = sorted(k for k in call if k not in params) if not accepts_any else []
    if unknown:
        names = [n for n, p in params.items() if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
        raise BuildError(f"{getattr(obj, '__qualname__', obj)} takes no argument(s) {', '.join(unknown)}; it takes: "
                         f"{', '.join(names) or 'nothing'}")
    if configs:
        info["configs"] = configs
    if changes:
        info["tiny"] = changes
    return obj(**call), info
