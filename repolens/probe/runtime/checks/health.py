"""RT006 NaN/Inf in outputs, the loss, parameters and gradients (RT007 is in magnitudes.py)."""

from __future__ import annotations

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
        run.add(finding("RT006", "error", f"NaN or Inf in the {what}s of {len(bad)} parameters {when}: {shown}", bad[0],
                        value=len(bad), items=bad))
