"""map never imports or runs the code it analyses."""

from __future__ import annotations

from pathlib import Path

from repolens.mapper import build_map


def test_analysed_modules_are_never_imported_or_executed(tmp_path: Path):
    trace = tmp_path / "TRACE"
    code = f"open({str(trace)!r}, 'w').write('imported')\nimport torch.nn as nn\nclass Net(nn.Module):\n    pass\n"
    proj = tmp_path / "proj"
    (proj / "pkg").mkdir(parents=True)
    (proj / "pkg" / "__init__.py").write_text(code)
    (proj / "model.py").write_text(code)
    (proj / "setup.py").write_text(code + "from setuptools import setup\nsetup(name='x', entry_points="
                                   "{'console_scripts': ['x = model:main']})\n")
    (proj / "train.py").write_text(code + "if __name__ == '__main__':\n    pass\n")
    (proj / "README.md").write_text("python train.py\n")
    m = build_map(str(proj), jobs=1)
    assert {f.path for f in m.files} == {"pkg/__init__.py", "model.py", "setup.py", "train.py"}
    assert not trace.exists()
