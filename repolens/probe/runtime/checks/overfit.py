"""RT005 overfit eight samples; RT014 the trained model must do worse on zeroed inputs.

Karpathy, "A Recipe for Training Neural Networks": "overfit one batch" and "input-independent
baseline"; the source notes: "if the model cannot overfit 7-8 samples, ... the model has a bug".
"""

from __future__ import annotations

import math
import statistics
import time

import torch

from repolens.probe.model import finding
from repolens.probe.runtime.run import Run
from repolens.probe.runtime.step import forward, training_without_dropout


def _sync(run: Run) -> None:
    if run.device == "cuda":
        torch.cuda.synchronize()


def check_overfit(run: Run) -> dict | None:
    """RT005. Passes only when the loss ends clearly below both where it started and the best
    input-independent prediction: an inflated start (huge logits) cannot pass by falling to a
    loss a constant would beat. A model's own loss has no known constant floor: it must halve."""
    th = run.spec.thresholds
    params = [p for p in run.model.parameters() if p.requires_grad]
    if not params:
        run.skip("RT005", "the model has no trainable parameters")
        return None
    opt = torch.optim.Adam(params, lr=th.overfit_lr)
    curve: list[float] = []
    times: list[float] = []
    initial = None
    target = None
    passed = False
    stopped = None
    constant = constant_predictor_loss(run)
    own = run.task is not None and run.task.kind in ("model-loss", "custom") and constant is None
    if run.device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    with training_without_dropout(run.model):
        for step in range(max(run.spec.steps, 1)):
            run.phase = f"RT005 overfit, Adam step {step + 1} of {run.spec.steps}"
            _sync(run)
            start = time.perf_counter()
            opt.zero_grad(set_to_none=True)
            _, loss, _ = forward(run)
            value = float(loss.detach())
            if not math.isfinite(value):
                curve.append(value)
                break
            loss.backward()
            opt.step()
            _sync(run)
            times.append(time.perf_counter() - start)
            curve.append(value)
            if initial is None:
                initial = value
                target = overfit_target(initial, constant, _ratio(run), own)
            if value <= target:
                passed = True
                break
            if run.deadline is not None and time.monotonic() + 2 * times[-1] > run.deadline:
                stopped = f"stopped after {len(curve)} of {run.spec.steps} steps to stay within the time limit"
                break
    with torch.no_grad(), training_without_dropout(run.model):
        output, loss, _ = forward(run)
    final = float(loss)
    passed = passed or (target is not None and final <= target)
    dead = None if passed or stopped or target is None else _dead_label_samples(run, output, target)
    result = {"steps": len(curve), "max_steps": run.spec.steps, "lr": th.overfit_lr, "optimizer": "Adam",
              "samples": int(run.inputs.shape[0]), "initial_loss": initial, "final_loss": final,
              "best_loss": min((c for c in curve if math.isfinite(c)), default=None),
              "constant_predictor_loss": constant, "target": target, "passed": passed,
              "rule": ("below half the initial loss (the model's own loss)" if own else
                       f"below {_ratio(run):.0%} of min(initial loss, best constant prediction)"),
              "curve": [curve[i] for i in range(0, len(curve), max(1, len(curve) // 20))]}
    if run.task is not None and run.task.describe().get("targets"):
        result["targets"] = run.task.describe()["targets"]
    if stopped:
        result["stopped"] = stopped
    if dead is not None:
        result["dead_label_samples"], result["live_samples_loss"] = dead
    run.measure("overfit", result)
    if times:
        steady = times[1:] or times
        run.measure("step_time_ms", statistics.median(steady) * 1000)
    if run.device == "cuda":
        run.measurements.setdefault("gpu", {})["peak_memory_mb"] = round(torch.cuda.max_memory_allocated() / 2**20, 1)
        run.measurements["gpu"]["step_time_ms"] = run.measurements.get("step_time_ms")
    if not passed and stopped:
        # too slow to finish here: no verdict rather than a false "cannot overfit"
        run.skip("RT005", f"inconclusive: {stopped} (loss {initial:.4g} -> {final:.4g}, target {target:.4g}); "
                 "raise --timeout, or probe a smaller configuration (--tiny)")
    elif not passed and dead is not None:
        # the samples that train fit; the others' label logits sit at the ReLU's 0, where no step reaches them
        run.add(finding("RT005", "info", f"{dead[0]} of {result['samples']} samples cannot be fitted: their label's logit "
                        "is stuck at 0 behind the ReLU that ends the classifier (no gradient there); the other samples "
                        f"fit (loss {dead[1]:.4g}, target {target:.4g}). On 8 random inputs a deep network's features "
                        "are nearly alike, so a step that lowers a class for one sample shuts it for another: a "
                        "property of ReLU logits (SqueezeNet's design), not a wiring error", "",
                        value=final, threshold=target,
                        hint="if the ReLU after the last layer is not intended, remove it: cross-entropy expects logits"))
    elif not passed:
        if curve and not math.isfinite(curve[-1]):
            why = "the loss became NaN/Inf"
        else:
            ref = "" if constant is None else f"; the best constant prediction scores {constant:.4g}"
            why = f"the loss went from {initial:.4g} to {final:.4g}, not below {target:.4g}{ref}"
        wrong = [h.reach for h in (run.task.heads if run.task else []) if h.reach and "expects logits" in h.reach]
        cause = (f"{wrong[0]} (the last activation bounds the logits)" if wrong else
                 "too few parameters, a bug in the model, or a bug in the data/loss")
        run.add(finding("RT005", "warning", f"cannot overfit {result['samples']} samples in {len(curve)} Adam steps "
                        f"(lr {th.overfit_lr:g}): {why}. Likely {cause}", "",
                        value=final, threshold=target,
                        hint="train on one small batch by hand and watch the loss; check the output activation "
                             "against the loss"))
    return result


def _dead_label_samples(run: Run, output, target: float) -> tuple[int, float] | None:
    """(samples whose label logit is at a ReLU's 0, the loss of the others) for a classifier whose logits
    pass a ReLU, when fewer than half are dead and the others fit; else None (a plain failure)."""
    task = run.task
    if task is None or len(task.heads) != 1 or task.kind != "classification" or task.loss_fn is not None:
        return None
    head = task.heads[0]
    p = output.primary
    if p is None or not (head.reach and "labels drawn among" in head.reach) or p.dim() != 2:
        return None
    label_logit = p.detach().float().gather(1, head.targets.view(-1, 1).long()).squeeze(1)
    dead = label_logit <= 0
    k = int(dead.sum())
    if k == 0 or 2 * k >= p.shape[0]:
        return None
    live = float(torch.nn.functional.cross_entropy(p.detach().float()[~dead], head.targets[~dead].long()))
    return (k, live) if live <= target else None


def _ratio(run: Run) -> float:
    """Memorising 8 labels is quick; 8 dense random maps (a generator's images, a detector's grids)
    takes far more steps than the probe has: for those "clearly below" means half the constant loss."""
    th = run.spec.thresholds
    heads = run.task.heads if run.task is not None else []
    dense = any(h.kind == "regression" and h.targets.numel() // max(h.targets.shape[0], 1) > 64 for h in heads)
    return th.overfit_ratio_dense if dense else th.overfit_ratio


def overfit_target(initial: float, constant: float | None, ratio: float, own: bool) -> float:
    if own:
        return 0.5 * initial if initial > 0 else initial - 0.5 * abs(initial)
    reference = abs(initial) if constant is None else min(abs(initial), constant)
    return ratio * reference


def constant_predictor_loss(run: Run) -> float | None:
    """The lowest loss any input-independent model can reach on these targets, summed over the
    heads: the entropy of the label histogram (cross-entropy, BCE) or the targets' variance over
    the batch (MSE). None for the model's own or a custom loss."""
    task = run.task
    if task is None or not task.heads or task.loss_fn is not None or task.kind == "model-loss":
        return None
    total = 0.0
    for head in task.heads:
        t = head.targets
        if head.loss_name in ("cross_entropy", "ce", "nll") and not t.is_floating_point():
            counts = torch.bincount(t.flatten().long()).float()
            p = counts[counts > 0] / counts.sum()
            total += float(-(p * p.log()).sum())
        elif head.loss_name == "mse":
            total += float(((t - t.mean(dim=0, keepdim=True)) ** 2).mean())
        elif head.loss_name in ("bce", "bce_with_logits"):
            q = t.float().mean(dim=0, keepdim=True).clamp(1e-6, 1 - 1e-6).expand_as(t)
            total += float(-(t * q.log() + (1 - t) * (1 - q).log()).mean())
        else:
            return None
    return total


def check_baseline(run: Run, overfit: dict | None) -> None:
    """RT014: zeroed inputs must lose a clear share of what the real inputs gain over the best
    input-independent prediction (Karpathy: "set all your inputs to zero ... it should perform worse")."""
    if overfit is None or overfit.get("initial_loss") is None:
        run.skip("RT014", "no overfit run to compare with")
        return
    if run.task is not None and run.task.kind == "model-loss":
        run.skip("RT014", "the model computes its own loss, most often against its input: zeroed inputs change "
                 "the targets too, so the comparison means nothing")
        return
    zeros = torch.zeros_like(run.inputs)
    with torch.no_grad(), training_without_dropout(run.model):
        _, real, _ = forward(run)
        _, zero, _ = forward(run, zeros)
    real_v, zero_v, initial = float(real), float(zero), float(overfit["initial_loss"])
    constant = constant_predictor_loss(run)
    reference = min(constant, initial) if constant is not None else initial
    gain = reference - real_v
    result = {"real_loss": real_v, "zeroed_loss": zero_v, "initial_loss": initial,
              "constant_predictor_loss": constant}
    run.measure("baseline", result)
    if not (math.isfinite(real_v) and math.isfinite(zero_v)):
        run.skip("RT014", "the loss is not finite")
        return
    if gain <= 0.05 * abs(reference):
        # the inputs did not help beyond a constant: no verdict (RT005 reports a failed overfit)
        run.skip("RT014", "the trained model does no better than the best constant prediction, so there is "
                 "no learned dependence on the input to test")
        return
    margin = run.spec.thresholds.baseline_margin
    if zero_v - real_v < margin * gain:
        ref_name = "the best constant prediction" if constant is not None else "the initial loss"
        run.add(finding("RT014", "warning", f"the model's predictions barely depend on its input: zeroed inputs "
                        f"give loss {zero_v:.4g} vs {real_v:.4g} on the real ones ({ref_name}: {reference:.4g}). "
                        "It fits its targets from something else (batch position, a leaked label, a constant); "
                        "Karpathy's input-independent baseline"))
