"""Project-level rule tests in semgrep's style.

Each folder under `projects/` is a small project. In its files, `# ruleid: <name>[, <name>...]`
stands above a line on which those rules must fire, `# ok: <name>` above a line on which they
must not; every finding of a rule named in a file's annotations must be annotated (no surprise
findings). `<stem>.fixed.py` beside `<stem>.py` is the expected result of applying every fix of
the annotated rules (unsafe ones included). Facts are gathered over the whole project, and a
`pyproject.toml` with `[tool.repolens] target-version` sets the torch version, so rules that
need a second file or a configured version are tested as they run for real.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from annotated_cases import parse_annotations
from repolens.lint.check import fix_text, lint_text
from repolens.lint.facts import collect_facts
from repolens.lint.registry import load_builtin_rules

PROJECTS = Path(__file__).parent / "projects"
RULES_BY_NAME = {r.name: r for r in load_builtin_rules()}


def _sources(project: Path) -> dict[str, str]:
    return {p.relative_to(project).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(project.rglob("*.py")) if not p.name.endswith(".fixed.py")}


def _target_version(project: Path) -> tuple[int, ...] | None:
    pyproject = project / "pyproject.toml"
    if not pyproject.is_file():
        return None
    value = tomllib.loads(pyproject.read_text()).get("tool", {}).get("repolens", {}).get("target-version")
    return tuple(int(p) for p in str(value).split(".")) if value else None


def annotations(text: str) -> tuple[set[tuple[str, int]], set[tuple[str, int]]]:
    """({(rule name, line)} that must fire, {(rule name, line)} that must not)."""
    must, must_not = parse_annotations(text, RULES_BY_NAME)
    return {(n, line) for line, n in must}, {(n, line) for line, n in must_not}


def _cases():
    for project in sorted(p for p in PROJECTS.iterdir() if p.is_dir()):
        for path, text in _sources(project).items():
            if any(annotations(text)):  # the others are support files
                yield pytest.param(project, path, id=f"{project.name}/{path}")


@pytest.mark.parametrize(("project", "path"), list(_cases()))
def test_annotated_lines_fire_and_ok_lines_stay_silent(project: Path, path: str):
    sources = _sources(project)
    expected, forbidden = annotations(sources[path])
    names = {n for n, _ in expected | forbidden}
    assert names, f"{path} has no annotations"
    unknown = names - RULES_BY_NAME.keys()
    assert not unknown, f"unknown rule names in annotations: {unknown}"
    rules = [RULES_BY_NAME[n] for n in sorted(names)]
    _, reports = lint_text(sources[path], path, rules, collect_facts(sources),
                           target_version=_target_version(project))
    by_code = {r.code: r.name for r in rules}
    found = {(by_code[r.code], r.position.start.line) for r in reports}
    assert expected - found == set(), "annotated `ruleid` lines without a finding"
    assert found & forbidden == set(), "findings on `ok` lines"
    assert found - expected == set(), "findings on lines without a `ruleid` annotation"


def _fixed_cases():
    for fixed in sorted(PROJECTS.rglob("*.fixed.py")):
        project = next(p for p in fixed.parents if p.parent == PROJECTS)
        yield pytest.param(project, fixed, id=fixed.relative_to(PROJECTS).as_posix())


@pytest.mark.parametrize(("project", "fixed"), list(_fixed_cases()))
def test_fixes_give_the_fixed_file_and_are_idempotent(project: Path, fixed: Path):
    sources = _sources(project)
    path = fixed.relative_to(project).as_posix().replace(".fixed.py", ".py")
    expected, forbidden = annotations(sources[path])
    rules = [RULES_BY_NAME[n] for n in sorted({n for n, _ in expected | forbidden})]
    facts = collect_facts(sources)
    result = fix_text(sources[path], path, rules, facts, unsafe=True)
    assert result == fixed.read_text(encoding="utf-8")
    assert fix_text(result, path, rules, facts, unsafe=True) == result


def test_every_fixable_rule_has_a_fixed_project_file():
    fixable = {r.name for r in RULES_BY_NAME.values() if r.fix_safety and r.code in
               ("RL101", "RL103", "RL501")}
    covered: set[str] = set()
    for fixed in PROJECTS.rglob("*.fixed.py"):
        original = fixed.with_name(fixed.name.replace(".fixed.py", ".py")).read_text(encoding="utf-8")
        covered |= {n for n, _ in annotations(original)[0]}
    assert fixable <= covered
