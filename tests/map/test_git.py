"""Git facts through gitpython, on real repositories made in a temporary folder."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from repolens import gitinfo
from repolens.mapper import MapError, build_map

pytestmark = pytest.mark.skipif(subprocess.run(["git", "--version"], capture_output=True).returncode != 0,
                                reason="git is not installed")


def git(cwd: Path, *args: str, date: str = "2024-01-02T10:00:00") -> None:
    env = {**os.environ, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date,
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@e"}
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / "model.py").write_text("import torch.nn as nn\nclass Net(nn.Module):\n    pass\n")
    (root / "train.py").write_text("print('v1')\n")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "one", date="2024-01-02T10:00:00")
    (root / "train.py").write_text("print('v2')\n")
    git(root, "commit", "-q", "-am", "two", date="2024-03-05T10:00:00")
    return root


def test_per_file_commits_and_last_change_in_one_log_pass(repo: Path):
    info = gitinfo.git_info(repo)
    assert info is not None and len(info.head) == 40
    assert info.files["train.py"].commits == 2
    assert info.files["train.py"].last_change == "2024-03-05"
    assert info.files["model.py"].commits == 1
    assert info.files["model.py"].last_change == "2024-01-02"


def test_subfolder_of_a_repo_gets_paths_relative_to_itself(repo: Path):
    sub = repo / "pkg"
    sub.mkdir()
    (sub / "a.py").write_text("x = 1\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "three", date="2024-04-01T10:00:00")
    m = build_map(str(sub))
    assert m.git is not None and set(m.git.files) == {"a.py"}


def test_plain_folder_has_no_git(tmp_path: Path):
    (tmp_path / "a.py").write_text("x = 1\n")
    assert build_map(str(tmp_path)).git is None
    assert gitinfo.is_git_repo(tmp_path) is False


def test_git_url_is_cloned_to_a_temporary_folder_and_removed(repo: Path, monkeypatch, tmp_path: Path):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    m = build_map(f"file://{repo}")
    assert m.root == f"file://{repo}"
    assert {f.path for f in m.files} == {"model.py", "train.py"}
    assert m.git is not None and m.git.files["train.py"].commits == 2
    assert list(scratch.iterdir()) == []  # the clone is gone


def test_bare_repository_path_is_cloned(repo: Path, tmp_path: Path):
    bare = tmp_path / "bare.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(repo), str(bare)], check=True)
    m = build_map(str(bare))
    assert {f.path for f in m.files} == {"model.py", "train.py"}


def test_url_that_cannot_be_cloned_is_a_map_error(tmp_path: Path):
    with pytest.raises(MapError, match="cannot clone"):
        build_map(f"file://{tmp_path}/nowhere.git")


def test_url_detection():
    assert gitinfo.looks_like_git_url("https://github.com/a/b")
    assert gitinfo.looks_like_git_url("git@github.com:a/b.git")
    assert gitinfo.looks_like_git_url("file:///tmp/x")
    assert gitinfo.looks_like_git_url("some/path.git")
    assert not gitinfo.looks_like_git_url("some/folder")


def test_a_tracked_file_that_gitignore_matches_is_mapped_and_an_ignored_untracked_one_is_not(repo: Path):
    # A datasets/ folder of preparation scripts, committed before the ignore rule was written.
    (repo / "datasets").mkdir()
    (repo / "datasets" / "prepare_coco.py").write_text("import json\nprint(json.dumps({}))\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "datasets")
    (repo / ".gitignore").write_text("datasets/\n*.ckpt.py\nscratch/\n")
    (repo / "datasets" / "cache_dump.py").write_text("x = 1\n")  # untracked under an ignored folder
    (repo / "run.ckpt.py").write_text("x = 1\n")  # untracked, ignored by pattern
    (repo / "new_eval.py").write_text("print('new')\n")  # untracked, not ignored: it is listed
    (repo / "scratch").mkdir()
    (repo / "scratch" / "try.py").write_text("x = 1\n")
    paths = {f.path for f in build_map(str(repo)).files}
    assert paths == {"model.py", "train.py", "datasets/prepare_coco.py", "new_eval.py"}


def test_the_git_list_is_used_from_a_subfolder_and_a_plain_folder_still_honours_gitignore(repo: Path, tmp_path: Path):
    (repo / "pkg").mkdir()
    (repo / "pkg" / "kept.py").write_text("x = 1\n")
    (repo / "pkg" / "gen.py").write_text("x = 1\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "pkg")
    (repo / "pkg" / ".gitignore").write_text("gen.py\n")  # tracked before the rule: still mapped
    assert {f.path for f in build_map(str(repo / "pkg")).files} == {"kept.py", "gen.py"}
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / ".gitignore").write_text("gen/\n")
    (plain / "gen").mkdir()
    (plain / "gen" / "out.py").write_text("x = 1\n")
    (plain / "a.py").write_text("x = 1\n")
    assert {f.path for f in build_map(str(plain)).files} == {"a.py"}


def test_a_submodule_like_nested_repository_is_walked(repo: Path):
    nested = repo / "third_party" / "lib"
    nested.mkdir(parents=True)
    git(nested, "init", "-q", "-b", "main")
    (nested / "layers.py").write_text("import torch.nn as nn\nclass L(nn.Module):\n    pass\n")
    paths = {f.path for f in build_map(str(repo)).files}
    assert "third_party/lib/layers.py" in paths


def test_a_clone_reports_its_stages(repo: Path, tmp_path: Path):
    bare = tmp_path / "bare.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(repo), str(bare)], check=True)
    stages: list[str] = []
    build_map(str(bare), status=stages.append)
    assert stages == [f"cloning {bare}", "mapping"]


def test_a_failed_clone_says_why_in_gits_own_words(tmp_path: Path):
    with pytest.raises(MapError) as info:
        build_map(f"file://{tmp_path}/nowhere.git")
    message = str(info.value)
    assert message.startswith(f"cannot clone file://{tmp_path}/nowhere.git: fatal:")
    assert "does not appear to be a git repository" in message or "not a git repository" in message


def test_an_unreachable_ssh_url_fails_without_waiting_or_prompting(tmp_path: Path):
    # Port 1 refuses at once; BatchMode keeps ssh from asking for a password or a host key.
    result = subprocess.run(
        [sys.executable, "-m", "repolens", "map", "ssh://git@127.0.0.1:1/x.git", "--format", "json"],
        capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert result.returncode == 2 and result.stdout == ""
    assert "cannot clone ssh://git@127.0.0.1:1/x.git: " in result.stderr
    reason = result.stderr.split("x.git: ", 1)[1].strip()
    assert reason and reason != "git gave no reason"


def test_a_clone_that_gets_no_answer_stops_at_the_time_limit(tmp_path: Path):
    with socket.socket() as server:  # accepts the connection, never says a word
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        with pytest.raises(MapError, match=r"no result after 2 s \(the clone time limit\)"):
            build_map(f"git://127.0.0.1:{port}/x.git", clone_timeout=2)


def test_credentials_in_a_url_never_reach_the_error_message():
    with pytest.raises(MapError) as info:
        build_map("https://user:s3cret-token@127.0.0.1:1/x.git", clone_timeout=30)
    assert "s3cret" not in str(info.value)
    assert "cannot clone https://127.0.0.1:1/x.git" in str(info.value)


@pytest.mark.parametrize(("remote", "web"), [
    ("git@github.com:owner/repo.git", "https://github.com/owner/repo/blob/HEADSHA"),
    ("ssh://git@github.com:22/owner/repo", "https://github.com/owner/repo/blob/HEADSHA"),
    ("https://user:token@github.com/owner/repo.git", "https://github.com/owner/repo/blob/HEADSHA"),
    ("https://gitlab.com/group/sub/repo.git", "https://gitlab.com/group/sub/repo/-/blob/HEADSHA"),
    ("https://bitbucket.org/owner/repo.git", None),
    ("/srv/git/repo.git", None),
])
def test_web_address_of_a_remote(remote: str, web: str | None):
    assert gitinfo.web_base(remote, "HEADSHA") == web


def test_the_map_of_a_clone_links_to_its_github_origin(repo: Path):
    git(repo, "remote", "add", "origin", "git@github.com:owner/repo.git")
    m = build_map(str(repo))
    assert m.git is not None and m.git.web == f"https://github.com/owner/repo/blob/{m.git.head}"
    assert m.to_json()["git"]["web"] == m.git.web
