"""The fixtures' answer key (`fixtures/PLANTED.md`) for the training / evaluation / entrypoint rules.

For RL302-RL325, RL401 and RL403: every planted mistake is found at its line, every "must not
fire" place stays silent, and the default-on rules find nothing else except what the key lists
under "Other findings that may fire and are true". The off-by-default rules (RL312, RL313,
RL315) are held to the first two only: they are opinions that fire on correct code by design.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from repolens.lint.check import lint_text
from repolens.lint.facts import collect_facts
from repolens.lint.registry import builtin_rules_dir, load_rules_from

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures"
PLANTED = FIXTURES / "PLANTED.md"
CODES = ("RL302", "RL304", "RL305", "RL309", "RL310", "RL311", "RL312", "RL313", "RL315", "RL316", "RL317",
         "RL318", "RL319", "RL320", "RL321", "RL325", "RL401", "RL403")
RULES = [r for d in ("train", "perf") for r in load_rules_from(builtin_rules_dir() / d) if r.code in CODES]
# "Other findings that may fire and are true" (PLANTED.md) for these rules: (file, rule), any line.
ALLOWED_EXTRA = {("mnist_script/mnist.py", "RL309"), ("mnist_script/mnist.py", "RL319"),
                 ("mnist_script/mnist.py", "RL401")}

pytestmark = pytest.mark.skipif(not PLANTED.is_file(), reason="fixtures/PLANTED.md not present")


def _table(section: str) -> list[list[str]]:
    body = PLANTED.read_text(encoding="utf-8").split(section, 1)[1].split("\n## ", 1)[0]
    rows = [[c.strip() for c in line.strip().strip("|").split("|")] for line in body.splitlines()
            if line.startswith("|")]
    return rows[2:]  # header and separator


def _where(cell: str) -> tuple[str, int]:
    m = re.match(r"([\w./-]+\.py):(\d+)", cell)
    assert m, cell
    return m.group(1), int(m.group(2))


def planted() -> set[tuple[str, int, str]]:
    out = set()
    for row in _table("## Must fire"):
        code = row[3].split()[0]
        if code in CODES:
            out.add((*_where(row[1]), code))
    return out


def must_not_fire() -> set[tuple[str, int, str]]:
    out = set()
    for row in _table("## Must not fire"):
        code = row[0].split()[0]
        if code in CODES:
            out.add((*_where(row[1]), code))
    return out


@pytest.fixture(scope="module")
def found() -> set[tuple[str, int, str]]:
    out = set()
    for project in sorted(p for p in FIXTURES.iterdir() if p.is_dir()):
        sources = {p.relative_to(project).as_posix(): p.read_text(encoding="utf-8")
                   for p in sorted(project.rglob("*.py"))}
        facts = collect_facts(sources)
        for path, text in sources.items():
            _, reports = lint_text(text, path, RULES, facts)
            out |= {(f"{project.name}/{path}", r.position.start.line, r.code) for r in reports}
    return out


def test_answer_key_names_mistakes_and_silences_of_these_rules() -> None:
    assert {("image_classifier/eval.py", 36, "RL304"), ("tiny_lm/tinylm/evaluate.py", 28, "RL305")} <= planted()
    assert {code for _, _, code in must_not_fire()} >= {"RL302", "RL304", "RL305", "RL317", "RL321", "RL401"}


def test_every_planted_mistake_is_found(found) -> None:
    assert planted() - found == set()


def test_nothing_fires_at_a_must_not_fire_place(found) -> None:
    assert found & must_not_fire() == set()


def test_default_rules_find_nothing_else_than_the_key_allows(found) -> None:
    default_on = {r.code for r in RULES if r.default_enabled}
    extra = {(path, line, code) for path, line, code in found - planted()
             if code in default_on and (path, code) not in ALLOWED_EXTRA}
    assert extra == set()
