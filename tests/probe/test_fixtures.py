"""The demo projects' models, probed through the child process (see fixtures/PLANTED.md)."""

from __future__ import annotations

import math

import pytest

pytest.importorskip("torch")

from probe_helpers import REPO  # noqa: E402

from repolens.probe import ProbeSpec, run_probe  # noqa: E402

FIXTURES = REPO / "fixtures"


def _probe(project: str, target: str, **options):
    root = FIXTURES / project
    if not (root / target.split(":")[0]).is_file():
        pytest.skip(f"fixture {project} not present")
    return run_probe(ProbeSpec(model=f"{root / target}", root=str(root), device="cpu", compile_check=False, **options))


def test_image_classifier_resnet20_has_its_planted_unused_se_block():
    report = _probe("image_classifier", "models/resnet.py:resnet20", input_shape=(2, 3, 32, 32))
    assert report.failure is None
    rt001 = [f for f in report.findings if f.rule == "RT001"]
    assert [(f.where, f.severity) for f in rt001] == [("se", "warning")]
    without_grad = report.measurements["parameters_without_grad"]
    assert {"se.fc1.weight", "se.fc2.weight"} <= set(without_grad)
    assert {f.rule for f in report.findings} == {"RT001"}
    assert report.measurements["overfit"]["passed"]


@pytest.mark.slow
def test_mnist_script_net_is_clean():
    report = _probe("mnist_script", "mnist.py:Net", input_shape=(2, 1, 28, 28))
    assert report.failure is None and not report.findings
    assert report.measurements["expected_initial_loss"] == pytest.approx(math.log(10), rel=1e-4)


@pytest.mark.slow
def test_tiny_lm_gpt_is_clean_with_token_level_loss():
    report = _probe("tiny_lm", "tinylm/model.py:GPT")
    assert report.failure is None and not report.findings
    m = report.measurements
    assert m["output"]["task"] == "language-model" and m["output"]["classes"] == 65
    assert m["input"]["dtype"] == "int64"
