"""Bad input: one clear problem line each, and the run goes on. MapError only for unusable arguments."""

from __future__ import annotations

import codecs
import json
import os
from pathlib import Path

import pytest

from repolens.mapper import MapError, build_map

GOOD = "import torch.nn as nn\n\nclass Net(nn.Module):\n    def forward(self, x):\n        return x\n"


def problems_for(m, path: str) -> list[str]:
    return [p for p in m.problems if p.startswith(path)]


def test_missing_path_is_a_map_error(tmp_path: Path):
    with pytest.raises(MapError, match="no such file or folder"):
        build_map(str(tmp_path / "nope"))


def test_a_file_instead_of_a_folder_maps_that_file(tmp_path: Path):
    (tmp_path / "net.py").write_text(GOOD)
    m = build_map(str(tmp_path / "net.py"))
    assert [f.path for f in m.files] == ["net.py"] and m.files[0].role == "model"
    assert any("is a file, not a folder" in p for p in m.problems)


def test_empty_folder_and_folder_without_python(tmp_path: Path):
    m = build_map(str(tmp_path))
    assert m.files == () and m.problems == ("no Python files or notebooks found (empty folder)",)
    (tmp_path / "notes.txt").write_text("hello")
    m = build_map(str(tmp_path))
    assert m.problems == ("no Python files or notebooks found",)


def test_each_kind_of_bad_file_gets_a_problem_and_the_rest_is_mapped(tmp_path: Path):
    (tmp_path / "good.py").write_text(GOOD)
    (tmp_path / "syntax.py").write_text("def f(:\n    pass\n")
    (tmp_path / "py2.py").write_text("print 'hello'\n")
    (tmp_path / "latin.py").write_bytes("x = 'caf\xe9'\n".encode("latin-1"))
    (tmp_path / "bom.py").write_bytes(codecs.BOM_UTF8 + GOOD.encode())
    (tmp_path / "crlf.py").write_bytes(GOOD.replace("\n", "\r\n").encode())
    (tmp_path / "huge_pb2.py").write_text("X = 1\n" * 500_000)  # ~3 MB: generated
    (tmp_path / "broken.ipynb").write_text("{not json")
    (tmp_path / "empty.py").write_text("")
    os.mkfifo(tmp_path / "fifo.py")  # would block a naive reader forever
    (tmp_path / "loop").mkdir()
    (tmp_path / "loop" / "back").symlink_to(tmp_path, target_is_directory=True)
    (tmp_path / "dir.py").mkdir()  # a folder named like a module
    m = build_map(str(tmp_path))
    files = {f.path: f for f in m.files}
    assert files["good.py"].role == "model" and files["good.py"].parsed
    assert files["bom.py"].parsed and files["bom.py"].role == "model"
    assert files["crlf.py"].parsed and files["crlf.py"].role == "model"
    assert not files["syntax.py"].parsed and "does not parse" in problems_for(m, "syntax.py")[0]
    assert "Python 2" in problems_for(m, "py2.py")[0]
    assert "Latin-1" in problems_for(m, "latin.py")[0] and files["latin.py"].parsed
    assert "larger than" in problems_for(m, "huge_pb2.py")[0]
    assert "broken notebook" in problems_for(m, "broken.ipynb")[0]
    assert "not a regular file" in problems_for(m, "fifo.py")[0]
    assert any("symlink loop" in p for p in m.problems)
    assert files["empty.py"].role in ("utils", "script") and not problems_for(m, "empty.py")
    assert "dir.py" not in files
    assert all(len(p.splitlines()) == 1 for p in m.problems)


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file(tmp_path: Path):
    (tmp_path / "secret.py").write_text(GOOD)
    (tmp_path / "secret.py").chmod(0)
    try:
        m = build_map(str(tmp_path))
        assert "unreadable" in problems_for(m, "secret.py")[0]
    finally:
        (tmp_path / "secret.py").chmod(0o644)


def test_notebook_with_magics_parses(tmp_path: Path):
    nb = {"cells": [{"cell_type": "code", "source": "!pip install x\n%time y = 1\nimport torch.nn as nn\n"
                                                  "class N(nn.Module):\n    pass\n"}]}
    (tmp_path / "nb.ipynb").write_text(json.dumps(nb))
    m = build_map(str(tmp_path))
    assert m.files[0].parsed and m.files[0].role == "model" and m.problems == ()


def test_a_shell_line_continued_with_backslashes_is_no_syntax_error(tmp_path: Path):
    # a Colab export cell (yolov7's tools/YOLOv7onnx.ipynb): `!python export.py ... \` and its options
    source = ("%cd /content/yolov7/\n!python export.py --weights ./yolov7-tiny.pt \\\n        --grid --end2end \\\n"
              "        --img-size 640 640 --max-wh 640 # a comment\nimport torch.nn as nn\n"
              "class N(nn.Module):\n    pass\n")
    (tmp_path / "nb.ipynb").write_text(json.dumps({"cells": [{"cell_type": "code", "source": source}]}))
    m = build_map(str(tmp_path))
    assert m.files[0].parsed and m.files[0].role == "model" and m.problems == ()
