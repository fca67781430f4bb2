"""`[tool.repolens.probe]` of the project's pyproject.toml, merged with the command line into a ProbeSpec."""

from __future__ import annotations

import json
import math
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any, Mapping

from repolens.probe.model import CHECKS, ProbeSpec, Thresholds

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

KEYS = {"model", "kwargs", "input", "dtype", "classes", "loss", "dataset", "dataset_kwargs", "device", "steps",
        "timeout", "select", "freeze", "compile", "seed", "thresholds", "tiny"}
DEVICES = ("auto", "cpu", "cuda")


class ProbeConfigError(ValueError):
    """A usage or configuration error: the CLI exits 2."""


def parse_shape(text: str) -> tuple[int, ...]:
    parts = text.lower().replace(",", "x").replace(" ", "").split("x")
    try:
        shape = tuple(int(p) for p in parts)  # an empty part ("8x", "8xx3") is an error too
    except ValueError:
        raise ProbeConfigError(f"bad input shape {text!r}: write it like 8x3x32x32") from None
    if not shape or any(s <= 0 for s in shape):
        raise ProbeConfigError(f"bad input shape {text!r}: write it like 8x3x32x32")
    return shape


def parse_args(items: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """`--arg key=value` (the value read as JSON when it parses: 2, 0.1, true, [1, 2], {"a": 1}; else a
    string) or `--arg '{"key": value, ...}'` (a JSON object of several)."""
    out: dict[str, Any] = {}
    for item in items:
        text = item.strip()
        if text.startswith("{"):
            try:
                data = json.loads(text)
            except ValueError as exc:
                raise ProbeConfigError(f"bad --arg {item!r}: not a JSON object ({exc})") from None
            if not isinstance(data, dict):
                raise ProbeConfigError(f"bad --arg {item!r}: a JSON object is expected")
            out.update(data)
            continue
        key, sep, value = text.partition("=")
        key = key.strip()
        if not sep or not key.isidentifier():
            raise ProbeConfigError(f"bad --arg {item!r}: write key=value (n_layer=2) or a JSON object")
        try:
            out[key] = json.loads(value)
        except ValueError:
            out[key] = value
    return out


def parse_select(items: str | list[str] | tuple[str, ...] | None) -> tuple[str, ...]:
    if not items:
        return ()
    if isinstance(items, str):
        items = items.split(",")
    out = []
    by_name = {name: code for code, name in CHECKS.items()}
    for item in items:
        item = item.strip()
        if not item:
            continue
        code = by_name.get(item, item.upper())
        matches = [c for c in CHECKS if c.startswith(code)] if code != "ALL" else list(CHECKS)
        if not matches:
            raise ProbeConfigError(f"unknown check {item!r}: choose from {', '.join(CHECKS)}")
        out.extend(matches)
    return tuple(dict.fromkeys(out))


def find_project_root(start: str | os.PathLike[str]) -> Path:
    """The nearest folder at or above `start` holding a pyproject.toml, else `start` itself."""
    here = Path(start).resolve()
    if here.is_file():
        here = here.parent
    for folder in (here, *here.parents):
        if (folder / "pyproject.toml").is_file():
            return folder
    return here


def load_options(root: Path) -> dict[str, Any]:
    path = root / "pyproject.toml"
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ProbeConfigError(f"{path}: {exc}") from None
    options = data.get("tool", {}).get("repolens", {}).get("probe", {})
    if not isinstance(options, dict):
        raise ProbeConfigError(f"{path}: [tool.repolens.probe] must be a table")
    unknown = sorted(set(options) - KEYS)
    if unknown:
        raise ProbeConfigError(f"{path}: unknown [tool.repolens.probe] key(s): {', '.join(unknown)}; "
                               f"known: {', '.join(sorted(KEYS))}")
    return options


def _resolve_model(model: str, base: Path, root: Path) -> str:
    """A `file.py:name` target becomes absolute (relative to `base`, then to the root)."""
    where, sep, attr = model.rpartition(":") if ":" in model else (model, "", "")
    if not where.endswith(".py"):
        return model
    for folder in (base, root):
        candidate = (folder / where).resolve()
        if candidate.is_file():
            return f"{candidate}{sep}{attr}"
    raise ProbeConfigError(f"no such file: {where}")


def build_spec(root: Path, options: Mapping[str, Any], *, model: str | None = None, input_shape: str | None = None,
               dtype: str | None = None, classes: int | None = None, device: str | None = None,
               steps: int | None = None, timeout: float | None = None, select: str | None = None,
               compile_check: bool | None = None, cwd: Path | None = None, origin: str = "",
               args: list[str] | tuple[str, ...] = (), loss: str | None = None, tiny: bool = False) -> ProbeSpec:
    """CLI values win over `[tool.repolens.probe]`, which wins over the defaults."""
    cwd = cwd or Path.cwd()
    target = model or options.get("model")
    if not target:
        raise ProbeConfigError("no model: name one (repolens probe models/net.py:Net) or set model in "
                               "[tool.repolens.probe]")
    base = cwd if model else root
    target = _resolve_model(str(target), base, root)
    shape_text = input_shape or options.get("input")
    shape = None
    if shape_text:
        shape = tuple(int(s) for s in shape_text) if isinstance(shape_text, list) else parse_shape(str(shape_text))
    dev = device or options.get("device", "auto")
    if dev not in DEVICES:
        raise ProbeConfigError(f"bad device {dev!r}: choose from {', '.join(DEVICES)}")
    try:
        thresholds = Thresholds.from_mapping(options.get("thresholds", {}))
    except (TypeError, ValueError) as exc:
        raise ProbeConfigError(str(exc)) from None
    steps_v = int(steps if steps is not None else options.get("steps", 300))
    raw_timeout = timeout if timeout is not None else options.get("timeout")
    try:
        timeout_v = None if raw_timeout is None else float(raw_timeout)
    except (TypeError, ValueError):
        raise ProbeConfigError(f"bad timeout {raw_timeout!r}: a number of seconds") from None
    if steps_v < 1:
        raise ProbeConfigError("--steps must be at least 1")
    if timeout_v is not None and not (math.isfinite(timeout_v) and timeout_v > 0):
        raise ProbeConfigError(f"--timeout must be a finite number of seconds above 0, not {raw_timeout!r}")
    for key in ("kwargs", "dataset_kwargs"):
        if not isinstance(options.get(key, {}), dict):
            raise ProbeConfigError(f"[tool.repolens.probe] {key} must be a table")
    dataset = options.get("dataset")
    loss = loss or options.get("loss")
    kwargs = {**dict(options.get("kwargs", {})), **parse_args(args)}
    return ProbeSpec(
        model=target, root=str(root), kwargs=kwargs, input_shape=shape, tiny=bool(tiny or options.get("tiny")),
        dtype=dtype or options.get("dtype"), classes=classes if classes is not None else options.get("classes"),
        loss=str(loss) if loss else None, dataset=_resolve_model(str(dataset), root, root) if dataset else None,
        dataset_kwargs=dict(options.get("dataset_kwargs", {})), device=dev, steps=steps_v, timeout=timeout_v,
        select=parse_select(select if select is not None else options.get("select")),
        freeze=tuple(options.get("freeze", ())),
        compile_check=compile_check if compile_check is not None else options.get("compile"),
        seed=int(options.get("seed", 0)), thresholds=thresholds, origin=origin,
    )


def with_model(spec: ProbeSpec, model: str, origin: str) -> ProbeSpec:
    return replace(spec, model=model, origin=origin)
