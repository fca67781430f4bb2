"""Shared pieces for the engine tests: tiny rules written to a tmp folder, a CLI runner.

The engine is tested with its own small rules (codes TST...), loaded from a real rule folder by
the same code path as a user's `extend-rules`, so these tests do not depend on the built-in pack.
CLI tests select `TST` only, so the built-in rules never add findings of their own.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from repolens.cli import app

from _lintkit import TINY_RULES, write


@pytest.fixture
def tiny_rules(tmp_path: Path) -> Path:
    """A user rule folder holding the TST rules."""
    folder = tmp_path / "tiny_rules"
    write(folder / "tiny.py", TINY_RULES)
    return folder


@pytest.fixture
def project(tmp_path: Path, tiny_rules: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project whose pyproject selects only the tiny rules; the tests run from inside it, as
    its `extend-rules` load only for the current folder's project (repolens.lint.trust)."""
    root = tmp_path / "proj"
    rel = Path("..") / tiny_rules.name
    write(root / "pyproject.toml", f"""
        [tool.repolens]
        select = ["TST"]
        extend-rules = ["{rel.as_posix()}"]
    """)
    monkeypatch.chdir(root)
    return root


class Cli:
    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str | Path):
        result = self.runner.invoke(app, [str(a) for a in args], catch_exceptions=False)
        return result


@pytest.fixture
def cli() -> Cli:
    return Cli()
