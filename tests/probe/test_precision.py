"""Correctly wired models that used to raise false alarms stay silent; their broken twins do not.

Each model is in models/wired.py; the runtime runs in this process (see probe_helpers)."""

from __future__ import annotations

import pytest

pytest.importorskip("torch")

from probe_helpers import probe_here, rules  # noqa: E402


def _probe(target, **options):
    return probe_here(target, file="wired.py", **options)


def _warnings(report):
    return [f"{f.rule} {f.where}: {f.message}" for f in report.findings if f.severity != "info"]


@pytest.mark.parametrize("target", ["TanhGenerator", "SigmoidDiscriminator", "BiasBeforeNorms", "LayerScaleNet",
                                    "ZeroInitHead", "MultiScaleDetector", "IteratedLayers", "MaskedAutoencoder",
                                    "DeepResidualNet", "ReluLogitsClassifier", "ContrastiveEmbedder"])
def test_correctly_wired_models_give_no_warning(target):
    report = _probe(target)
    assert report.failure is None, report.failure
    assert not _warnings(report), _warnings(report)
    assert report.measurements["overfit"]["passed"]


def test_deep_resnet_initial_loss_is_info_its_logit_spread_is_that_of_an_ordinary_init():
    report = _probe("DeepResidualNet")
    m = report.measurements
    # the loss is more than twice ln(10) (the old warning line) ...
    assert m["initial_loss_deviation"] > 1.0
    # ... from logits spread about 1.3 x sqrt(2 ln C), not an order of magnitude beyond
    assert 1.0 < m["initial_logit_spread_ratio"] < 3.0
    rt004 = [f for f in report.findings if f.rule == "RT004"]
    assert [f.severity for f in rt004] == ["info"] and "ordinary initialisation" in rt004[0].message


def test_huge_head_init_stays_an_rt004_warning_with_its_spread():
    report = probe_here("HugeLogits")
    rt004 = [f for f in report.findings if f.rule == "RT004"]
    assert [f.severity for f in rt004] == ["warning"]
    assert report.measurements["initial_logit_spread_ratio"] > 3.0


def test_unit_norm_embedding_is_fitted_to_unit_vectors_not_read_as_logits():
    m = _probe("ContrastiveEmbedder").measurements
    assert m["output"]["task"] == "regression" and m["output"]["targets"] == "unit-norm output: random unit vectors"
    assert m["overfit"]["passed"]


def test_relu_logits_are_trained_on_labels_the_relu_can_learn():
    m = _probe("ReluLogitsClassifier").measurements
    assert "labels drawn among each sample's logits above 0" in m["output"]["targets"]
    assert m["overfit"]["passed"]


def test_relu_logits_dead_for_a_few_samples_is_info_when_the_others_fit():
    report = _probe("PartlyDeadReluLogits")
    overfit = report.measurements["overfit"]
    assert not overfit["passed"] and overfit["dead_label_samples"] == 1
    assert overfit["live_samples_loss"] < overfit["target"]
    rt005 = [f for f in report.findings if f.rule == "RT005"]
    assert [f.severity for f in rt005] == ["info"] and "1 of 8 samples cannot be fitted" in rt005[0].message


def test_relu_logits_all_dead_still_cannot_overfit():
    report = _probe("DeadReluLogits")
    rt005 = [f for f in report.findings if f.rule == "RT005"]
    assert [f.severity for f in rt005] == ["warning"] and "Relu output" in rt005[0].message


def test_tanh_output_is_fitted_to_targets_inside_its_range():
    m = _probe("TanhGenerator").measurements
    assert m["input"]["shape"] == [8, 16, 1, 1] and "ConvTranspose2d" in m["input"]["source"]
    assert m["overfit"]["targets"] == "Tanh output: targets in [-0.8, 0.8]"
    assert m["overfit"]["constant_predictor_loss"] > m["overfit"]["final_loss"]


def test_one_sigmoid_per_sample_is_trained_with_binary_labels():
    m = _probe("SigmoidDiscriminator").measurements
    assert m["output"]["loss"] == "bce" and m["output"]["targets"] == "Sigmoid output: one binary label per sample"


def test_zero_by_construction_gradients_are_info_with_the_reason():
    report = _probe("BiasBeforeNorms")
    rt007 = [f for f in report.findings if f.rule == "RT007"]
    assert [f.severity for f in rt007] == ["info"]
    assert set(rt007[0].items) == {"conv.bias", "expand.bias"}
    assert "zero by construction" in rt007[0].message and "of 11 parameter tensors" in rt007[0].message
    assert report.measurements["gradients_judged"]["tensors"] == 11


