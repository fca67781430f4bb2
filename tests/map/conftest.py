"""Helpers for the map tests: write a small project from a {path: text} dict."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


@pytest.fixture
def make_project(tmp_path: Path):
    def make(files: dict[str, str], name: str = "proj") -> Path:
        return write_tree(tmp_path / name, files)
    return make
