"""The cache: a warm run over an unchanged tree parses nothing; changes and corruption are handled."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from repolens.lint.config import load_config
from repolens.lint.engine import lint_targets
from repolens.lint.settings import resolve_settings
from repolens.lint.targets import collect_targets

from _lintkit import write


def run(root: Path, **kw):
    settings = resolve_settings(load_config(root / "pyproject.toml"), **kw.pop("selection", {}))
    targets = collect_targets([root], settings.root, exclude=settings.exclude).targets
    return lint_targets(targets, settings, **kw)


def test_warm_run_parses_no_file_and_gives_the_same_findings(project):
    for i in range(5):
        write(project / f"m{i}.py", "print(1)\n")
    cold = run(project)
    warm = run(project)
    assert cold.parsed_files == 5 and cold.cached_files == 0
    assert warm.parsed_files == 0 and warm.cached_files == 5
    assert warm.findings == cold.findings


def test_cache_folder_is_tagged_and_ignored_by_git(project):
    write(project / "a.py", "print(1)\n")
    run(project)
    cache = project / ".repolens_cache"
    assert (cache / ".gitignore").read_text().strip().endswith("*")
    assert (cache / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")


def test_changed_file_is_linted_again_and_the_others_come_from_the_cache(project):
    write(project / "a.py", "print(1)\n")
    b = write(project / "b.py", "print(1)\n")
    run(project)
    b.write_text("x = 1\nprint(2)\nprint(3)\n")
    again = run(project)
    assert again.parsed_files == 1 and again.cached_files == 1
    assert [(f.path, f.line) for f in again.findings] == [("a.py", 1), ("b.py", 2), ("b.py", 3)]


def test_a_change_in_project_facts_invalidates_the_results(project):
    write(project / "train.py", "fit()\n")
    first = run(project, selection={"select": ["TST004"]})
    write(project / "gpu.py", "x.cuda()\n")  # a new file changes the project facts
    second = run(project, selection={"select": ["TST004"]})
    assert first.findings == () and [f.path for f in second.findings] == ["train.py"]


def test_different_settings_do_not_share_results(project):
    write(project / "a.py", "print(1)\nimport torch\ntorch.load(p)\n")
    run(project, selection={"select": ["TST001"]})
    other = run(project, selection={"select": ["TST003"]})
    assert other.parsed_files == 1 and [f.rule for f in other.findings] == ["TST003"]


def test_corrupt_cache_files_are_ignored(project):
    write(project / "a.py", "print(1)\n")
    cold = run(project)
    for path in (project / ".repolens_cache").rglob("*.json"):
        path.write_text("{not json")
    again = run(project)
    assert again.findings == cold.findings and again.parsed_files == 1
    entries = next((project / ".repolens_cache").rglob("lint-*.json"))
    data = json.loads(entries.read_text())
    data["entries"]["a.py"]["r"] = [["garbage"]]
    entries.write_text(json.dumps(data))
    assert run(project).findings == cold.findings


def test_cache_file_from_a_clone_never_runs_code(project):
    """The cache is JSON: a planted file is data at worst, never executed."""
    write(project / "a.py", "print(1)\n")
    run(project)
    entries = next((project / ".repolens_cache").rglob("lint-*.json"))
    assert json.loads(entries.read_text())["entries"]["a.py"]["r"][0][4] == "TST001"


def test_no_cache_and_cache_dir(project, tmp_path, cli):
    write(project / "a.py", "print(1)\n")
    cli("lint", project, "--no-cache")
    assert not (project / ".repolens_cache").exists()
    elsewhere = tmp_path / "c"
    cli("lint", project, "--cache-dir", elsewhere)
    assert (elsewhere / "CACHEDIR.TAG").exists() and not (project / ".repolens_cache").exists()


def test_fix_on_a_warm_cache_still_fixes(project, cli):
    path = write(project / "a.py", "from torch.utils.data import DataLoader\nDataLoader(ds)\n")
    cli("lint", project)
    cli("lint", project, "--fix")
    assert "pin_memory=True" in path.read_text()
    # after the fix the cache holds the new content's results
    result = cli("lint", project, "--format", "json")
    assert json.loads(result.stdout) == []


def test_same_size_same_mtime_edit_is_the_known_limit_of_stat_checks(project):
    """Documented trade (as in ruff): the cache trusts size+mtime; a touch makes it re-read."""
    a = write(project / "a.py", "print(1)\n")
    run(project)
    st = a.stat()
    a.write_text("x=(1)\n")  # same size
    os.utime(a, ns=(st.st_atime_ns, st.st_mtime_ns + 1))
    assert run(project).findings == ()


def test_rule_catalogue_is_cached_and_refreshed_when_a_rule_file_changes(project, tiny_rules):
    from repolens.lint.catalogue import load_catalogue

    cache = project / "c"
    cache.mkdir()
    first = {r.code: r for r in load_catalogue([tiny_rules], cache)}
    assert (cache / "rules.json").exists() and first["TST001"].cls is not None
    again = {r.code: r for r in load_catalogue([tiny_rules], cache)}
    assert again["TST001"].cls is None and again["TST001"] == first["TST001"]  # metadata only, from JSON
    path = tiny_rules / "tiny.py"
    path.write_text(path.read_text().replace('message = "print() call"', 'message = "a print() call here"'))
    changed = {r.code: r for r in load_catalogue([tiny_rules], cache)}
    assert changed["TST001"].message == "a print() call here"


def test_warm_run_imports_neither_libcst_nor_the_rules(project, tmp_path):
    """Timing-free evidence that a warm run does no parse: libcst is never even imported."""
    import subprocess
    import sys

    write(project / "a.py", "print(1)\n")
    script = f"""
