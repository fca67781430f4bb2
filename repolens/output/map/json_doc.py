"""`--format json`: the SPEC's contract, `RepoMap.to_json()` serialized the same way every time."""

from __future__ import annotations

import json

from repolens.mapper.model import RepoMap


def map_to_json(repo_map: RepoMap) -> str:
    """Two-space indented JSON with a trailing newline; key order is the contract's order."""
    return json.dumps(repo_map.to_json(), indent=2, sort_keys=False) + "\n"
