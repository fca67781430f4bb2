"""The bundled fixtures map as PLANTED.md expects, and real layouts meet the accuracy targets."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from repolens.mapper import build_map

CHECKOUT = Path(__file__).resolve().parents[2]
FIXTURES = CHECKOUT / "fixtures"
LABELS = CHECKOUT / "benchmarks" / "labels"


def _fixture(name: str) -> Path:
    path = FIXTURES / name
    if not path.is_dir():
        pytest.skip(f"fixture {name} not present")
    return path


def test_image_classifier_map():
    m = build_map(str(_fixture("image_classifier")))
    roles = {f.path: f.role for f in m.files}
    assert roles["train.py"] == "train" and roles["eval.py"] == "eval"
    assert roles["configs/default.py"] == "config"
    assert all(r == "data" for p, r in roles.items() if p.startswith("data/"))
    assert all(r == "model" for p, r in roles.items() if p.startswith("models/"))
    assert all(r == "utils" for p, r in roles.items() if p.startswith("utils/"))
    eps = [(e.path, e.evidence) for e in m.entrypoints]
    assert eps[:2] == [("train.py", "README.md:31"), ("eval.py", "README.md:41")]
    assert [s.path for s in m.reading_order[:2]] == ["README.md", "train.py"]
    assert "1512.03385" in m.reading_order[0].why
    assert [s.path for s in m.reading_order if s.core] == ["models/resnet.py"]
    assert all(item.ok for item in m.card.values())


def test_mnist_script_map():
    m = build_map(str(_fixture("mnist_script")))
    assert [(f.path, f.role) for f in m.files] == [("mnist.py", "train")]
    assert m.entrypoints[0].evidence == "README.md:8"
    assert m.card["evaluation_code"].ok  # test() inside the training script


def test_tiny_lm_map():
    m = build_map(str(_fixture("tiny_lm")))
    roles = {f.path: f.role for f in m.files}
    assert roles["tinylm/model.py"] == "model" and roles["tinylm/__init__.py"] == "model"
    assert roles["tinylm/train.py"] == "train" and roles["tinylm/data.py"] == "data"
    assert roles["tinylm/evaluate.py"] == "eval" and roles["tinylm/sample.py"] == "eval"
    assert roles["tinylm/utils.py"] == "utils" and roles["tests/test_model.py"] == "test"
    assert all(r == "config" for p, r in roles.items() if p.startswith("config/"))
    paths = {e.path for e in m.entrypoints}
    assert {"tinylm/train.py", "tinylm/sample.py", "tinylm/evaluate.py", "tinylm/data.py"} <= paths
    assert m.reading_order[1].path == "tinylm/train.py"
    assert [s.path for s in m.reading_order if s.core] == ["tinylm/model.py"]


def _accuracy_module():
    spec = importlib.util.spec_from_file_location("map_accuracy", CHECKOUT / "benchmarks" / "map_accuracy.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return mod


@pytest.mark.parametrize("labels", sorted(p.name for p in LABELS.glob("layout-*.json")))
def test_rebuilt_real_layouts_meet_the_accuracy_targets(labels: str):
    acc = _accuracy_module()
    result = acc.score(json.loads((LABELS / labels).read_text()), jobs=1)
    assert result["role_accuracy"] >= acc.ROLE_TARGET, result["disagreements"]
    assert result["entrypoint_recall"] >= acc.ENTRY_TARGET, result["missed_entrypoints"]
    assert result.get("main_entrypoint_ok", True) and result.get("core_ok", True)
