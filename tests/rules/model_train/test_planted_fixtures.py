"""The fixtures' answer key (`fixtures/PLANTED.md`) for the model / training / performance rules.

Planted mistakes of these rules must be found at their line; the "must not fire" places must stay
silent; and nothing else in the fixture projects may fire (the rest is meant to be correct).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from repolens.lint.check import lint_text
from repolens.lint.facts import collect_facts
from repolens.lint.registry import builtin_rules_dir, load_rules_from

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures"
# The training / evaluation / entrypoint rules of tests/rules/train_more have their own answer-key
# test there (several are off by default or fire, truly, at the key's "may fire" places).
TRAIN_MORE = {"RL302", "RL304", "RL305", "RL309", "RL310", "RL311", "RL312", "RL313", "RL315", "RL316", "RL317",
              "RL318", "RL319", "RL320", "RL321", "RL325", "RL401", "RL403"}
# Likewise RL202-RL213 (tests/rules/model_more/test_planted_model_more.py): RL202 and RL206 fire,
# truly, on mnist's Net (the key's "Other findings that may fire and are true").
MODEL_MORE = {"RL202", "RL203", "RL204", "RL205", "RL206", "RL210", "RL212", "RL213"}
RULES = [r for d in ("model", "train", "perf") for r in load_rules_from(builtin_rules_dir() / d)
         if r.code not in TRAIN_MORE | MODEL_MORE]
CODES = {r.code for r in RULES}
ROW = re.compile(r"^\|\s*(?:(?P<project>[a-z_]+)\s*\|\s*)?(?P<where>[\w/.]+\.py):(?P<line>\d+)\s*\|.*?\|\s*(?P<code>RL\d{3})\b")
NOT_ROW = re.compile(r"^\|\s*(?P<code>RL\d{3})\s*\|\s*(?P<where>[\w/.]+\.py):(?P<line>\d+)\s*\|")

pytestmark = pytest.mark.skipif(not (FIXTURES / "PLANTED.md").exists(), reason="fixtures not present")


def _answer_key() -> tuple[set[tuple[str, int, str]], set[tuple[str, int, str]]]:
    text = (FIXTURES / "PLANTED.md").read_text()
    planted_part, _, silent_part = text.partition("## Must not fire")
    planted = {(m["where"], int(m["line"]), m["code"]) for line in planted_part.splitlines()
               if (m := ROW.match(line)) and m["code"] in CODES}
    silent = {(m["where"], int(m["line"]), m["code"]) for line in silent_part.splitlines()
              if (m := NOT_ROW.match(line)) and m["code"] in CODES}
    return planted, silent


def _findings() -> set[tuple[str, int, str]]:
    found = set()
    for project in sorted(p for p in FIXTURES.iterdir() if p.is_dir()):
        files = {p.relative_to(project).as_posix(): p.read_text() for p in project.rglob("*.py")}
        facts = collect_facts(files)
        for path, text in sorted(files.items()):
            _, reports = lint_text(text, path, RULES, facts)
            found |= {(f"{project.name}/{path}", r.position.start.line, r.code) for r in reports}
    return found


def test_answer_key_names_planted_mistakes_of_these_rules() -> None:
    planted, silent = _answer_key()
    assert {"RL201", "RL211", "RL303", "RL307", "RL301"} <= {code for _, _, code in planted}
    assert silent


def test_every_planted_mistake_is_found_and_nothing_else_fires() -> None:
    planted, silent = _answer_key()
    found = _findings()
    assert planted - found == set(), "planted mistakes missed"
    assert found & silent == set(), "fired at a must-not-fire place"
    assert found - planted == set(), "findings in code the answer key says is correct"
