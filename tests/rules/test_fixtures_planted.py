"""The data and security rules find exactly the mistakes planted in `fixtures/` (PLANTED.md).

The answer key's "Must fire" table lists (file:line, rule); its "Must not fire" table lists
places that are deliberately correct. For the rules of this pack (RL101-RL108, RL501) the set of
findings over the three fixture projects must equal the planted set, plus only the findings the
key lists under "Other findings that may fire and are true".
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from repolens.lint.check import lint_text
from repolens.lint.facts import collect_facts
from repolens.lint.registry import load_builtin_rules

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
PLANTED = FIXTURES / "PLANTED.md"
CODES = ("RL101", "RL102", "RL103", "RL104", "RL105", "RL106", "RL107", "RL108", "RL501")
# "Other findings that may fire and are true" for these rules: (file, rule), any line.
ALLOWED_EXTRA = {("mnist_script/mnist.py", "RL107")}

pytestmark = pytest.mark.skipif(not PLANTED.is_file(), reason="fixtures/PLANTED.md not present")


def _table(section: str) -> list[list[str]]:
    text = PLANTED.read_text(encoding="utf-8")
    body = text.split(section, 1)[1].split("\n## ", 1)[0]
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
        path, line = _where(row[1])
        code = row[3].split()[0]
        if code in CODES:
            out.add((path, line, code))
    return out


def must_not_fire() -> set[tuple[str, int, str]]:
    out = set()
    for row in _table("## Must not fire"):
        code = row[0].split()[0]
        if code in CODES:
            path, line = _where(row[1])
            out.add((path, line, code))
    return out


def findings() -> set[tuple[str, int, str]]:
    rules = [r for r in load_builtin_rules() if r.code in CODES]
    out = set()
    for project in sorted(p for p in FIXTURES.iterdir() if p.is_dir()):
        sources = {p.relative_to(project).as_posix(): p.read_text(encoding="utf-8")
                   for p in sorted(project.rglob("*.py"))}
        facts = collect_facts(sources)
        for path, text in sources.items():
            _, reports = lint_text(text, path, rules, facts)
            out |= {(f"{project.name}/{path}", r.position.start.line, r.code) for r in reports}
    return out


@pytest.fixture(scope="module")
def found() -> set[tuple[str, int, str]]:
    return findings()


def test_every_planted_data_and_security_mistake_is_found(found):
    assert planted(), "PLANTED.md lists no RL1xx/RL501 mistake: table format changed?"
    assert planted() - found == set()


def test_nothing_fires_at_the_deliberately_correct_places(found):
    assert must_not_fire(), "PLANTED.md lists no RL1xx/RL501 must-not-fire place: table format changed?"
    assert found & must_not_fire() == set()


def test_no_finding_beyond_the_answer_key(found):
    extra = {f for f in found - planted() if (f[0], f[2]) not in ALLOWED_EXTRA}
    assert extra == set()
