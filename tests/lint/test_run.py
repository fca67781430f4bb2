"""The run: discovery and excludes, RL000 and bad files, notebooks, suppressions, order, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from _lintkit import write


def lint_json(cli, *args):
    result = cli("lint", *args, "--format", "json", "--no-cache")
    return result, json.loads(result.stdout or "[]")


def test_findings_follow_the_json_contract(project, cli):
    write(project / "a.py", "print('x')\n")
    result, found = lint_json(cli, project)
    assert result.exit_code == 1
    assert found == [{"rule": "TST001", "name": "no-print", "severity": "warning", "path": "a.py", "line": 1,
                      "column": 1, "end_line": 1, "end_column": 11, "message": "print() call", "fixable": False}]


def test_broken_file_gives_rl000_and_the_run_goes_on(project, cli):
    write(project / "a_broken.py", "def f(:\n    print(1)\n")
    write(project / "b.py", "print(2)\n")
    result, found = lint_json(cli, project)
    assert [(f["rule"], f["path"], f["severity"]) for f in found] == [
        ("RL000", "a_broken.py", "error"), ("TST001", "b.py", "warning")]
    assert found[0]["line"] == 1 and found[0]["name"] == "syntax-error"


def test_broken_file_that_no_rule_could_match_still_gives_rl000(project, cli):
    # no needle of any enabled rule occurs: the libcst parse is skipped, the facts pass's ast parse tells
    write(project / "broken.py", "x = (\n")
    _, found = lint_json(cli, project)
    assert [(f["rule"], f["path"]) for f in found] == [("RL000", "broken.py")]


def test_unreadable_and_undecodable_files_are_problem_lines_and_the_run_goes_on(project, cli):
    (project / "latin.py").write_bytes(b"# \xe9t\xe9\nprint(1)\n")  # no coding cookie, not UTF-8
    (project / "huge.py").write_bytes(b"x = 1\n" * 400_000)  # 2.4 MB: over the size limit
    write(project / "ok.py", "print(3)\n")
    result, found = lint_json(cli, project)
    assert {f["path"] for f in found} == {"latin.py", "ok.py"}  # Latin-1 text is still linted
    assert "latin.py: " in result.stderr and "read as" in result.stderr
    assert "huge.py: skipped:" in result.stderr


def test_empty_bom_and_crlf_files_are_fine(project, cli):
    write(project / "empty.py", "")
    (project / "bom.py").write_bytes(b"\xef\xbb\xbfprint(1)\r\n")
    _, found = lint_json(cli, project)
    assert [(f["path"], f["line"], f["column"]) for f in found] == [("bom.py", 1, 1)]


def test_gitignore_and_exclude_are_honoured(project, cli):
    (project / "pyproject.toml").write_text((project / "pyproject.toml").read_text() + 'exclude = ["gen"]\n')
    write(project / ".gitignore", "build/\n")
    write(project / "build" / "a.py", "print(1)\n")
    write(project / "gen" / "b.py", "print(1)\n")
    write(project / "src" / "c.py", "print(1)\n")
    _, found = lint_json(cli, project)
    assert [f["path"] for f in found] == ["src/c.py"]


def test_archived_folders_are_excluded_by_default_until_exclude_is_set(project, cli):
    # BiSeNet keeps its original implementation under old/: nobody would change that code
    write(project / "old" / "train.py", "print(1)\n")
    write(project / "tools" / "deprecated" / "eval.py", "print(1)\n")
    write(project / "backup" / "csmlv0.py", "print(1)\n")  # MAML-Pytorch's unfinished stubs
    write(project / "old_version" / "data.py", "print(1)\n")  # SAINT's copy that nothing imports
    write(project / "tools" / "train_amp.py", "print(1)\n")
    write(project / "models" / "old_resnet.py", "print(1)\n")  # a file, not an archive folder
    _, found = lint_json(cli, project)
    assert [f["path"] for f in found] == ["models/old_resnet.py", "tools/train_amp.py"]
    _, found = lint_json(cli, project / "old" / "train.py")
    assert [f["path"] for f in found] == ["old/train.py"]  # named explicitly: linted
    (project / "pyproject.toml").write_text((project / "pyproject.toml").read_text() + "exclude = []\n")
    _, found = lint_json(cli, project)
    assert [f["path"] for f in found] == ["backup/csmlv0.py", "models/old_resnet.py", "old/train.py",
                                          "old_version/data.py", "tools/deprecated/eval.py", "tools/train_amp.py"]


def test_excluded_file_named_explicitly_is_linted_unless_force_exclude(project, cli):
    (project / "pyproject.toml").write_text((project / "pyproject.toml").read_text() + 'exclude = ["gen"]\n')
    target = write(project / "gen" / "b.py", "print(1)\n")
    _, found = lint_json(cli, target)
    assert [f["path"] for f in found] == ["gen/b.py"]  # paths relative to the project root
    result, found = lint_json(cli, target, "--force-exclude")
    assert found == [] and result.exit_code == 0


def test_per_file_ignores_by_glob_and_by_file_name(project, cli):
    (project / "pyproject.toml").write_text((project / "pyproject.toml").read_text()
                                            + 'per-file-ignores = {"tests/*" = ["TST001"], "conf.py" = ["no-print"]}\n')
    write(project / "tests" / "t.py", "print(1)\n")
    write(project / "pkg" / "conf.py", "print(1)\n")
    write(project / "pkg" / "main.py", "print(1)\n")
    _, found = lint_json(cli, project)
    assert [f["path"] for f in found] == ["pkg/main.py"]


def test_suppression_comments_by_code_name_and_bare(project, cli):
    write(project / "a.py", """\
        print(1)  # repolens: ignore[TST001]
        print(2)  # repolens: ignore[no-print, TST002]
        print(3)  # repolens: ignore
        print(4)  # repolens: ignore[TST002]
        s = "# repolens: ignore"; print(5)
    """)
    _, found = lint_json(cli, project)
    assert [f["line"] for f in found] == [4, 5]  # a wrong code does not suppress; a string is not a comment


def test_suppression_on_first_or_last_line_of_a_multiline_statement(project, cli):
    write(project / "a.py", """\
        print(  # repolens: ignore[TST001]
            1,
        )
        print(
            2,
        )  # repolens: ignore[TST001]
        x = [
            print(3),  # repolens: ignore[TST001]
        ]
        print(
            4,
        )
    """)
    _, found = lint_json(cli, project)
    assert [f["line"] for f in found] == [10]


def test_notebook_code_cells_are_linted_with_cell_and_line(project, cli):
    nb = {"cells": [
        {"cell_type": "markdown", "source": ["# title\n"]},
        {"cell_type": "code", "source": ["%matplotlib inline\n", "x = 1\n"]},
        {"cell_type": "code", "source": ["y = 2\n", "print(y)\n"]},
    ], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    write(project / "nb.ipynb", json.dumps(nb))
    write(project / "bad.ipynb", "{not json")
    result, found = lint_json(cli, project)
    assert [(f["path"], f["cell"], f["line"], f["column"]) for f in found] == [("nb.ipynb", 2, 2, 1)]
    assert "bad.ipynb: broken notebook" in result.stderr


def test_project_facts_from_another_file_reach_the_rules(project, cli):
    write(project / "train.py", "fit()\n")
    _, found = lint_json(cli, project, "--select", "TST004")
    assert found == []
    write(project / "gpu.py", "model.cuda()\n")
    _, found = lint_json(cli, project, "--select", "TST004")
    assert [f["path"] for f in found] == ["train.py"]


def test_output_is_sorted_and_two_runs_print_the_same_bytes(project, cli):
    for name in ("z.py", "a.py", "m/b.py"):
        write(project / name, "x = 1; print(1); print(2)\nprint(3)\n")
    first = cli("lint", project, "--no-cache").stdout
    second = cli("lint", project, "--no-cache").stdout
    assert first == second
    _, found = lint_json(cli, project)
    keys = [(f["path"], f["line"], f["column"]) for f in found]
    assert keys == sorted(keys) and len(keys) == 9


def test_parallel_run_gives_the_same_findings_as_a_serial_one(project, cli):
    for i in range(60):
        write(project / f"m{i:02d}.py", "print(1)\nfrom torch.utils.data import DataLoader\nDataLoader(ds)\n")
    serial = cli("lint", project, "--no-cache", "--format", "json", "--jobs", "1").stdout
    parallel = cli("lint", project, "--no-cache", "--format", "json", "--jobs", "2").stdout
    assert serial == parallel and len(json.loads(serial)) == 120


@pytest.mark.parametrize(("fail_on", "code"), [("error", 0), ("warning", 1), ("info", 1), ("never", 0)])
def test_exit_code_follows_fail_on(project, cli, fail_on, code):
    write(project / "a.py", "print(1)\n")  # a warning
    assert cli("lint", project, "--no-cache", "--fail-on", fail_on).exit_code == code


def test_fail_on_from_config(project, cli):
    (project / "pyproject.toml").write_text((project / "pyproject.toml").read_text() + 'fail-on = "error"\n')
    write(project / "a.py", "print(1)\n")
    assert cli("lint", project, "--no-cache").exit_code == 0


def test_clean_project_exits_0_and_usage_errors_exit_2(project, cli, tmp_path):
    write(project / "a.py", "x = 1\n")
    assert cli("lint", project, "--no-cache").exit_code == 0
    assert cli("lint", tmp_path / "missing").exit_code == 2
    assert cli("lint", project, "--format", "xml").exit_code == 2
    assert cli("lint", project, "--fail-on", "sometimes").exit_code == 2


def test_exit_codes_from_a_real_process(project):
    write(project / "a.py", "print(1)\n")
    proc = subprocess.run([sys.executable, "-m", "repolens", "lint", str(project), "--no-cache", "-q"],
                          capture_output=True, text=True)
    assert proc.returncode == 1, proc.stderr
    assert "a.py:1:1: TST001" in proc.stdout
    assert "Found" not in proc.stdout  # --quiet: findings only, no summary


def test_statistics_counts_per_rule(project, cli):
    write(project / "a.py", "print(1)\nprint(2)\nimport torch\ntorch.load(p)\n")
    out = cli("lint", project, "--no-cache", "--statistics").stdout
    lines = [line.split("\t")[:2] for line in out.strip().splitlines()]
    assert ["2", "TST001"] in lines and ["1", "TST003"] in lines


def test_output_file_and_output_format_alias(project, cli, tmp_path):
    write(project / "a.py", "print(1)\n")
    out = tmp_path / "report.json"
    result = cli("lint", project, "--no-cache", "--output-format", "json", "--output", out)
    assert result.exit_code == 1 and result.stdout == ""
    assert json.loads(out.read_text())[0]["rule"] == "TST001"


def test_runtime_option_needs_the_text_format(project, cli):
    write(project / "a.py", "x = 1\n")
    result = cli("lint", project, "--runtime", "--no-cache", "--format", "json")
    assert result.exit_code == 2 and "--runtime" in result.stderr


@pytest.mark.slow
def test_runtime_runs_the_probe_after_the_findings(project, cli):
    pytest.importorskip("torch")
    write(project / "model.py", """\
        import torch.nn as nn


        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 3)

            def forward(self, x):
                return self.fc(x)
    """)
    write(project / "a.py", "print(1)\n")
    result = cli("lint", project, "--runtime", "--no-cache")
    assert "a.py:1:1: TST001" in result.stdout
    assert "initial loss" in result.stdout  # the probe's report follows the findings
    assert result.exit_code == 1


def test_excludes_and_root_gitignore_apply_when_a_subfolder_is_linted(project, cli):
    (project / "pyproject.toml").write_text((project / "pyproject.toml").read_text() + 'exclude = ["src/gen"]\n')
    write(project / ".gitignore", "build/\n/src/tmp_*.py\n")
    write(project / "src" / "build" / "a.py", "print(1)\n")
    write(project / "src" / "gen" / "b.py", "print(1)\n")
    write(project / "src" / "tmp_c.py", "print(1)\n")
    write(project / "src" / "keep.py", "print(1)\n")
    _, found = lint_json(cli, project / "src")
    assert [f["path"] for f in found] == ["src/keep.py"]


def test_rl000_names_the_old_python_form_that_no_longer_parses(project, cli):
    # PyTorch 0.3 research code: `.cuda(async=True)` (async became a reserved word in Python 3.7)
    write(project / "train.py", "import torch\nx = batch.cuda(async=True)\n")
    # libcst parses Python 2's `except E, e:`; CPython 3 does not, and its verdict decides
    write(project / "old_eval.py", "try:\n    print(run())\nexcept IOError, e:\n    pass\n")
    write(project / "new.py", "def f(:\n    pass\n")
    _, found = lint_json(cli, project)
    messages = {f["path"]: f["message"] for f in found if f["rule"] == "RL000"}
    assert "`async` is a reserved word since Python 3.7" in messages["train.py"]
    assert "non_blocking=True" in messages["train.py"]
    assert "`except E as e:`" in messages["old_eval.py"]
    assert messages["new.py"] == "syntax error: invalid syntax"  # no known form: CPython's words only
