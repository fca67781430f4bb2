"""Each check fires on a model built to break it and stays silent on clean, real architectures.

The runtime runs in this process here (same code as the child, minus the process boundary);
test_isolation.py covers the child process and the CLI."""

from __future__ import annotations

import math

import pytest

pytest.importorskip("torch")

from probe_helpers import MODELS, probe_here, rules  # noqa: E402

CLEAN = [
    pytest.param("SmallResNet", {"input_shape": (8, 3, 16, 16)}, id="resnet"),
    pytest.param("TransformerClassifier", {}, id="transformer-encoder"),
    pytest.param("LSTMLanguageModel", {}, id="lstm-lm"),
    pytest.param("MLPRegressor", {}, id="mlp-regressor"),
    pytest.param("build_mlp", {"kwargs": {"features": 12, "classes": 3}}, id="factory-with-kwargs"),
]


@pytest.mark.parametrize("target,options", CLEAN)
def test_clean_architectures_pass_every_check(target, options):
    report = probe_here(target, **options)
    assert report.failure is None, report.failure
    assert rules(report) == set(), [f.message for f in report.findings]
    m = report.measurements
    assert m["overfit"]["passed"] is True
    assert m["layers"], "the shape trace (RT008) is measured"
    assert "batch_mixing" in m and not m["batch_mixing"]["samples_leaking"]
    assert report.exit_code() == 0


def test_clean_classifier_initial_loss_is_near_ln_classes():
    m = probe_here("SmallResNet", input_shape=(8, 3, 16, 16)).measurements
    assert m["expected_initial_loss"] == pytest.approx(math.log(10), rel=1e-4)
    assert abs(m["initial_loss"] - math.log(10)) / math.log(10) < 0.2


def test_language_model_uses_token_level_cross_entropy_over_the_vocabulary():
    m = probe_here("LSTMLanguageModel").measurements
    assert m["output"]["task"] == "language-model"
    assert m["output"]["classes"] == 50
    assert m["input"]["dtype"] == "int64" and m["input"]["shape"] == [8, 16]
    assert "Embedding" in m["input"]["source"]


BROKEN = [
    pytest.param("UnusedBranch", "RT001", "aux", id="RT001-unused-branch"),
    pytest.param("DetachedLayer", "RT002", "fc1.weight", id="RT002-detached"),
    pytest.param("HugeLogits", "RT004", "", id="RT004-huge-logits"),
    pytest.param("ConstantOutput", "RT005", "", id="RT005-constant-output"),
    pytest.param("NaNOutput", "RT006", "log", id="RT006-nan"),
    pytest.param("DeadReLU", "RT007", "act", id="RT007-dead-relu"),
    pytest.param("VanishingGradient", "RT007", "fc1.weight", id="RT007-vanishing"),
    pytest.param("ExplodingActivations", "RT007", "fc1", id="RT007-exploding-activations"),
    pytest.param("LossDict", "RT009", "sparsity", id="RT009-loss-components"),
    pytest.param("BatchMixing", "RT013", "(model)", id="RT013-transpose-reshape"),
    pytest.param("ConvLSTMWrongLayout", "RT013", "lstm", id="RT013-lstm-batch-first-forgotten"),
    pytest.param("PositionMemorizer", "RT014", "", id="RT014-position-memorizer"),
]


@pytest.mark.parametrize("target,rule,where", BROKEN)
def test_each_check_fires_on_a_model_built_to_break_it(target, rule, where):
    report = probe_here(target)
    hits = [f for f in report.findings if f.rule == rule and f.severity != "info"]
    assert hits, [f"{f.rule} {f.message}" for f in report.findings]
    if where:
        assert any(f.where == where for f in hits), [f.where for f in hits]
    assert report.exit_code() == 1


def test_unused_branch_is_reported_once_not_per_layer():
    report = probe_here("UnusedBranch")
    rt001 = [f for f in report.findings if f.rule == "RT001"]
    assert [f.where for f in rt001] == ["aux"]
    assert "4,420 parameters" in rt001[0].message
    # its parameters are not listed again as RT002
    assert not [f for f in report.findings if f.rule == "RT002"]


def test_frozen_parameters_are_listed_as_info():
    report = probe_here("FrozenFirstLayer")
    rt003 = [f for f in report.findings if f.rule == "RT003"]
    assert rt003 and rt003[0].severity == "info" and "fc1" in rt003[0].message
    assert report.measurements["parameters"]["frozen"] == ["fc1.weight", "fc1.bias"]
    assert "RT002" not in rules(report)  # frozen is not "missing gradient"


