"""The fixtures' answer key, `fixtures/PLANTED.md`, holds for the whole built-in rule pack.

Each fixture project is linted on its own, through the CLI, with every rule selected:
- every planted mistake ("Must fire") is found at its line;
- no rule fires at a deliberately correct place ("Must not fire");
- the default-on rules find nothing else, except the true findings the key lists under
  "Other findings that may fire and are true" (common tutorial habits in mnist.py). The
  off-by-default rules are opinions that fire on correct code by design: they are held to the
  first two checks only.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from repolens.cli import app
from repolens.lint.registry import load_builtin_rules

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PLANTED = FIXTURES / "PLANTED.md"
DEFAULT_ON = {r.code for r in load_builtin_rules() if r.default_enabled}
WHERE = re.compile(r"([\w./-]+\.py):(\d+)")
CODE = re.compile(r"\bRL\d{3}\b")

pytestmark = pytest.mark.skipif(not PLANTED.is_file(), reason="fixtures/PLANTED.md not present")


def _section(title: str) -> str:
    return PLANTED.read_text(encoding="utf-8").split(f"## {title}", 1)[1].split("\n## ", 1)[0]


def _rows(title: str) -> set[tuple[str, int, str]]:
    rows = set()
    for line in _section(title).splitlines():
        if not line.startswith("|"):
            continue
        where, code = WHERE.search(line), CODE.search(line)
        if where and code:
            rows.add((where.group(1), int(where.group(2)), code.group(0)))
    return rows


def _findings(workdir: Path) -> set[tuple[str, int, str]]:
    found = set()
    runner = CliRunner()
    for fixture in sorted(p for p in FIXTURES.iterdir() if p.is_dir()):
        # A copy stands alone, as a user's checkout would: its own root, no parent configuration.
        project = workdir / fixture.name
        shutil.copytree(fixture, project)
        result = runner.invoke(app, ["lint", str(project), "--select", "ALL", "--format", "json",
                                     "--no-cache", "--fail-on", "never"])
        assert result.exit_code == 0, result.output
        found |= {(f"{project.name}/{f['path']}", f["line"], f["rule"]) for f in json.loads(result.stdout)}
    return found


@pytest.fixture(scope="module")
def found(tmp_path_factory: pytest.TempPathFactory) -> set[tuple[str, int, str]]:
    return _findings(tmp_path_factory.mktemp("fixtures"))


def test_the_answer_key_is_readable():
    assert len(_rows("Must fire")) >= 15
    assert len(_rows("Must not fire")) >= 30


def test_every_planted_mistake_is_found_at_its_line(found):
    assert _rows("Must fire") - found == set()


def test_no_rule_fires_at_a_deliberately_correct_place(found):
    silent = _rows("Must not fire")
    assert {f for f in found if f in silent} == set()


def test_default_rules_find_nothing_the_key_does_not_list(found):
    # The key's true-but-unplanted findings are all in mnist.py, any line.
    allowed = {("mnist_script/mnist.py", code) for code in CODE.findall(_section("Other findings that may fire"))}
    planted = _rows("Must fire")
    extra = {f for f in found if f[2] in DEFAULT_ON and f not in planted and (f[0], f[2]) not in allowed}
    assert extra == set()
