"""Adopting repolens on legacy code: --baseline and --add-suppressions."""

from __future__ import annotations

import json

from repolens.lint.suppress import add_suppressions

from _lintkit import write


def test_baseline_is_written_when_missing_then_only_new_findings_fail(project, tmp_path, cli):
    a = write(project / "a.py", "print(1)\nprint(2)\n")
    baseline = tmp_path / "baseline.json"
    first = cli("lint", project, "--no-cache", "--baseline", baseline)
    assert first.exit_code == 0 and baseline.exists()
    assert len(json.loads(baseline.read_text())["findings"]) == 2

    again = cli("lint", project, "--no-cache", "--baseline", baseline, "--format", "json")
    assert again.exit_code == 0 and json.loads(again.stdout) == []

    # lines shift (code added above): still the same findings; a third print is new
    a.write_text("import os\n\nprint(1)\nprint(2)\nprint(2)\n")
    shifted = cli("lint", project, "--no-cache", "--baseline", baseline, "--format", "json")
    assert shifted.exit_code == 1
    assert [(f["line"]) for f in json.loads(shifted.stdout)] == [5]


def test_broken_baseline_file_is_a_usage_error(project, tmp_path, cli):
    write(project / "a.py", "print(1)\n")
    bad = write(tmp_path / "b.json", "[]")
    result = cli("lint", project, "--no-cache", "--baseline", bad)
    assert result.exit_code == 2 and "not a repolens baseline" in result.stderr


def test_add_suppressions_writes_comments_then_the_run_is_clean(project, cli):
    path = write(project / "a.py", """\
        import torch
        print(1)
        print(  # keep me
            2,
        )
        x = torch.load(p)  # note
        s = '''
        print(3)'''; print(4)
    """)
    result = cli("lint", project, "--no-cache", "--add-suppressions")
    assert result.exit_code == 0
    text = path.read_text()
    assert "print(1)  # repolens: ignore[TST001]\n" in text
    assert ")  # repolens: ignore[TST001]\n" in text  # the statement's last line
    assert "torch.load(p)  # note  # repolens: ignore[TST003]" in text
    assert "print(3)'''; print(4)  # repolens: ignore[TST001]" in text
    assert cli("lint", project, "--no-cache").exit_code == 0
    second = cli("lint", project, "--no-cache", "--add-suppressions")
    assert path.read_text() == text and "Added 0" in second.stderr


def test_add_suppressions_extends_an_existing_comment():
    src = "f(x)  # repolens: ignore[TST002]\n"
    assert add_suppressions(src, [(1, "TST001")]) == "f(x)  # repolens: ignore[TST001, TST002]\n"
    assert add_suppressions("f(x)  # repolens: ignore\n", [(1, "TST001")]) == "f(x)  # repolens: ignore\n"


def test_add_suppressions_keeps_crlf():
    assert add_suppressions("a\r\nprint(1)\r\n", [(2, "TST001")]) == "a\r\nprint(1)  # repolens: ignore[TST001]\r\n"
