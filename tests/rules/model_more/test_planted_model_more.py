"""The fixtures' answer key (`fixtures/PLANTED.md`) for RL202-RL213 and the opinion rules.

Planted mistakes of these rules (RL204 `self.se` in resnet.py) must be found at their line, the
"must not fire" places must stay silent, and nothing else may fire except the findings the key
lists under "Other findings that may fire and are true" (RL202 and RL206 on mnist's `Net`).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from repolens.lint.check import lint_text
from repolens.lint.facts import collect_facts
from repolens.lint.registry import builtin_rules_dir, load_rules_from

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures"
OURS = {"RL202", "RL203", "RL204", "RL205", "RL206", "RL210", "RL212", "RL213"}
RULES = [r for r in load_rules_from(builtin_rules_dir() / "model") if r.code in OURS]
RULES += load_rules_from(builtin_rules_dir() / "opinions")
CODES = {r.code for r in RULES}
ROW = re.compile(r"^\|\s*(?:(?P<project>[a-z_]+)\s*\|\s*)?(?P<where>[\w/.]+\.py):(?P<line>\d+)\s*\|.*?\|\s*(?P<code>RL\d{3})\b")
NOT_ROW = re.compile(r"^\|\s*(?P<code>RL\d{3})\s*\|\s*(?P<where>[\w/.]+\.py):(?P<line>\d+)\s*\|")
# "Other findings that may fire and are true": mnist's Net has default init only (RL202, the
# class line) and element-wise Dropout on conv feature maps (RL206, line 23).
TRUE_EXTRA = {("mnist_script/mnist.py", 16, "RL202"), ("mnist_script/mnist.py", 23, "RL206")}
OPINIONS = {r.code for r in RULES if not r.default_enabled}

pytestmark = pytest.mark.skipif(not (FIXTURES / "PLANTED.md").exists(), reason="fixtures not present")


def _answer_key() -> tuple[set[tuple[str, int, str]], set[tuple[str, int, str]]]:
    text = (FIXTURES / "PLANTED.md").read_text()
    planted_part, _, silent_part = text.partition("## Must not fire")
    planted = {(m["where"], int(m["line"]), m["code"]) for line in planted_part.splitlines()
               if (m := ROW.match(line)) and m["code"] in CODES}
    silent = {(m["where"], int(m["line"]), m["code"]) for line in silent_part.splitlines()
              if (m := NOT_ROW.match(line)) and m["code"] in CODES}
    return planted, silent


@pytest.fixture(scope="module")
def found() -> set[tuple[str, int, str]]:
    out = set()
    for project in sorted(p for p in FIXTURES.iterdir() if p.is_dir()):
        files = {p.relative_to(project).as_posix(): p.read_text() for p in project.rglob("*.py")}
        facts = collect_facts(files)
        for path, text in sorted(files.items()):
            _, reports = lint_text(text, path, RULES, facts)
            out |= {(f"{project.name}/{path}", r.position.start.line, r.code) for r in reports}
    return out


def test_answer_key_plants_an_unused_submodule_and_guards_init_and_bias() -> None:
    planted, silent = _answer_key()
    assert ("image_classifier/models/resnet.py", 76, "RL204") in planted
    assert {"RL202", "RL204", "RL205"} <= {code for _, _, code in silent}


def test_planted_unused_se_block_is_found(found) -> None:
    planted, _ = _answer_key()
    assert planted - found == set()


def test_must_not_fire_places_stay_silent(found) -> None:
    _, silent = _answer_key()
    assert found & silent == set()


def test_only_the_known_true_extras_fire_elsewhere(found) -> None:
    planted, _ = _answer_key()
    extra = {f for f in found - planted if f[2] not in OPINIONS}
    assert extra == TRUE_EXTRA
