"""What the model's output means and which loss to train it with.

N x C output -> cross-entropy with random class targets; N x T x V output from token ids ->
token-level cross-entropy (a language model); anything else -> MSE against random targets; unless
`loss` is configured. A dict or tuple of scalar tensors is a set of loss components (RT009).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

import torch
import torch.nn.functional as F

_NAMED = {"cross_entropy", "ce", "nll", "mse", "l1", "bce", "bce_with_logits", "smooth_l1", "huber"}
_CLASS_LOSSES = {"cross_entropy", "ce", "nll"}


@dataclass
class Output:
    primary: torch.Tensor | None  # the prediction the loss compares with targets
    components: dict[str, torch.Tensor] = field(default_factory=dict)  # scalar losses the model returned
    note: str | None = None


def split_output(out: Any) -> Output:
    if isinstance(out, torch.Tensor):
        return Output(out)
    items: list[tuple[str, Any]]
    if isinstance(out, dict):
        items = [(str(k), v) for k, v in out.items()]
    elif isinstance(out, (list, tuple)):
        items = [(f"[{i}]", v) for i, v in enumerate(out)]
    else:
        return Output(None, note=f"the model returned a {type(out).__name__}")
    tensors = [(k, v) for k, v in items if isinstance(v, torch.Tensor) and v.is_floating_point()]
    scalars = {k: v for k, v in tensors if v.dim() == 0}
    rest = [(k, v) for k, v in tensors if v.dim() > 0]
    preferred = [v for k, v in rest if k in ("logits", "out", "output", "pred", "y_hat")]
    primary = preferred[0] if preferred else (rest[0][1] if rest else None)
    note = None
    if len(rest) > 1:
        note = f"the model returned {len(rest)} tensors; the checks use the first ({rest[0][0]})"
    return Output(primary, scalars if len(scalars) >= 1 else {}, note)


@dataclass
class Task:
    kind: str  # classification | language-model | regression | model-loss | custom
    loss_name: str
    classes: int | None
    expected_initial_loss: float | None
    targets: torch.Tensor | None
    loss_fn: Callable[[Any, Any], Any] | None = None

    def describe(self) -> dict[str, Any]:
        return {"task": self.kind, "loss": self.loss_name, "classes": self.classes}


def _expected(loss: str, classes: int | None) -> float | None:
    if loss in _CLASS_LOSSES and classes and classes > 1:
        return math.log(classes)
    if loss in ("bce", "bce_with_logits"):
        return math.log(2)
    return None


def choose_task(output: Output, inputs: torch.Tensor, *, loss: str | None, classes: int | None,
                labels: torch.Tensor | None, custom: Callable | None, gen: torch.Generator) -> Task:
    p = output.primary
    if p is None:
        if output.components:
            return Task("model-loss", "model's own loss", None, None, None)
        raise ValueError("the model returned no floating-point tensor to compute a loss on")
    n = p.shape[0] if p.dim() else 1
    integer_input = not inputs.is_floating_point()
    name = (loss or "").lower() if loss and ":" not in loss else None
    if name is not None and name not in _NAMED:
        raise ValueError(f"unknown loss {loss!r}: use one of {sorted(_NAMED)} or module:callable")
    # which shape of targets does this output call for?
    if name in _CLASS_LOSSES or (name is None and labels is not None and not labels.is_floating_point()):
        kind = "language-model" if p.dim() == 3 and integer_input else "classification"
    elif name is None and p.dim() == 2 and p.shape[1] > 1 and (classes is None or classes == p.shape[1]):
        kind = "classification"
    elif name is None and p.dim() == 3 and integer_input and p.shape[-1] > 1:
        kind = "language-model"
    else:
        kind = "regression"
    loss_name = name or ("cross_entropy" if kind in ("classification", "language-model") else "mse")
    if custom is not None:
        loss_name = loss or "custom"
    if kind == "classification":
        c = p.shape[-1] if p.dim() == 2 else p.shape[1]
        shape = (n,) if p.dim() == 2 else (n, *p.shape[2:])
        targets = labels if labels is not None else torch.randint(0, c, shape, generator=gen)
        return Task(kind, loss_name, c, _expected(loss_name, c), targets.to(p.device), custom)
    if kind == "language-model":
        v = p.shape[-1]
        targets = labels if labels is not None else torch.randint(0, v, tuple(p.shape[:-1]), generator=gen)
        return Task(kind, loss_name, v, _expected(loss_name, v), targets.to(p.device), custom)
    if loss_name in ("bce", "bce_with_logits"):
        targets = labels if labels is not None else torch.randint(0, 2, tuple(p.shape), generator=gen).float()
    else:
        targets = labels if labels is not None else torch.randn(tuple(p.shape), generator=gen)
    return Task("regression", loss_name, None, _expected(loss_name, None), targets.to(p.device, p.dtype), custom)


def _named_loss(name: str, p: torch.Tensor, t: torch.Tensor, kind: str) -> torch.Tensor:
    if name in ("cross_entropy", "ce", "nll"):
        fn = F.cross_entropy if name != "nll" else F.nll_loss
        if kind == "language-model" or (p.dim() == 3 and t.dim() == 2 and p.shape[:2] == t.shape):
            return fn(p.reshape(-1, p.shape[-1]), t.reshape(-1))
        return fn(p, t)
    if name == "mse":
        return F.mse_loss(p, t.to(p.dtype))
    if name == "l1":
        return F.l1_loss(p, t.to(p.dtype))
    if name in ("smooth_l1", "huber"):
        return F.smooth_l1_loss(p, t.to(p.dtype))
    return F.binary_cross_entropy_with_logits(p, t.to(p.dtype))


def compute_loss(task: Task, output: Output) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """(total loss, its components). Components: what the model or loss function returned as parts."""
    if task.kind == "model-loss":
        comps = output.components
        return sum(comps.values()), comps
    assert output.primary is not None and task.targets is not None
    if task.loss_fn is not None:
        result = task.loss_fn(output.primary, task.targets)
        parts = split_output(result)
        if isinstance(result, torch.Tensor) and result.dim() == 0:
            return result, {}
        if parts.components:
            return sum(parts.components.values()), parts.components
        raise ValueError(f"the loss function returned {type(result).__name__}, not a scalar tensor")
    loss = _named_loss(task.loss_name, output.primary, task.targets, task.kind)
    # A model that returns its own loss terms next to its prediction: they are part of the loss.
    if output.components:
        comps = {"prediction": loss, **output.components}
        return sum(comps.values()), comps
    return loss, {}
