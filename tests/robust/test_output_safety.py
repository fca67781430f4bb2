"""Issue 11 items 15 (SARIF URIs outside the root) and 16 (file names with control characters,
notebook problem positions)."""

from __future__ import annotations

import json
from pathlib import Path

from _robustkit import FIXABLE, repolens

from repolens.textsafe import printable

EVIL = "x\n::error file=evil.py::pwned\x1b[31m.py"


def test_sarif_uris_stay_under_srcroot_with_paths_outside_the_cwd(tmp_path: Path) -> None:
    for d in ("p1", "p2/sub", "cwd"):
        (tmp_path / d).mkdir(parents=True)
    (tmp_path / "p1" / "a.py").write_text(FIXABLE)
    (tmp_path / "p2" / "sub" / "b.py").write_text(FIXABLE)
    r = repolens("lint", "../p1", "../p2", "--select", "RL501", "--format", "sarif", "--no-cache", cwd=tmp_path / "cwd")
    run = json.loads(r.stdout)["runs"][0]
    base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    uris = sorted(res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for res in run["results"])
    assert uris == ["p1/a.py", "p2/sub/b.py"]
    assert base == tmp_path.resolve().as_uri() + "/"


def test_text_and_github_formats_escape_control_characters_in_file_names(tmp_path: Path) -> None:
    (tmp_path / EVIL).write_text(FIXABLE + "y = (\n")  # a syntax error: reported on that file
    (tmp_path / "ok.py").write_text(FIXABLE)
    for fmt in ("text", "github"):
        r = repolens("lint", ".", "--select", "RL501", "--format", fmt, "--no-cache", cwd=tmp_path)
        out = r.stdout + r.stderr
        assert "\x1b" not in out
        # no line of the output starts a workflow command except our own annotations
        forged = [line for line in out.splitlines() if line.startswith("::") and "evil.py::pwned" in line.split(",")[0]]
        assert forged == [], forged
        assert not any(line.startswith("::error file=evil.py") for line in out.splitlines())
    text = repolens("lint", ".", "--select", "RL501", "--no-cache", cwd=tmp_path).stdout
    assert "x\\n::error file=evil.py::pwned\\x1b[31m.py:3:5: RL000" in text


def test_printable_escapes_only_unsafe_characters() -> None:
    assert printable("a\tb\nc\x1bd\u202ee é") == "a\tb\\nc\\x1bd\\u202ee é"


def _notebook(cells: list[str]) -> str:
    return json.dumps({"cells": [{"cell_type": "code", "source": c, "metadata": {}, "outputs": [],
                                  "execution_count": None} for c in cells],
                       "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def test_notebook_problems_name_the_cell_and_its_line(tmp_path: Path) -> None:
    (tmp_path / "a.ipynb").write_text(_notebook(["import torch\nx = 1\n", "y = 2\nz = (\n"]))
    (tmp_path / "c.ipynb").write_text(_notebook(["import torch\n", "x = 1\n\x00\n"]))
    r = repolens("map", ".", "--format", "json", cwd=tmp_path)
    problems = json.loads(r.stdout)["problems"]
    assert "a.ipynb: does not parse: '(' was never closed (cell 2, line 2)" in problems
    assert "c.ipynb: does not parse: source code string cannot contain null bytes (cell 2, line 2)" in problems
    assert not any("None" in p for p in problems)
    lint = repolens("lint", ".", "--no-cache", cwd=tmp_path).stdout
    assert "a.ipynb:cell 2:2:5: RL000" in lint and "c.ipynb:cell 2:2:1: RL000" in lint
