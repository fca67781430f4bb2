"""The hyperparameter files a training entrypoint loads: hydra's primary config and the group files
its `defaults:` list names. Files are read by `repolens.project.configfiles`."""

from __future__ import annotations

from pathlib import Path

from repolens.project.configfiles import read_config


def hydra_files(root: Path, config_dir: str, config_name: str) -> list[tuple[str, str]]:
    """(file relative to root, key prefix): the primary hydra config, then the group files its
    `defaults:` list names, whose keys live under the group's name (`optimizer/adam.yaml` -> `optimizer.lr`)."""
    base = (config_dir.strip("/") + "/") if config_dir.strip("/. ") else ""
    name = config_name if config_name.endswith((".yaml", ".yml")) else config_name + ".yaml"
    primary = base + name
    out = [(primary, "")]
    flat = read_config(root / primary)
    entries = flat.get("defaults.__entries__", ("", 0))[0]
    for entry in entries.split(","):
        group, _, option = entry.partition("=")
        if group and option and option not in ("null", "None") and not group.startswith(("override", "_self_")):
            out.append((f"{base}{group.strip()}/{option.strip()}.yaml", group.strip().replace("/", ".")))
    return out