import sys
from pathlib import Path
from repolens.lint.config import load_config
from repolens.lint.engine import lint_targets
from repolens.lint.settings import resolve_settings
from repolens.lint.targets import collect_targets
from repolens.lint.cache import prepare_cache_dir

root = Path({str(project)!r})
cfg = load_config(root / "pyproject.toml")
settings = resolve_settings(cfg, catalogue_cache=prepare_cache_dir(root / ".repolens_cache"))
run = lint_targets(collect_targets([root], root).targets, settings)
print(run.parsed_files, len(run.findings), "libcst" in sys.modules)
"""
    cold = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    warm = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert cold.stdout.split() == ["1", "1", "True"], cold.stderr
    assert warm.stdout.split() == ["0", "1", "False"], warm.stderr


def test_the_cli_loads_neither_libcst_nor_git_until_a_command_needs_them():
    # `repolens --help`, `map` and a warm `lint` never pay for libcst's import; map never for git
    # unless the folder is a repository.
    code = "import sys, repolens.cli; print('libcst' in sys.modules, 'git' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_facts_written_with_other_fields_are_not_read_back(project):
    """A facts cache from a build whose FileFacts had other fields (same version string) is a miss,
    not facts with a field silently at its empty default."""
    from repolens import __version__
    from repolens.lint.cache import JsonStore
    from repolens.lint.facts import facts_shape

    write(project / "a.py", "print(1)\n")
    run(project)
    [facts] = list((project / ".repolens_cache").rglob("facts.json"))
    data = json.loads(facts.read_text())
    assert data["key"] == f"{__version__}:{facts_shape()}" and data["entries"]
    data["key"] = f"{__version__}:0123456789ab"  # as an older build of the same version wrote it
    facts.write_text(json.dumps(data))
    assert JsonStore(facts, f"{__version__}:{facts_shape()}").get("a.py") is None


def test_gpu_use_in_a_neighbouring_file_invalidates_the_cached_results(project):
    # RL101 asks for GPU evidence within two imports of the loader's file (ProjectModel.gpu_near):
    # a file that starts moving tensors to CUDA changes an unchanged neighbour's findings
    write(project / "data.py", "from torch.utils.data import DataLoader\nfrom torchvision import transforms\n"
                               "train_loader = DataLoader(train_set, batch_size=64, shuffle=True, num_workers=4)\n")
    train = write(project / "train.py", "from data import train_loader\nfor x, y in train_loader:\n    step(x, y)\n")
    write(project / "bench.py", "import torch\nx = torch.ones(1).cuda()\n")  # the project uses a GPU elsewhere
    first = run(project, selection={"select": ["RL101"]})
    assert [f.path for f in first.findings] == []
    train.write_text("from data import train_loader\nfor x, y in train_loader:\n    step(x.cuda(), y.cuda())\n")
    second = run(project, selection={"select": ["RL101"]})
    assert [f.path for f in second.findings] == ["data.py"]


def test_pinning_in_another_file_invalidates_the_cached_results(project):
    # RL103 is silent in a project that pins nothing anywhere (ProjectModel.pins_memory): a loader
    # that starts pinning in data.py changes the findings of the unchanged train.py
    write(project / "images.py", "from PIL import Image\nimg = Image.open(path)\n")  # the batches are pixels
    loader = write(project / "data.py", "from torch.utils.data import DataLoader\n"
                                        "def get_loader(ds):\n    return make(DataLoader, ds)\n")
    write(project / "train.py", "import torch\nfrom data import get_loader\ndevice = torch.device('cuda')\n"
                                "def train(model, train_loader):\n    for x, y in train_loader:\n"
                                "        x = x.to(device)\n        model(x, y).backward()\n")
    first = run(project, selection={"select": ["RL103"]})
    assert [f.path for f in first.findings] == []
    loader.write_text("from torch.utils.data import DataLoader\n"
                      "def get_loader(ds):\n    return DataLoader(ds, pin_memory=True)\n")
    second = run(project, selection={"select": ["RL103"]})
    assert [f.path for f in second.findings] == ["train.py"]


def test_an_image_reader_in_another_file_invalidates_the_cached_results(project):
    # RL101 takes the batches of a loader with no image reading near it for token ids
    # (ProjectModel.images_near): a file it imports that starts reading images changes an unchanged
    # loader's findings
    write(project / "train.py", "import torch\nfrom torch.utils.data import DataLoader\nfrom data import train_set\n"
                                "device = torch.device('cuda')\n"
                                "train_loader = DataLoader(train_set, batch_size=64, shuffle=True, num_workers=4)\n")
    data = write(project / "data.py", "import json\n")
    assert [f.path for f in run(project, selection={"select": ["RL101"]}).findings] == []
    data.write_text("import json\nfrom PIL import Image\nimg = Image.open(path)\n")
    assert [f.path for f in run(project, selection={"select": ["RL101"]}).findings] == ["train.py"]


def test_a_line_shift_above_a_call_of_a_project_function_keeps_the_other_files_cached(project):
    """What each call passes is a cross-file answer (`ProjectModel.argument_builder`); where the call
    sits is not: moving it must not relint the project."""
    write(project / "data.py", "def train(args, dataset):\n    return dataset\n")
    main = write(project / "main.py", "from data import train\ntrain(args, Images(root))\n")
    run(project)
    main.write_text("from data import train\n\n\ntrain(args, Images(root))\n")
    again = run(project)
    assert again.parsed_files == 1 and again.cached_files == 1
    main.write_text("from data import train\n\n\ntrain(args, TensorDataset(x))\n")  # what it passes changed
    assert run(project).parsed_files == 2
