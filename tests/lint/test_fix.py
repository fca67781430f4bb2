"""--fix / --unsafe-fixes / --diff: atomic, faithful to the file's bytes, idempotent, never unsafe by default."""

from __future__ import annotations

import json
import os
import stat

from repolens.atomic import write_atomic

from _lintkit import write

LOADER = "from torch.utils.data import DataLoader\n"


def test_fix_applies_safe_fixes_and_reports_only_what_remains(project, cli):
    path = write(project / "a.py", LOADER + "loader = DataLoader(ds)\nprint(1)\n")
    result = cli("lint", project, "--fix", "--no-cache", "--format", "json")
    assert path.read_text() == LOADER + "loader = DataLoader(ds, pin_memory=True)\nprint(1)\n"
    assert [f["rule"] for f in json.loads(result.stdout)] == ["TST001"]  # the fixed one is gone
    assert "Fixed 1 finding in 1 file." in result.stderr


def test_second_fix_changes_nothing(project, cli):
    path = write(project / "a.py", LOADER + "DataLoader(ds)\nimport torch\ntorch.load(p)\n")
    cli("lint", project, "--fix", "--unsafe-fixes", "--no-cache")
    once = path.read_bytes()
    result = cli("lint", project, "--fix", "--unsafe-fixes", "--no-cache")
    assert path.read_bytes() == once
    assert "Fixed" not in result.stderr


def test_unsafe_fixes_need_the_flag(project, cli):
    path = write(project / "a.py", "import torch\ntorch.load(p)\n")
    result = cli("lint", project, "--fix", "--no-cache", "--format", "json")
    assert path.read_text() == "import torch\ntorch.load(p)\n"
    assert json.loads(result.stdout)[0]["fixable"] is True
    cli("lint", project, "--fix", "--unsafe-fixes", "--no-cache")
    assert path.read_text() == "import torch\ntorch.load(p, weights_only=True)\n"


def test_fix_never_adds_a_keyword_that_may_arrive_through_kwargs_or_args(project, cli):
    text = LOADER + "def make(ds, **kw):\n    return DataLoader(ds, **kw)\n" \
                    "def make2(*a):\n    return DataLoader(*a)\n"
    path = write(project / "a.py", text)
    result = cli("lint", project, "--fix", "--unsafe-fixes", "--no-cache", "--format", "json")
    assert path.read_text() == text
    assert len(json.loads(result.stdout)) == 2  # still reported, not "fixed"


def test_diff_prints_without_writing_and_exits_1(project, cli):
    path = write(project / "a.py", LOADER + "DataLoader(ds)\n")
    result = cli("lint", project, "--diff", "--no-cache")
    assert result.exit_code == 1
    assert path.read_text() == LOADER + "DataLoader(ds)\n"
    assert "--- a/a.py\n+++ b/a.py\n" in result.stdout
    assert "-DataLoader(ds)\n+DataLoader(ds, pin_memory=True)\n" in result.stdout


def test_diff_with_nothing_to_fix_exits_0(project, cli):
    write(project / "a.py", "print(1)\n")
    result = cli("lint", project, "--diff", "--no-cache")
    assert result.exit_code == 0 and result.stdout == ""


def test_fix_keeps_crlf_bom_encoding_and_permissions(project, cli):
    path = project / "a.py"
    path.write_bytes(b"\xef\xbb\xbf" + (LOADER + "# caf\xc3\xa9\nDataLoader(ds)\n").encode().replace(b"\n", b"\r\n")
                     .replace("# caf\xc3\xa9".encode(), "# café".encode()))
    os.chmod(path, 0o754)
    cli("lint", project, "--fix", "--no-cache")
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert b"DataLoader(ds, pin_memory=True)\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")
    assert "# café".encode() in data
    assert stat.S_IMODE(path.stat().st_mode) == 0o754


def test_fix_keeps_a_declared_latin1_encoding(project, cli):
    path = project / "a.py"
    path.write_bytes(b"# -*- coding: latin-1 -*-\n# caf\xe9\n" + LOADER.encode() + b"DataLoader(ds)\n")
    cli("lint", project, "--fix", "--no-cache")
    assert path.read_bytes() == b"# -*- coding: latin-1 -*-\n# caf\xe9\n" + LOADER.encode() + \
        b"DataLoader(ds, pin_memory=True)\n"


def test_fix_never_touches_a_lossily_decoded_file(project, cli):
    path = project / "a.py"
    original = b"# \xff\xfe broken bytes\n" + LOADER.encode() + b"DataLoader(ds)\n"
    path.write_bytes(original)
    result = cli("lint", project, "--fix", "--no-cache")
    assert path.read_bytes() == original
    assert "fixes skipped" in result.stderr


def test_notebooks_are_not_rewritten_by_fix(project, cli):
    nb = {"cells": [{"cell_type": "code", "source": [LOADER, "DataLoader(ds)\n"]}], "metadata": {},
          "nbformat": 4, "nbformat_minor": 5}
    path = write(project / "nb.ipynb", json.dumps(nb))
    before = path.read_bytes()
    result = cli("lint", project, "--fix", "--no-cache", "--format", "json")
    assert path.read_bytes() == before
    assert json.loads(result.stdout)[0]["cell"] == 0


def test_atomic_write_leaves_no_temp_file_and_keeps_the_old_file_on_failure(tmp_path):
    target = tmp_path / "a.py"
    target.write_text("old\n")
    write_atomic(target, b"new\n")
    assert target.read_text() == "new\n"
    assert [p.name for p in tmp_path.iterdir()] == ["a.py"]

    class Boom(bytes):
        pass

    try:
        write_atomic(target, object())  # type: ignore[arg-type]  # fails while writing
    except TypeError:
        pass
    assert target.read_text() == "new\n"
    assert [p.name for p in tmp_path.iterdir()] == ["a.py"]


def test_fix_result_that_would_not_compile_is_refused(tmp_path, cli):
    """A rule whose fix repeats a keyword: the engine compiles the result and keeps the file."""
    rules = tmp_path / "badfix"
    write(rules / "dup.py", '''
import libcst as cst
from repolens.lint import Example, Rule, Severity


class DupKeyword(Rule):
    """
    ## What it does
    Adds a keyword twice (a broken fix).

    ## Why is this bad?
    Test.

    ## Example
    f(a=1)

    ## Use instead
    f()
    """
    code = "BAD001"
    name = "dup-keyword"
    severity = Severity.INFO
    fix_safety = "safe"
    valid = (Example("g()\\n"),)
    invalid = (Example("f(a=1)\\n"),)

    def visit_Call(self, node):
        if self.is_name(node.func, "f") and len(node.args) == 1:
            self.report(node, replacement=node.with_changes(args=[*node.args, node.args[0]]))
''')
    proj = tmp_path / "p"
    write(proj / "pyproject.toml", '[tool.repolens]\nselect = ["BAD"]\nextend-rules = ["../badfix"]\n')
    path = write(proj / "a.py", "f(a=1)\n")
    result = cli("lint", proj, "--fix", "--no-cache", "--config", proj / "pyproject.toml")
    assert path.read_text() == "f(a=1)\n"
    assert "would not compile" in result.stderr
