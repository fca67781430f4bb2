"""RT006 NaN/Inf; RT007 exploding/vanishing parameters, activations and gradients, dead ReLUs."""

from __future__ import annotations

from typing import Any

import torch

from repolens.probe.model import finding
from repolens.probe.runtime.run import Run

_MAX_LISTED = 8


def check_non_finite_forward(run: Run, output_tensors: list[torch.Tensor], loss: torch.Tensor) -> bool:
    """RT006 on the first forward pass. Returns True when something was not finite."""
    bad_out = any(not bool(torch.isfinite(t.detach()).all()) for t in output_tensors if t.is_floating_point())
    bad_loss = not bool(torch.isfinite(loss.detach()).all())
    first = run.tracer.first_non_finite
    run.measure("non_finite", {"output": bad_out, "loss": bad_loss, "first_module": first})
    if bad_out or bad_loss:
        where = first or ""
        src = f"; first produced by {first}" if first else ""
        run.add(finding("RT006", "error", f"{'the output' if bad_out else 'the loss'} contains NaN or Inf on a random "
                        f"batch{src}", where))
        return True
    return False


def check_non_finite_params(run: Run, when: str, grads: bool = False) -> None:
    bad = []
    for name, p in run.model.named_parameters():
        t = p.grad if grads else p
        if t is not None and not bool(torch.isfinite(t.detach()).all()):
            bad.append(name)
    what = "gradient" if grads else "value"
    key = f"{what}s_{when.replace('at ', '').replace('after the ', 'after_').replace('after ', 'after_').replace(' ', '_')}"
    run.measurements.setdefault("non_finite", {})[key] = bad[:20]
    if bad:
        shown = ", ".join(bad[:_MAX_LISTED]) + (f" and {len(bad) - _MAX_LISTED} more" if len(bad) > _MAX_LISTED else "")
        run.add(finding("RT006", "error", f"NaN or Inf in the {what}s of {len(bad)} parameters {when}: {shown}", bad[0]))


def _next_module_type(run: Run, name: str) -> str | None:
    trace = run.measurements.get("layers") or []
    for i, entry in enumerate(trace):
        if entry["name"] == name and i + 1 < len(trace):
            return trace[i + 1]["type"]
    return None


def check_magnitudes(run: Run) -> None:
    th = run.spec.thresholds
    params: list[dict[str, Any]] = []
    vanishing, exploding, big_params = [], [], []
    for name, p in run.model.named_parameters():
        entry: dict[str, Any] = {"name": name, "shape": list(p.shape)}
        data = p.detach()
        if bool(torch.isfinite(data).all()):
            entry["mean_abs"] = float(data.abs().mean())
            entry["max_abs"] = float(data.abs().max()) if data.numel() else 0.0
            if entry["max_abs"] > th.exploding_param:
                big_params.append(name)
        if p.grad is not None and bool(torch.isfinite(p.grad).all()):
            g = float(p.grad.detach().abs().mean())
            entry["grad_mean_abs"] = g
            if g < th.vanishing_grad:
                vanishing.append((name, g))
            elif g > th.exploding_grad:
                exploding.append((name, g))
        params.append(entry)
    acts = run.tracer.activations
    loud = [a for a in acts if a.get("mean_abs") is not None and a["mean_abs"] > th.exploding_activation]
    dead = [a for a in acts if a.get("dead_fraction") is not None and a["dead_fraction"] > th.dead_relu]
    run.measure("magnitudes", {"parameters": params[:200], "activations": acts[:200]})

    for name, g in vanishing[:_MAX_LISTED]:
        module = name.rsplit(".", 1)[0] if "." in name else ""
        if name.endswith("bias") and (_next_module_type(run, module) or "").startswith("BatchNorm"):
            run.add(finding("RT007", "info", f"{name}: mean |grad| {g:.2g}: a bias right before a BatchNorm is "
                            "cancelled by it and learns nothing (bias=False, RL205)", name))
            continue
        run.add(finding("RT007", "warning", f"vanishing gradient: {name} has mean |grad| {g:.2g} "
                        f"(< {th.vanishing_grad:g})", name))
    for name, g in exploding[:_MAX_LISTED]:
        run.add(finding("RT007", "warning", f"exploding gradient: {name} has mean |grad| {g:.3g} "
                        f"(> {th.exploding_grad:g})", name))
    for name in big_params[:_MAX_LISTED]:
        run.add(finding("RT007", "warning", f"abnormally large parameter: {name} has values above "
                        f"{th.exploding_param:g} in magnitude", name))
    if loud:
        first = loud[0]
        run.add(finding("RT007", "warning", f"exploding activations: {first['name']} ({first['type']}) outputs mean "
                        f"|a| = {first['mean_abs']:.3g} (> {th.exploding_activation:g}); {len(loud)} layer outputs "
                        "in all: normalize the input or check the initialisation", first["name"]))
    for a in dead[:_MAX_LISTED]:
        run.add(finding("RT007", "warning", f"dead ReLU: {a['dead_fraction']:.0%} of {a['name']}'s units are never "
                        f"active over the batch (> {th.dead_relu:.0%}): check the bias/initialisation of the layer "
                        "before it", a["name"]))
