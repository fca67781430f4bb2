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


def logit_spread(logits: torch.Tensor, class_dim: int) -> float:
    """Standard deviation of the logits around each sample's mean logit: the one thing the
    label-averaged loss depends on (it is >= ln C, with equality only for equal logits)."""
    z = logits.detach().float()
    return float((z - z.mean(dim=class_dim, keepdim=True)).pow(2).mean().sqrt())


def check_initial_loss(run: Run, loss: float, logits: torch.Tensor | None = None) -> None:
    task = run.task
    expected = task.expected_initial_loss if task else None
    run.measure("initial_loss", loss)
    spread = None
    if (expected is not None and logits is not None and task.loss_name in ("cross_entropy", "ce")
            and task.loss_fn is None and logits.dim() >= 2 and len(task.heads) == 1):
        # an N x C (or N x T x V) output: judge the label-averaged loss, report both
        class_dim = -1 if task.kind == "language-model" or logits.dim() == 2 else 1
        loss = uniform_label_loss(logits, class_dim)
        spread = logit_spread(logits, class_dim)
        run.measure("initial_loss_all_labels", loss)
        run.measure("initial_logit_std", spread)
    run.measure("expected_initial_loss", expected)
    if expected is None or not math.isfinite(loss):
        run.skip("RT004", f"no expected initial loss for a {task.kind if task else 'unknown'} task with "
                 f"loss {task.loss_name if task else '?'}")
        return
    th = run.spec.thresholds
    tol = th.initial_loss_tolerance
    deviation = (loss - expected) / expected
    run.measure("initial_loss_deviation", deviation)
    if abs(deviation) <= tol:
        return
    warn = th.initial_loss_warning
    what = f"ln({task.classes}) = {expected:.3f}" if task.classes else f"{expected:.3f}"
    cause = ("the last layer's initial weights are too large or the input is not normalized"
             if deviation > 0 else "the model is confident before training (is the output already a "
             "probability, or are the logits scaled down?)")
    severity = "warning" if abs(deviation) > warn else "info"
    message = (f"initial loss {loss:.3f} is {deviation:+.0%} from the expected {what} for random labels "
               f"(info above {tol:.0%}, warning above {warn:.0%}")
    if spread is not None:
        # The label-averaged loss depends only on the logits' spread s. For C logits of spread s it is
        # about ln C + s^2 / 2 while s < s_c = sqrt(2 ln C), and about 2 (s / s_c) ln C beyond, where the
        # softmax concentrates on a few classes (the random energy model's critical point): "+100 %" is
        # s = s_c. An ordinary initialisation can pass it (a deep BN ResNet's residual stream grows with
        # depth: ResNet-56 starts at 1.3 s_c); a stray scale factor or a wide layer drawn from N(0, 1)
        # lands far beyond. A warning needs both the loss and a spread of initial_logit_spread x s_c.
        critical = math.sqrt(2 * math.log(task.classes)) if task.classes and task.classes > 1 else 1.0
        limit = th.initial_logit_spread
        ratio = spread / critical
        run.measure("initial_logit_spread_ratio", ratio)
        if severity == "warning" and ratio <= limit:
            severity = "info"
        message += f"; a warning also needs a logit spread above {limit:g} x sqrt(2 ln C) = {limit * critical:.3g}"
        if severity == "info":
            cause = ("the spread of an ordinary initialisation, worth fixing to avoid a hockey-stick loss curve "
                     "(Karpathy: initialise the last layer so that the loss starts at ln C)")
        cause += (f"; the logits' standard deviation around each sample's mean is {spread:.3g}, {ratio:.2g} x "
                  f"sqrt(2 ln C), beyond which the softmax concentrates on a few classes")
    message += f"): {cause}"
    run.add(finding("RT004", severity, message, "", value=loss, threshold=expected,
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
