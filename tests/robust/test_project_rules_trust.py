"""Issue 11 item 5: a project's `extend-rules` folders are imported only for the project you work
in (or a config you name); linting someone else's checkout from outside runs none of its code."""

from __future__ import annotations

from pathlib import Path

import pytest

from _robustkit import FIXABLE, repolens

RULE = '''
from pathlib import Path
Path({trace!r}).write_text("imported")
'''


@pytest.fixture
def their_repo(tmp_path: Path) -> tuple[Path, Path]:
    repo = tmp_path / "their-repo"
    (repo / "lint_rules").mkdir(parents=True)
    trace = tmp_path / "TRACE"
    (repo / "lint_rules" / "evil.py").write_text(RULE.format(trace=str(trace)))
    (repo / "pyproject.toml").write_text('[tool.repolens]\nextend-rules = ["lint_rules"]\n')
    (repo / "train.py").write_text(FIXABLE)
    (tmp_path / "elsewhere").mkdir()
    return repo, trace


def test_linting_another_project_from_outside_imports_none_of_its_rules(their_repo: tuple[Path, Path]) -> None:
    repo, trace = their_repo
    r = repolens("lint", repo, "--select", "RL501", "--no-cache", cwd=repo.parent / "elsewhere")
    assert not trace.exists()
    assert r.returncode == 1 and "RL501" in r.stdout
    assert "not loading the rule folders of extend-rules" in r.stderr
    for command in (("rules",), ("explain", "RL501")):
        repolens(*command, "--config", repo / "pyproject.toml", "--no-project-rules", cwd=repo.parent / "elsewhere")
        assert not trace.exists()


def test_a_nested_project_under_the_lint_root_contributes_no_rules(their_repo: tuple[Path, Path]) -> None:
    repo, trace = their_repo
    top = repo.parent
    (top / "pyproject.toml").write_text("[tool.repolens]\n")
    r = repolens("lint", ".", "--select", "RL501", "--no-cache", cwd=top)
    assert not trace.exists()
    assert "RL501" in r.stdout


def test_no_project_rules_refuses_even_the_current_project(their_repo: tuple[Path, Path]) -> None:
    repo, trace = their_repo
    r = repolens("lint", ".", "--select", "RL501", "--no-cache", "--no-project-rules", cwd=repo)
    assert not trace.exists()
    assert "--no-project-rules" in r.stderr
    r = repolens("lint", ".", "--select", "RL501", "--no-cache", cwd=repo, env={"REPOLENS_NO_PROJECT_RULES": "1"})
    assert not trace.exists()


def test_the_current_project_and_an_explicit_config_load_and_say_so(their_repo: tuple[Path, Path]) -> None:
    repo, trace = their_repo
    r = repolens("lint", ".", "--select", "RL501", "--no-cache", cwd=repo)
    assert trace.exists()  # the user's own project: its rules load (the trace rule is not a valid rule file)
    assert "loading rules from" in r.stderr
    trace.unlink()
    repolens("lint", repo, "--select", "RL501", "--no-cache", "--config", repo / "pyproject.toml",
             cwd=repo.parent / "elsewhere")
    assert trace.exists()
