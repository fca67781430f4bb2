"""Which model `repolens probe` runs when none is named: the core model `repolens map` finds.

One adapter to the project model (`core_model`), so the map's API can change in one place; when the
map names no core model class, the static scan of autodetect.py picks one.
"""

from __future__ import annotations

from pathlib import Path

from repolens.probe.autodetect import find_candidates
from repolens.probe.config import ProbeConfigError


def core_model(root: Path) -> tuple[str, str] | None:
    """(file relative to root, class name) of the core model in `repolens map`'s reading order."""
    from repolens.mapper import build_map

    try:
        repo_map = build_map(str(root))
    except Exception:  # noqa: BLE001 - a map that cannot be built: fall back to the static scan
        return None
    for step in repo_map.reading_order:
        if step.core and step.symbol:
            return step.path, step.symbol
    return None


def pick_model(root: Path) -> tuple[str, str]:
    """(target "abs/path.py:Class", where the choice came from)."""
    core = core_model(root)
    if core is not None and (root / core[0]).is_file():
        rel, name = core
        return f"{root / rel}:{name}", f"auto: the core model repolens map finds ({rel}:{name})"
    candidates = find_candidates(root)
    if not candidates:
        raise ProbeConfigError("no model named, repolens map found no core model, and no nn.Module class with an "
                               "argument-free constructor was found: repolens probe path/to/model.py:build_model")
    best = candidates[0]
    others = [c.target for c in candidates[1:4]]
    origin = f"auto: {best.why}" + (f" (other candidates: {', '.join(others)})" if others else "")
    return f"{root / best.path}:{best.name}", origin
