"""Which model `repolens probe` runs when none is named: the core model `repolens map` finds,
built with the arguments the main entrypoint gives it.

One adapter to the map (`core_model`), so the map's API can change in one place; when the map names
no core model class, the static scan of autodetect.py picks one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from repolens.probe.autodetect import find_candidates
from repolens.probe.config import ProbeConfigError
from repolens.probe.entryargs import entry_args


@dataclass(frozen=True)
class Pick:
    target: str  # "abs/path.py:Class"
    origin: str  # where the choice came from, for the report
    kwargs: dict[str, Any] = field(default_factory=dict)  # from the entrypoint's call, statically


def core_model(root: Path) -> tuple[str, str, tuple[str, int] | None] | None:
    """(file relative to root, class name, call site) of the core model in `repolens map`'s reading
    order; the call site is where the earliest-read file that builds it does so."""
    from repolens.mapper import build_map

    try:
        repo_map = build_map(str(root))
    except Exception:  # noqa: BLE001 - a map that cannot be built: fall back to the static scan
        return None
    for step in repo_map.reading_order:
        if step.core and step.symbol:
            order = {s.path: i for i, s in enumerate(repo_map.reading_order)}
            sites = [(order.get(c.source.split(":")[0], len(order)), c.line, c.source.split(":")[0])
                     for c in repo_map.calls if c.target == f"{step.path}:{step.symbol}"]
            site = min(sites) if sites else None
            return step.path, step.symbol, (site[2], site[1]) if site else None
    return None


def pick_model(root: Path) -> Pick:
    core = core_model(root)
    if core is not None and (root / core[0]).is_file():
        rel, name, site = core
        origin = f"auto: the core model repolens map finds ({rel}:{name})"
        built = entry_args(root, site, (rel, name)) if site is not None else None
        if built is not None and (built.kwargs or built.unresolved):
            origin += f", {built.describe(name)}"
        return Pick(f"{root / rel}:{name}", origin, dict(built.kwargs) if built is not None else {})
    candidates = find_candidates(root)
    if not candidates:
        raise ProbeConfigError("no model named, repolens map found no core model, and no nn.Module class with an "
                               "argument-free constructor was found: repolens probe path/to/model.py:build_model")
    best = candidates[0]
    others = [c.target for c in candidates[1:4]]
    origin = f"auto: {best.why}" + (f" (other candidates: {', '.join(others)})" if others else "")
    return Pick(f"{root / best.path}:{best.name}", origin)
