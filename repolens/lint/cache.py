"""The results cache, like ruff's: `.repolens_cache/` at the project root.

Two JSON files per tool version: per-file facts (valid for any settings; keyed also by the shape
of the facts, `facts.facts_shape()`, so a build that added a field never reads older entries) and
per-settings lint results. An entry is reused when the file's content is unchanged (its size and mtime, as ruff
checks, or else its sha256) and, for lint results, when the project facts are unchanged too.
JSON, never pickle: a cache folder that came with a cloned repository must not run code.
A corrupt or foreign cache file is ignored and rewritten.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from repolens import __version__

CACHE_DIR_NAME = ".repolens_cache"
_TAG = ("Signature: 8a477f597d28d172789f06886806bc55\n"
        "# This file is a cache directory tag created by repolens.\n"
        "# For information about cache directory tags see https://bford.info/cachedir/\n")
SCHEMA = 1


def prepare_cache_dir(folder: Path) -> Path | None:
    """Create the cache folder with its `.gitignore` and CACHEDIR.TAG; None when it cannot be written."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        gi = folder / ".gitignore"
        if not gi.exists():
            gi.write_text("# Automatically created by repolens.\n*\n", encoding="utf-8")
        tag = folder / "CACHEDIR.TAG"
        if not tag.exists():
            tag.write_text(_TAG, encoding="utf-8")
        sub = folder / __version__
        sub.mkdir(exist_ok=True)
        return sub
    except OSError:
        return None


def cache_location(root: Path, cache_dir: Path | None = None, *, use_cache: bool = True) -> Path | None:
    """The run's cache folder (`cache_dir`, default `.repolens_cache` at the project root), ready
    to use; None without a cache (`--no-cache`) or when it cannot be written."""
    if not use_cache:
        return None
    return prepare_cache_dir(Path(cache_dir) if cache_dir is not None else root / CACHE_DIR_NAME)


class JsonStore:
    """One JSON object of entries keyed by relative path, loaded once and saved once."""

    def __init__(self, path: Path | None, key: str) -> None:
        self.path = path
        self.key = key
        self.entries: dict[str, Any] = {}
        self.dirty = False
        if path is not None:
            self._load()

    def _load(self) -> None:
        assert self.path is not None
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        if isinstance(data, dict) and data.get("schema") == SCHEMA and data.get("key") == self.key \
                and isinstance(data.get("entries"), dict):
            self.entries = data["entries"]

    def get(self, rel: str) -> dict[str, Any] | None:
        entry = self.entries.get(rel)
        return entry if isinstance(entry, dict) else None

    def put(self, rel: str, entry: dict[str, Any]) -> None:
        self.entries[rel] = entry
        self.dirty = True

    def prune(self, keep: set[str]) -> None:
        """Drop entries of files that no longer exist in this run's scope only when the run saw them all."""
        for rel in [r for r in self.entries if r not in keep]:
            del self.entries[rel]
            self.dirty = True

    def save(self) -> None:
        if self.path is None or not self.dirty:
            return
        data = json.dumps({"schema": SCHEMA, "key": self.key, "entries": self.entries},
                          separators=(",", ":"), sort_keys=True)
        try:
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".tmp-", suffix=".json")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(data)
            os.replace(tmp, self.path)
        except OSError:
            try:
                os.unlink(tmp)
            except (OSError, UnboundLocalError):
                pass


def same_file(entry: dict[str, Any] | None, mtime_ns: int, size: int) -> bool:
    return entry is not None and entry.get("m") == mtime_ns and entry.get("s") == size