def test_freeze_pattern_matching_nothing_is_a_warning():
    report = probe_here("MLPClassifier", freeze=("fc1", "backbone.*"))
    rt003 = [f for f in report.findings if f.rule == "RT003"]
    assert [(f.where, f.severity) for f in rt003] == [("backbone.*", "warning")]
    assert report.measurements["parameters"]["freeze_patterns"] == {"fc1": 2, "backbone.*": 0}


def test_huge_initial_loss_names_expected_value():
    report = probe_here("HugeLogits")
    msg = next(f.message for f in report.findings if f.rule == "RT004")
    assert "ln(4) = 1.386" in msg


def test_nan_names_the_first_module_producing_it():
    report = probe_here("NaNOutput")
    assert report.measurements["non_finite"]["first_module"] == "log"


def test_balanced_loss_components_do_not_fire():
    report = probe_here("balanced_loss_dict")
    assert "RT009" not in rules(report)
    assert set(report.measurements["loss_components"]) == {"reconstruction", "sparsity"}


def test_shape_trace_lists_each_layer_in_call_order():
    layers = probe_here("SmallResNet", input_shape=(8, 3, 16, 16)).measurements["layers"]
    assert layers[0]["name"] == "(model)" and layers[0]["input"] == [8, 3, 16, 16]
    assert layers[0]["output"] == [8, 10]
    fc = next(row for row in layers if row["name"] == "fc")
    assert fc["input"] == [8, 32] and fc["output"] == [8, 10] and fc["params"] == 330 and fc["dtype"] == "float32"


def test_raw_pixels_and_long_tail_fire_dataset_checks():
    report = probe_here("TinyConvNet", dataset=f"zoo.py:raw_imbalanced_dataset")
    assert {"RT010", "RT011"} <= rules(report)
    labels = report.measurements["dataset_labels"]
    assert labels["histogram"]["0"] > 200 * 0.8 and labels["imbalance_ratio"] > 10
    assert report.measurements["dataset_inputs"]["max"] > 200


def test_normalized_balanced_dataset_passes_and_feeds_the_overfit_batch():
    report = probe_here("TinyConvNet", dataset="zoo.py:normalized_balanced_dataset")
    assert not {"RT010", "RT011"} & rules(report)
    assert report.measurements["input"]["source"] == "dataset"
    assert report.measurements["overfit"]["passed"]


def test_select_runs_only_the_named_checks():
    report = probe_here("UnusedBranch", select=("RT001",))
    assert {f.rule for f in report.findings} == {"RT001"}
    assert "overfit" not in report.measurements and "layers" not in report.measurements


def test_out_of_memory_is_reported_with_module_and_kind():
    report = probe_here("HugeAllocation", file="broken.py")  # on CUDA: torch.cuda.OutOfMemoryError
    assert report.failure is not None and report.failure.kind == "out-of-memory"
    assert report.failure.location.startswith("broken.py:")
    assert report.exit_code() == 1


def test_shape_error_names_the_layer_and_what_it_expects():
    report = probe_here("WrongFlatten", file="broken.py", input_shape=(8, 3, 32, 32))
    f = report.failure
    assert f is not None and f.kind == "forward"
    assert f.module == "classifier" and f.module_type == "Linear"
    assert f.input_shapes == ("8x16384 float32",)
    assert "expects a last dimension of 1024" in f.hint


@pytest.mark.slow
def test_graph_breaks_run_by_default_on_cpu_for_a_small_model_and_agree_with_dynamo_explain():
    import sys

    import torch
    import torch._dynamo as dynamo

    report = probe_here("GraphBreak", compile_check=None)  # the default: on for small models on the CPU
    hits = [f for f in report.findings if f.rule == "RT012"]
    assert hits and hits[0].value == report.measurements["compile"]["graph_breaks"]
    reasons = report.measurements["compile"]["reasons"]
    assert reasons and not any("repolens" in r or "tracer.py" in r for r in reasons), reasons
    sys.path.insert(0, str(MODELS))
    from zoo import GraphBreak

    dynamo.reset()
    plain = dynamo.explain(GraphBreak().eval())(torch.randn(8, 16))
    dynamo.reset()
    assert report.measurements["compile"]["graph_breaks"] == plain.graph_break_count


@pytest.mark.slow
def test_clean_model_compiles_without_graph_breaks():
    report = probe_here("MLPClassifier", select=("RT012",))
    assert report.measurements["compile"]["graph_breaks"] == 0
    assert not report.findings


def test_compile_check_can_be_turned_off():
    report = probe_here("MLPClassifier", device="cpu", compile_check=False)
    assert report.measurements["skipped"]["RT012"].startswith("turned off")
