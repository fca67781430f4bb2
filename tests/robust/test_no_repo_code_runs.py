"""Issue 11 item 4: map and lint, run from inside a repository full of modules that shadow the
standard library, import none of them (each would leave a trace file if it ran)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from _robustkit import repolens

SHADOWS = ["threading", "selectors", "typing", "subprocess", "select", "signal", "sitecustomize",
           "usercustomize", "multiprocessing/__init__", "concurrent/__init__", "json/__init__"]
N_FILES = 60  # above map's SERIAL_BELOW: workers are started


def _shadowing_repo(root: Path) -> Path:
    trace = root / "traces"
    trace.mkdir()
    repo = root / "repo"
    for name in SHADOWS:
        f = repo / f"{name}.py"
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(f"open({str(trace / name.replace('/', '.'))!r}, 'w').close()\n")
    (repo / "evil.pth").write_text(f"import os; open({str(trace / 'pth')!r}, 'w').close()\n")
    for i in range(N_FILES):
        (repo / f"m{i}.py").write_text(f'import torch\nx{i} = torch.load("w{i}.pt")\n')
    return repo


@pytest.mark.parametrize("command", [("map", "."), ("lint", ".", "--select", "ALL", "--jobs", "2", "--no-cache")])
def test_map_and_lint_import_nothing_of_the_analysed_repo(tmp_path: Path, command: tuple[str, ...]) -> None:
    repo = _shadowing_repo(tmp_path)
    # `python -m repolens` (current folder first on sys.path) and the console script
    r = repolens(*command, cwd=repo)
    assert r.returncode in (0, 1), r.stderr[-2000:]
    script = Path(sys.executable).with_name("repolens")
    if script.exists():
        r2 = subprocess.run([str(script), *command], cwd=repo, capture_output=True, text=True, timeout=300)
        assert r2.returncode in (0, 1), r2.stderr[-2000:]
    assert sorted(p.name for p in (tmp_path / "traces").iterdir()) == []
    assert "Traceback" not in r.stderr


def test_a_plain_python_c_would_have_imported_them(tmp_path: Path) -> None:
    """The trap is real: an interpreter started the way multiprocessing starts one runs them."""
    repo = _shadowing_repo(tmp_path)
    subprocess.run([sys.executable, "-c", "import selectors"], cwd=repo, capture_output=True,
                   env={k: v for k, v in os.environ.items() if k != "PYTHONSAFEPATH"})
    assert (tmp_path / "traces" / "selectors").exists()
