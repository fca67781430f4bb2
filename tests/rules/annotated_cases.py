"""Semgrep-style annotated cases of the rule pack, read one way and run through `repolens lint`'s engine.

A comment line `# ruleid: a, b` stands above the line on which rules a and b must fire; `# ok: a`
above a line on which a must not. One comment may hold both (`# ok: x  # ruleid: y`), and stacked
annotation comments all apply to the next line that is not a comment.

A case is a small project (a single-file case is a one-file project): it is copied to a temp
folder with its annotation comments blanked (they name rules, "no-seed", "no-lr-scheduler", and
must not count as the project-wide text signals some rules look for), its `pyproject.toml`
included, and linted by `lint_targets` with only the rules under test selected: project facts,
suppression comments, the needles pre-filter and the fix loop are the real ones.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Collection, Sequence

from repolens.lint.config import LintConfig, find_config, load_config
from repolens.lint.engine import LintRun, lint_targets
from repolens.lint.settings import resolve_settings
from repolens.lint.targets import collect_targets

ANNOTATION = re.compile(r"\b(ruleid|ok):\s*([a-z0-9-]+(?:\s*,\s*[a-z0-9-]+)*)")
COMMENT = re.compile(r"#\s*(?:ruleid|ok):.*")


def parse_annotations(text: str, known: Collection[str]) -> tuple[set[tuple[int, str]], set[tuple[int, str]]]:
    """({(line, rule name)} that must fire, {(line, rule name)} that must not)."""
    lines = text.splitlines()
    must: set[tuple[int, str]] = set()
    must_not: set[tuple[int, str]] = set()
    for index, line in enumerate(lines):
        if not line.lstrip().startswith("#"):
            continue
        found = ANNOTATION.findall(line)
        if not found:
            continue
        target = index + 1
        while target < len(lines) and lines[target].lstrip().startswith("#"):
            target += 1
        for kind, names in found:
            for name in (n.strip() for n in names.split(",")):
                assert name in known, f"line {index + 1}: unknown rule name {name!r}"
                (must if kind == "ruleid" else must_not).add((target + 1, name))
    return must, must_not


def strip_annotations(text: str) -> str:
    return COMMENT.sub("#", text)


def case_sources(case: Path) -> dict[str, str]:
    """The Python files of a case (a folder, or one file), `.fixed.py` expectations left out."""
    if case.is_file():
        return {case.name: case.read_text(encoding="utf-8")}
    return {p.relative_to(case).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(case.rglob("*.py")) if not p.name.endswith(".fixed.py")}


def copy_case(case: Path, dest: Path) -> Path:
    """The case as a project under `dest`, annotations blanked; returns its root."""
    root = dest / "project"
    root.mkdir(parents=True)
    if case.is_dir() and (case / "pyproject.toml").is_file():
        shutil.copy(case / "pyproject.toml", root / "pyproject.toml")
    for rel, text in case_sources(case).items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(strip_annotations(text), encoding="utf-8")
    return root


def lint_case(root: Path, files: Sequence[str], rules: Sequence[type], *, fix: bool = False) -> LintRun:
    """`repolens lint --select <rules> [--fix --unsafe-fixes] files` in the project at `root`,
    facts gathered over every file of the project."""
    found = find_config(root)
    config = load_config(found) if found is not None else LintConfig(root=root)
    settings = resolve_settings(config, select=[r.code for r in rules], rules=rules)
    everything = collect_targets([root], settings.root, exclude=settings.exclude).targets
    targets = [t for t in everything if t.rel in files]
    return lint_targets(targets, settings, fact_targets=everything, fix_mode="fix" if fix else "none",
                        unsafe_fixes=fix, use_cache=False, jobs=1)
