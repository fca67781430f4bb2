"""`repolens map`: a reading map of a PyTorch repository, computed statically.

    from repolens.mapper import build_map, MapError
    repo_map = build_map("path/or/git-url", jobs=None, progress=None)
    repo_map.to_json()  # the SPEC's JSON contract
"""

from repolens.mapper.build import MapError, build_map
from repolens.mapper.model import (
    ROLES, CallEdge, CardItem, Entrypoint, FileRole, GitFileInfo, GitInfo, ReadingStep, RepoMap, Role,
)

__all__ = [
    "ROLES", "CallEdge", "CardItem", "Entrypoint", "FileRole", "GitFileInfo", "GitInfo", "MapError",
    "ReadingStep", "RepoMap", "Role", "build_map",
]
