"""Semgrep-style project cases for the training, evaluation and entrypoint rules (RL302-RL325, RL401, RL403).

Each folder under `cases/` is a small project (facts are gathered over all its files, so a seed
in `utils/seed.py` counts for `train.py`). In its files, a comment `# ruleid: a, b` above a line
means that line must carry findings of rules a and b; `# ok: a` means it must carry none of a.
One comment may hold both (`# ok: x  # ruleid: y`). Every finding of the rules under test
must be annotated: unannotated findings fail too.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from annotated_cases import parse_annotations, strip_annotations
from repolens.lint.check import lint_text
from repolens.lint.facts import collect_facts
from repolens.lint.registry import builtin_rules_dir, load_rules_from

CASES = Path(__file__).parent / "cases"
CODES = ("RL302", "RL304", "RL305", "RL309", "RL310", "RL311", "RL312", "RL313", "RL315", "RL316", "RL317",
         "RL318", "RL319", "RL320", "RL321", "RL325", "RL401", "RL403")
RULES = [r for d in ("train", "perf") for r in load_rules_from(builtin_rules_dir() / d) if r.code in CODES]
BY_NAME = {r.name: r for r in RULES}
NAME_OF = {r.code: r.name for r in RULES}


def annotations(text: str) -> tuple[set[tuple[int, str]], set[tuple[int, str]]]:
    return parse_annotations(text, BY_NAME)


def test_every_rule_of_this_pack_is_loaded() -> None:
    assert sorted(r.code for r in RULES) == sorted(CODES)


@pytest.mark.parametrize("project", sorted(p for p in CASES.iterdir() if p.is_dir()), ids=lambda p: p.name)
def test_findings_match_ruleid_and_ok_annotations(project: Path) -> None:
    annotated = {p.relative_to(project).as_posix(): p.read_text(encoding="utf-8") for p in sorted(project.rglob("*.py"))}
    sources = {path: strip_annotations(text) for path, text in annotated.items()}
    facts = collect_facts(sources)
    for path, text in sources.items():
        must, must_not = annotations(annotated[path])
        _, reports = lint_text(text, path, RULES, facts)
        found = {(r.position.start.line, NAME_OF[r.code]) for r in reports}
        assert must - found == set(), f"{path}: missed"
        assert found & must_not == set(), f"{path}: fired at an `ok` line"
        assert found - must == set(), f"{path}: unannotated findings"


def test_cases_cover_every_rule_with_a_finding_and_a_silence() -> None:
    fired, silent = set(), set()
    for path in CASES.rglob("*.py"):
        must, must_not = annotations(path.read_text(encoding="utf-8"))
        fired |= {name for _, name in must}
        silent |= {name for _, name in must_not}
    assert fired == set(BY_NAME)
    assert silent >= set(BY_NAME) - {"debug-api-left-on", "unweighted-loss-sum", "no-label-smoothing", "no-warmup"}