def test_layerscale_and_zero_init_heads_are_gates_not_vanishing_gradients():
    for target, gate in (("LayerScaleNet", "blocks.0.gamma"), ("ZeroInitHead", "head.weight")):
        report = _probe(target)
        infos = [f for f in report.findings if f.rule == "RT007" and "held back" in f.message]
        assert infos and gate in infos[0].message, [f.message for f in report.findings]


def test_multi_output_model_trains_every_head():
    report = _probe("MultiScaleDetector")
    m = report.measurements
    assert m["output"]["task"] == "multi-output" and len(m["output"]["heads"]) == 3
    assert not m["parameters_without_grad"]
    assert not {"RT001", "RT002"} & {f.rule for f in report.findings}


def test_model_with_its_own_loss_is_trained_on_it():
    m = _probe("MaskedAutoencoder").measurements
    assert m["output"]["task"] == "model-loss" and m["output"]["loss"] == "the model's own loss ([0])"
    assert m["overfit"]["passed"] and "half the initial" in m["overfit"]["rule"]


def test_exploding_logits_get_rt007_naming_the_head_as_well_as_rt004():
    report = _probe("ExplodingLogits")
    assert {"RT004", "RT007"} <= rules(report)
    logits = [f for f in report.findings if f.rule == "RT007" and "logits" in f.message]
    assert logits and logits[0].where == "fc2" and logits[0].value > logits[0].threshold


def test_wrong_output_activation_fails_overfit_and_says_why():
    report = _probe("SoftmaxBeforeLoss")
    rt005 = [f for f in report.findings if f.rule == "RT005"]
    assert rt005 and "Softmax output: cross-entropy expects logits" in rt005[0].message


def test_frozen_layer_between_trainable_ones_is_a_warning_a_frozen_backbone_is_not():
    hole = [f for f in _probe("FrozenMiddle").findings if f.rule == "RT003" and f.severity == "warning"]
    assert [f.where for f in hole] == ["fc2"]
    backbone = [f for f in _probe("FrozenBackbone").findings if f.rule == "RT003"]
    assert [f.severity for f in backbone] == ["info"]


def test_long_gradient_lists_keep_their_tail_after_the_head_and_list_every_name():
    report = _probe("ManyDetached")
    rt002 = [f for f in report.findings if f.rule == "RT002"]
    assert len(rt002) == 13 and rt002[-1].message.startswith("and 8 more")
    assert rt002[-1].items == tuple(f"trunk.{i}.{w}" for i in range(6, 10) for w in ("weight", "bias"))


def test_constant_output_makes_batch_mixing_inconclusive_not_a_pass():
    report = _probe("ConstantModel")
    assert report.measurements["batch_mixing"]["verdict"] == "inconclusive"
    assert report.measurements["skipped"]["RT013"].startswith("inconclusive")


def test_sequence_first_language_model_is_judged_along_dimension_1():
    report = probe_here("lstm_lm_sequence_first")
    assert "RT013" not in rules(report)
    bm = report.measurements["batch_mixing"]
    assert bm["batch_dim"] == 1 and bm["verdict"] == "independent"


def test_finding_json_carries_value_threshold_hint_and_report_its_options():
    report = _probe("ExplodingLogits")
    data = report.to_json()
    rt007 = next(f for f in data["findings"] if f["rule"] == "RT007" and "logits" in f["message"])
    assert {"value", "threshold", "hint"} <= set(rt007)
    assert data["repolens_version"] and data["options"]["steps"] == 300


def test_space_to_depth_stem_gets_an_image_with_a_quarter_of_the_channels():
    m = _probe("FocusStem", select=("RT001",)).measurements
    assert m["input"]["shape"] == [8, 3, 32, 32]
    assert "12 channels were refused, 3 run" in m["input"]["source"]


def test_normalisation_layers_with_a_momentum_passed_as_eps_are_found():
    torch = pytest.importorskip("torch")
    from repolens.probe.runtime.checks.magnitudes import _large_eps_norms

    model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4, 0.8), torch.nn.BatchNorm2d(4),
                                torch.nn.LayerNorm(4, eps=0.5))
    assert _large_eps_norms(model) == ["1", "3"]


def test_an_overfit_run_too_slow_for_the_time_limit_stops_inconclusive_not_failed():
    # in this process no parent enforces the limit; the overfit loop keeps within it by itself
    report = probe_here("ConstantOutput", timeout=20.0, select=("RT005",))  # the limit leaves no time for it
    assert report.measurements["overfit"]["stopped"].startswith("stopped after")
    assert report.measurements["skipped"]["RT005"].startswith("inconclusive")
    assert not [f for f in report.findings if f.rule == "RT005"]


def test_batch_mixing_in_any_output_is_caught_not_only_in_the_first():
    report = _probe("SecondHeadMixes", select=("RT013",))
    hits = [f for f in report.findings if f.rule == "RT013"]
    assert hits and hits[0].where == "(model)"
