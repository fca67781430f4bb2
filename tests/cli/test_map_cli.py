"""`repolens map` on the command line: formats, --output, errors, problems, progress."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
from pathlib import Path

import git
import pytest
from typer.testing import CliRunner

from repolens.cli import app

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "fixtures"
SCHEMA = json.loads((REPO / "docs" / "map.schema.json").read_text(encoding="utf-8"))


def run(*args: str, cwd: Path | None = None):
    old = Path.cwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        return CliRunner().invoke(app, ["map", *args])
    finally:
        os.chdir(old)


@pytest.mark.parametrize("fixture", ["image_classifier", "mnist_script", "tiny_lm"])
def test_default_rich_map_of_each_fixture_reads_start_to_finish(fixture):
    result = run(str(FIXTURES / fixture))
    assert result.exit_code == 0, result.output
    out = result.stdout
    for heading in ("Start here", "Entrypoints", "Files", "Repo card", "Environment"):
        assert heading in out
    assert "★ core model" in out
    assert "\x1b[" not in out  # not a terminal: plain text
    assert max(len(line) for line in out.splitlines()) <= 100
    assert result.stderr == ""  # no progress bar when stderr is not a terminal


def test_target_defaults_to_the_current_folder():
    result = run("--format", "json", cwd=FIXTURES / "mnist_script")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["root"] == "."
    assert [f["path"] for f in data["files"]] == ["mnist.py"]


def test_json_output_is_the_contract_and_the_same_bytes_every_run():
    first = run(str(FIXTURES / "image_classifier"), "--format", "json")
    second = run(str(FIXTURES / "image_classifier"), "--format", "json", "--jobs", "1")
    assert first.exit_code == second.exit_code == 0
    assert first.stdout == second.stdout
    import jsonschema

    jsonschema.validate(json.loads(first.stdout), SCHEMA)
    assert first.stdout.endswith("}\n")


def test_markdown_and_html_go_to_stdout_when_no_output_file_is_named():
    markdown = run(str(FIXTURES / "tiny_lm"), "--format", "markdown")
    assert markdown.exit_code == 0 and markdown.stdout.startswith("# Reading map: tiny\\_lm")
    assert "```mermaid\nflowchart TD\n" in markdown.stdout
    page = run(str(FIXTURES / "tiny_lm"), "-f", "html")
    assert page.exit_code == 0 and page.stdout.startswith("<!DOCTYPE html>")


def test_output_file_is_written_atomically_and_one_line_says_where(tmp_path):
    target = tmp_path / "READING_MAP.md"
    target.write_text("old map\n", encoding="utf-8")
    result = run(str(FIXTURES / "image_classifier"), "--output", str(target))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr.strip() == f"Wrote the markdown reading map of {FIXTURES / 'image_classifier'} to {target}"
    assert target.read_text(encoding="utf-8").startswith("# Reading map: image\\_classifier")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["READING_MAP.md"]  # no temporary file left


@pytest.mark.parametrize(("name", "start"), [("map.json", "{\n"), ("map.html", "<!DOCTYPE html>"),
                                             ("map.txt", "╭")])
def test_output_suffix_picks_the_format_when_none_is_given(tmp_path, name, start):
    result = run(str(FIXTURES / "mnist_script"), "-o", str(tmp_path / name))
    assert result.exit_code == 0, result.output
    assert (tmp_path / name).read_text(encoding="utf-8").startswith(start)


def test_explicit_format_wins_over_the_output_suffix(tmp_path):
    result = run(str(FIXTURES / "mnist_script"), "--format", "json", "-o", str(tmp_path / "map.md"))
    assert result.exit_code == 0
    json.loads((tmp_path / "map.md").read_text(encoding="utf-8"))


def test_missing_path_is_one_red_line_on_stderr_and_exit_2(tmp_path):
    result = run(str(tmp_path / "nope"))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [f"repolens map: error: no such file or folder: {tmp_path / 'nope'}"]


def test_unwritable_output_folder_is_a_clear_error_and_exit_2(tmp_path):
    result = run(str(FIXTURES / "mnist_script"), "-o", str(tmp_path / "missing" / "map.md"))
    assert result.exit_code == 2
    assert result.stderr.startswith("repolens map: error: cannot write ")


def test_unknown_format_is_a_usage_error():
    result = run(str(FIXTURES / "mnist_script"), "--format", "xml")
    assert result.exit_code == 2
    assert "'xml' is not one of rich, json, markdown, html" in result.output


def _broken_project(tmp_path: Path) -> Path:
    project = tmp_path / "proj"
    project.mkdir()
    (project / "train.py").write_text("import torch\n\nloss.backward()\noptimizer.step()\n", encoding="utf-8")
    (project / "broken.py").write_text("def f(:\n    pass\n", encoding="utf-8")
    return project


def test_problems_go_to_stderr_with_json_so_stdout_stays_valid_json(tmp_path):
    result = run(str(_broken_project(tmp_path)), "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert any(p.startswith("broken.py") for p in data["problems"])
    assert "1 problem (the run went on)" in result.stderr
    assert "broken.py" in result.stderr


def test_problems_are_a_section_of_the_rich_and_markdown_maps(tmp_path):
    project = _broken_project(tmp_path)
    rich = run(str(project))
    assert re.search(r"^Problems ─", rich.stdout, flags=re.M) and "! broken.py" in rich.stdout
    markdown = run(str(project), "-f", "markdown")
    assert "## Problems\n\n- broken.py" in markdown.stdout


def test_a_git_repository_shows_its_head_in_the_header(tmp_path):
    project = _broken_project(tmp_path)
    repo = git.Repo.init(project)
    repo.index.add(["train.py", "broken.py"])
    commit = repo.index.commit("first")
    result = run(str(project))
    assert f"git {commit.hexsha[:10]}" in result.stdout.splitlines()[1]


def _run_with_terminal_stderr(*args: str) -> tuple[bytes, bytes, int]:
    """A real subprocess whose stderr is a pseudo-terminal (as in a shell), stdout a pipe."""
    leader, follower = pty.openpty()
    env = {**os.environ, "COLUMNS": "100", "TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)
    proc = subprocess.Popen([sys.executable, "-m", "repolens", "map", *args], cwd=REPO, stdout=subprocess.PIPE,
                            stderr=follower, env=env)
    os.close(follower)
    seen = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    out = proc.stdout.read()
    proc.wait(timeout=60)
    os.close(leader)
    return out, seen, proc.returncode


def test_progress_bar_shows_on_a_terminal_only_for_the_rich_format(tmp_path):
    out, err, code = _run_with_terminal_stderr("fixtures/tiny_lm", "-o", str(tmp_path / "map.txt"))
    assert code == 0
    assert b"mapping" in err and b"files" in err
    out, err, code = _run_with_terminal_stderr("fixtures/tiny_lm", "--format", "json")
    assert code == 0
    assert b"mapping" not in err
    json.loads(out)


def test_a_clone_shows_a_cloning_state_before_the_file_count(tmp_path):
    source = git.Repo.init(tmp_path / "src")
    (tmp_path / "src" / "train.py").write_text("print('hi')\n")
    source.index.add(["train.py"])
    source.index.commit("first")
    bare = tmp_path / "bare.git"
    source.clone(str(bare), bare=True)
    out, err, code = _run_with_terminal_stderr(str(bare), "-o", str(tmp_path / "map.txt"))
    assert code == 0
    assert f"cloning {bare}".encode() in err
    assert err.index(b"cloning") < err.rindex(b"mapping")


def test_clone_timeout_is_an_option_and_an_unreachable_url_exits_2():
    result = run("ssh://git@127.0.0.1:1/x.git", "--clone-timeout", "20")
    assert result.exit_code == 2
    assert "cannot clone ssh://git@127.0.0.1:1/x.git: " in result.stderr
    assert run("x", "--clone-timeout", "0").exit_code == 2  # at least a second


@pytest.mark.parametrize(("columns", "widest"), [("60", 60), ("140", 140), (None, 100)])
def test_piped_rich_map_takes_its_width_from_columns(columns, widest):
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    if columns:
        env["COLUMNS"] = columns
    out = subprocess.run([sys.executable, "-m", "repolens", "map", "fixtures/image_classifier"], cwd=REPO,
                         capture_output=True, text=True, env=env, timeout=120, check=True).stdout
    lines = out.splitlines()
    assert max(len(line) for line in lines) == widest  # the header panel spans the full width


def test_rich_map_on_a_terminal_takes_the_terminal_width():
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 72, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    proc = subprocess.Popen([sys.executable, "-m", "repolens", "map", "fixtures/image_classifier"], cwd=REPO,
                            stdout=follower, stderr=subprocess.DEVNULL, env={**env, "TERM": "xterm"})
    os.close(follower)
    seen = b""
    while select.select([leader], [], [], 60)[0]:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    proc.wait(timeout=60)
    os.close(leader)
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", seen.decode("utf-8", "replace"))
    lines = [line.rstrip() for line in text.replace("\r", "").splitlines()]
    assert "Start here" in text
    assert max(len(line) for line in lines) == 72
