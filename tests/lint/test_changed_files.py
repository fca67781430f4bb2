"""--staged and --since on real git repositories made in tmp folders."""

from __future__ import annotations

import json

import git

from _lintkit import write


def _repo(path):
    repo = git.Repo.init(path)
    with repo.config_writer() as cw:
        cw.set_value("user", "name", "t")
        cw.set_value("user", "email", "t@example.com")
    return repo


def paths(result):
    return [f["path"] for f in json.loads(result.stdout)]


def test_staged_in_a_repository_without_any_commit(project, cli):
    repo = _repo(project)
    write(project / "a.py", "print(1)\n")
    write(project / "b.py", "print(1)\n")
    repo.index.add(["a.py"])
    result = cli("lint", project, "--staged", "--no-cache", "--format", "json")
    assert paths(result) == ["a.py"]


def test_staged_lists_index_changes_against_head(project, cli):
    repo = _repo(project)
    write(project / "old.py", "print(1)\n")
    write(project / "gone.py", "print(1)\n")
    repo.index.add(["old.py", "gone.py", "pyproject.toml"])
    repo.index.commit("first")
    write(project / "old.py", "print(2)\n")  # changed but not staged
    write(project / "new.py", "print(1)\n")
    write(project / "mod.py", "print(1)\n")
    repo.index.add(["new.py"])
    repo.index.remove(["gone.py"], working_tree=True)
    result = cli("lint", project, "--staged", "--no-cache", "--format", "json")
    assert paths(result) == ["new.py"]
    repo.index.add(["old.py"])
    assert paths(cli("lint", project, "--staged", "--no-cache", "--format", "json")) == ["new.py", "old.py"]


def test_since_lists_changes_since_a_revision_plus_untracked(project, cli):
    repo = _repo(project)
    write(project / "a.py", "print(1)\n")
    write(project / "b.py", "print(1)\n")
    repo.index.add(["a.py", "b.py", "pyproject.toml"])
    first = repo.index.commit("first")
    write(project / "a.py", "print(1)\nprint(2)\n")
    repo.index.add(["a.py"])
    repo.index.commit("second")
    write(project / "c.py", "print(3)\n")  # untracked
    result = cli("lint", project, "--since", first.hexsha, "--no-cache", "--format", "json")
    assert sorted(set(paths(result))) == ["a.py", "c.py"]


def test_changed_files_are_intersected_with_the_given_paths(project, cli):
    repo = _repo(project)
    write(project / "src" / "a.py", "print(1)\n")
    write(project / "other" / "b.py", "print(1)\n")
    repo.index.add(["src/a.py", "other/b.py"])
    result = cli("lint", project / "src", "--staged", "--no-cache", "--format", "json")
    assert paths(result) == ["src/a.py"]


def test_staged_outside_git_is_one_clear_line_and_exit_2(project, cli):
    write(project / "a.py", "print(1)\n")
    result = cli("lint", project, "--staged")
    assert result.exit_code == 2
    assert "not inside a git repository" in result.stderr
    errors = [line for line in result.stderr.strip().splitlines() if not line.startswith("repolens: loading rules")]
    assert len(errors) == 1


def test_unknown_revision_is_exit_2(project, cli):
    _repo(project)
    write(project / "a.py", "print(1)\n")
    result = cli("lint", project, "--since", "no-such-rev")
    assert result.exit_code == 2 and "unknown revision" in result.stderr
