"""Which project each file belongs to, so project facts never leak between projects.

`repolens lint fixtures/` over three projects must judge each one on its own facts: one project's
`ToTensor` must not hide another's unnormalized images, one project's CUDA must not make another's
CPU DataLoader a pin_memory finding. A folder that holds a project marker starts a project; a
file belongs to the nearest such folder above it, or to the lint root.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

PROJECT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", "requirements.txt", "environment.yml", ".git")


def _parent(rel: str) -> str:
    return rel.rsplit("/", 1)[0] if "/" in rel else ""


def project_scopes(root: Path, rels: Iterable[str]) -> dict[str, str]:
    """Map each posix path (relative to `root`) to the relative folder of its project ("" = root)."""
    folders: dict[str, str] = {"": ""}

    def scope(folder: str) -> str:
        if folder not in folders:
            marked = any((root / folder / marker).exists() for marker in PROJECT_MARKERS)
            folders[folder] = folder if marked else scope(_parent(folder))
        return folders[folder]

    return {rel: scope(_parent(rel)) for rel in rels}
