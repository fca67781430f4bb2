"""Issue 11 item 14: a malformed pyproject.toml found by walking up is rejected like `--config`."""

from __future__ import annotations

from pathlib import Path

from _robustkit import FIXABLE, repolens


def test_malformed_repolens_pyproject_is_an_error_not_ignored(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.repolens]\nselect = ["RL5"\n')
    (tmp_path / "a.py").write_text(FIXABLE)
    found = repolens("lint", ".", "--no-cache", cwd=tmp_path)
    given = repolens("lint", ".", "--no-cache", "--config", "pyproject.toml", cwd=tmp_path)
    assert found.returncode == given.returncode == 2
    assert "not valid TOML" in found.stderr and found.stdout == ""


def test_malformed_pyproject_without_repolens_is_not_ours(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project\nname = "x"\n')
    (tmp_path / "a.py").write_text(FIXABLE)
    r = repolens("lint", ".", "--no-cache", "--select", "RL501", cwd=tmp_path)
    assert r.returncode == 1 and "RL501" in r.stdout
