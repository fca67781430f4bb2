"""A bounded walk of a project's tree for the few non-Python files the project model reads
(config files for stated sizes, READMEs for published weights).

Nearest first, hidden, environment and output folders skipped, and bounded in depth, folders and
files: a dataset of a million images inside the tree must not make every lint run walk it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterator

MAX_DIRS = 2000
SKIP_DIRS = frozenset({".git", ".hg", ".venv", "venv", "env", "node_modules", "__pycache__", "site-packages",
                       ".tox", ".mypy_cache", "build", "dist", "wandb", "runs", "logs", "outputs"})


def project_files(folder: Path, accept: Callable[[str], bool], max_files: int, max_depth: int,
                  max_dirs: int = MAX_DIRS) -> Iterator[Path]:
    """The files under `folder` whose name `accept`s, nearest first: at most `max_files`, `max_depth`
    folders deep, `max_dirs` folders looked into. Unreadable entries are skipped."""
    queue = [(folder, 0)]
    seen = dirs = 0
    while queue and seen < max_files and dirs < max_dirs:
        here, depth = queue.pop(0)
        dirs += 1
        try:
            entries = sorted(here.iterdir(), key=lambda p: p.name)
        except OSError:
            continue
        for p in entries:
            if p.name.startswith(".") or p.name in SKIP_DIRS:
                continue
            try:
                is_dir = p.is_dir() and not p.is_symlink()
                wanted = not is_dir and accept(p.name) and p.is_file()
            except OSError:  # unreadable: skipped, the run goes on
                continue
            if is_dir and depth < max_depth:
                queue.append((p, depth + 1))
            elif wanted:
                seen += 1
                yield p
                if seen >= max_files:
                    return
