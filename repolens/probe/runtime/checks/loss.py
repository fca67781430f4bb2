"""RT004 initial loss far from ln(C); RT009 loss components of very different magnitudes."""

from __future__ import annotations

import math

import torch

from repolens.probe.model import finding
from repolens.probe.runtime.run import Run


def uniform_label_loss(logits: torch.Tensor, class_dim: int) -> float:
    """Cross-entropy averaged over every possible label, not the 8 drawn ones: the loss the model
    is expected to start at, without the noise of a random 8-label draw."""
    z = logits.detach().float()
    return float((torch.logsumexp(z, dim=class_dim) - z.mean(dim=class_dim)).mean())


def check_initial_loss(run: Run, loss: float, logits: torch.Tensor | None = None) -> None:
    task = run.task
    expected = task.expected_initial_loss if task else None
    run.measure("initial_loss", loss)
    if (expected is not None and logits is not None and task.loss_name in ("cross_entropy", "ce")
            and task.loss_fn is None and logits.dim() >= 2 and len(task.heads) == 1):
        # an N x C (or N x T x V) output: judge the label-averaged loss, report both
        loss = uniform_label_loss(logits, -1 if task.kind == "language-model" or logits.dim() == 2 else 1)
        run.measure("initial_loss_all_labels", loss)
    run.measure("expected_initial_loss", expected)
    if expected is None or not math.isfinite(loss):
        run.skip("RT004", f"no expected initial loss for a {task.kind if task else 'unknown'} task with "
                 f"loss {task.loss_name if task else '?'}")
        return
    tol = run.spec.thresholds.initial_loss_tolerance
    deviation = (loss - expected) / expected
    run.measure("initial_loss_deviation", deviation)
    if abs(deviation) > tol:
        # A Kaiming-initialised head (logits of std 1-2) starts 30-70 % above ln(C): worth knowing, not an
        # error; a loss twice the expected one means confidently wrong logits at initialisation.
        warn = run.spec.thresholds.initial_loss_warning
        severity = "warning" if abs(deviation) > warn else "info"
        what = f"ln({task.classes}) = {expected:.3f}" if task.classes else f"{expected:.3f}"
        cause = ("the last layer's initial weights are too large or the input is not normalized"
                 if deviation > 0 else "the model is confident before training (is the output already a "
                 "probability, or are the logits scaled down?)")
        run.add(finding("RT004", severity, f"initial loss {loss:.3f} is {deviation:+.0%} from the expected {what} "
                        f"for random labels (info above {tol:.0%}, warning above {warn:.0%}): {cause}", "",
                        value=loss, threshold=expected,
                        hint="initialise the last layer's weights small and its bias to the label prior"))


def check_components(run: Run, components: dict[str, torch.Tensor]) -> None:
    if len(components) < 2:
        if components:
            run.measure("loss_components", {k: float(v.detach()) for k, v in components.items()})
        return
    values = {k: float(v.detach()) for k, v in components.items()}
    run.measure("loss_components", values)
    mags = {k: abs(v) for k, v in values.items() if math.isfinite(v)}
    if len(mags) < 2:
        return
    big = max(mags, key=mags.__getitem__)
    small = min(mags, key=mags.__getitem__)
    ratio = mags[big] / max(mags[small], 1e-12)
    run.measure("loss_component_ratio", ratio)
    if ratio > run.spec.thresholds.loss_ratio:
        run.add(finding("RT009", "warning", f"loss components differ by {ratio:,.0f}x: {big} = {values[big]:.4g} vs "
                        f"{small} = {values[small]:.4g}; the smaller one barely moves the gradient: weight the terms",
                        small, value=ratio, threshold=run.spec.thresholds.loss_ratio))
