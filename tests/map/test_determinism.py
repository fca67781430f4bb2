"""The JSON map and lint report are the same bytes whatever the hash seed and the number of worker
processes, and shell-script commands are attributed to the file they run, from the folder they run in."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from multi_project import multi_project_tree

from repolens.mapper import build_map
from repolens.mapper.build import SERIAL_BELOW
from repolens.discover import discover
from repolens.mapper.commands import PathIndex, command_lines, read_shell_scripts, shell_script_commands
from repolens.mapper.entrypoints import program_of
from repolens.mapper.context import MapContext
from repolens.project.model import ProjectModel
from repolens.mapper.summary import summarize_file

EXAMPLES = ("mnist", "cifar", "imnet", "texts", "audio")  # same length: no tie broken by length


def _map_json(tree: Path, seed: str, jobs: int) -> bytes:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    out = subprocess.run([sys.executable, "-m", "repolens", "map", str(tree), "--format", "json", "--jobs", str(jobs)],
                         capture_output=True, env=env, timeout=120, check=True)
    return out.stdout


def test_json_is_byte_identical_across_hash_seeds_and_job_counts(tmp_path):
    tree = multi_project_tree(tmp_path / "mono", EXAMPLES)
    assert sum(1 for _ in tree.rglob("*.py")) >= SERIAL_BELOW  # --jobs 2 really uses workers
    runs = {(seed, jobs): _map_json(tree, seed, jobs) for seed in ("0", "1", "2") for jobs in (1, 2)}
    first = runs[("0", 1)]
    assert json.loads(first)["files"]  # a real map, not an empty one
    for key, data in runs.items():
        assert data == first, f"PYTHONHASHSEED={key[0]} --jobs {key[1]} differs from PYTHONHASHSEED=0 --jobs 1"


def test_each_script_command_is_attributed_to_the_main_py_of_its_folder(tmp_path):
    tree = multi_project_tree(tmp_path / "mono", EXAMPLES)
    summaries = {f.rel: summarize_file(str(f.path), f.rel, f.kind) for f in discover(tree).files}
    project = MapContext(summaries, ProjectModel([s.info for s in summaries.values() if s.info is not None]))
    paths = PathIndex(project.summaries)
    others = [f.rel for f in discover(tree, include_others=True).others]
    runs = {f"{c.source}:{c.line}": program_of(c, paths, project) for c in shell_script_commands(read_shell_scripts(tree, others))}
    expected = {f"{name}/run.sh:3": f"{name}/main.py" for name in EXAMPLES}
    expected.update({f"run_all.sh:{i}": f"{name}/main.py" for i, name in enumerate(EXAMPLES, 2)})
    assert runs == expected  # and nothing from the commented-out lines
    by_evidence = {e.evidence: e.path for e in build_map(str(tree)).entrypoints}
    assert by_evidence["README.md:6"] == "mnist/main.py"  # `cd mnist && python main.py`


def test_a_commented_out_command_is_never_an_entrypoint(tmp_path):
    tree = multi_project_tree(tmp_path / "mono", EXAMPLES)
    entrypoints = build_map(str(tree)).entrypoints
    assert not [e for e in entrypoints if e.kind == "shell-script" and e.path == "legacy/main.py"]
    assert not [e for e in entrypoints if e.evidence.endswith("run.sh:4")]


def test_cd_moves_the_folder_a_script_command_runs_in():
    paths = PathIndex(["main.py", "a/main.py", "b/main.py", "b/tools/train.py", "scripts/main.py"])
    lines = [
        "python main.py",  # scripts/run.sh from the root or its own folder: its sibling first
        "cd ../a",
        "python main.py   # trailing comment",
        "(cd ../b && python tools/train.py)",
        "python main.py",  # the subshell's cd did not move the script
        'cd "$(dirname "$0")"',
        "echo done # python b/main.py",
        "  # python ../b/main.py",
        "cd /abs/elsewhere",
        "python main.py",
    ]
    cmds = command_lines("scripts/run.sh", lines, shell=True)
    got = [(c.line, c.text, paths.resolve(c.text.split()[1], c.bases)) for c in cmds]
    assert got == [
        (1, "python main.py", "scripts/main.py"),
        (3, "python main.py", "a/main.py"),
        (4, "python tools/train.py", "b/tools/train.py"),
        (5, "python main.py", "a/main.py"),
        (10, "python main.py", "scripts/main.py"),  # an unknown folder: back to the script's own
    ]


def test_an_ambiguous_bare_name_goes_to_the_nearest_file_whatever_the_order():
    rels = ["x/one/main.py", "x/two/main.py", "y/main.py"]
    for order in (rels, rels[::-1]):
        assert PathIndex(order).resolve("main.py", ("x/two",)) == "x/two/main.py"
        assert PathIndex(order).resolve("main.py", ("z",)) == "y/main.py"  # then the shortest


def _lint_json(tree: Path, seed: str, jobs: int) -> bytes:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    out = subprocess.run([sys.executable, "-m", "repolens", "lint", str(tree), "--format", "json", "--select", "ALL",
                          "--no-cache", "--jobs", str(jobs)], capture_output=True, env=env, timeout=300)
    assert out.returncode in (0, 1), out.stderr
    return out.stdout


def test_lint_json_is_byte_identical_across_hash_seeds_and_job_counts(tmp_path):
    tree = multi_project_tree(tmp_path / "mono", EXAMPLES)
    runs = {(seed, jobs): _lint_json(tree, seed, jobs) for seed in ("0", "1", "2") for jobs in (1, 2)}
    first = runs[("0", 1)]
    assert json.loads(first)  # findings, not an empty report: the comparison means something
    for key, data in runs.items():
        assert data == first, f"PYTHONHASHSEED={key[0]} --jobs {key[1]} differs from PYTHONHASHSEED=0 --jobs 1"
