"""What the model's output means and which loss to train it with.

Every floating-point tensor the model returns is a head, and the probe trains all of them (a
detector's feature maps, an autoencoder's reconstruction and its mean/log-variance): a head left
out would leave its layers without gradient and RT001/RT002 would blame them. Per head:

- N x C logits -> cross-entropy against random class labels; N x T x V from token ids -> token-level
  cross-entropy (a language model);
- anything else -> regression against random targets *the output can reach*: the activation that
  produced it (read from the autograd graph, so `torch.tanh(x)` counts as much as `nn.Tanh`) bounds
  them: Tanh/Hardtanh -> inside [-1, 1], Sigmoid/Softmax -> inside (0, 1) (one sigmoid unit per
  sample -> binary labels and BCE, a discriminator), ReLU/Softplus/exp -> non-negative;
- a model that returns its own loss (a scalar first in a tuple, or under a "loss" key) is trained
  on that loss alone; other scalars it returns are loss terms added to the prediction's loss (RT009);
- `loss` configured: a named loss, or `module:callable` applied to the first head.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

import torch
import torch.nn.functional as F

_NAMED = {"cross_entropy", "ce", "nll", "mse", "l1", "bce", "bce_with_logits", "smooth_l1", "huber"}
_CLASS_LOSSES = {"cross_entropy", "ce", "nll"}
_OWN_LOSS_KEYS = ("loss", "total_loss", "losses")
_MAX_HEADS = 16
# autograd nodes that keep the range of their input: walked through to find the output activation
_SHAPE_ONLY = ("View", "Reshape", "UnsafeView", "Permute", "Transpose", "Clone", "Expand", "Squeeze",
               "Unsqueeze", "Select", "Slice", "AsStrided", "Flatten", "Contiguous", "ToCopy", "Cat", "Stack",
               "Index", "UnsafeSplit", "Split", "MaxPool", "AdaptiveMaxPool", "AvgPool", "AdaptiveAvgPool",
               "Mean", "PixelShuffle", "Upsample")


@dataclass
class Output:
    primary: torch.Tensor | None  # the first head: RT004, RT013 and a custom loss look at it
    components: dict[str, torch.Tensor] = field(default_factory=dict)  # scalar losses the model returned
    heads: list[tuple[str, torch.Tensor]] = field(default_factory=list)  # every float tensor it returned
    own_loss: str | None = None  # the key of the model's own total loss, when it returned one
    note: str | None = None


def _flatten(value: Any, key: str, depth: int, out: list[tuple[str, Any]]) -> None:
    if isinstance(value, dict):
        items = [(f"{key}.{k}" if key else str(k), v) for k, v in value.items()]
    elif isinstance(value, (list, tuple)) and not isinstance(value, torch.Size):
        items = [(f"{key}[{i}]", v) for i, v in enumerate(value)]
    else:
        out.append((key, value))
        return
    if depth >= 3:
        return
    for k, v in items:
        _flatten(v, k, depth + 1, out)


def split_output(out: Any) -> Output:
    if isinstance(out, torch.Tensor):
        return Output(out, heads=[("", out)] if out.is_floating_point() else [])
    if not isinstance(out, (dict, list, tuple)):
        return Output(None, note=f"the model returned a {type(out).__name__}")
    items: list[tuple[str, Any]] = []
    _flatten(out, "", 0, items)
    tensors = [(k, v) for k, v in items if isinstance(v, torch.Tensor) and v.is_floating_point()]
    scalars = {k: v for k, v in tensors if v.dim() == 0}
    rest = [(k, v) for k, v in tensors if v.dim() > 0]
    preferred = [(k, v) for k, v in rest if k.rsplit(".", 1)[-1] in ("logits", "out", "output", "pred", "y_hat")]
    ordered = preferred + [kv for kv in rest if kv not in preferred]
    own = next((k for k in scalars if k.rsplit(".", 1)[-1] in _OWN_LOSS_KEYS), None)
    if own is None and tensors and tensors[0][1].dim() == 0 and isinstance(out, (list, tuple)):
        own = tensors[0][0]  # (loss, pred, mask): the loss comes first
    trainable = [(k, v) for k, v in ordered if v.requires_grad] or ordered
    heads = trainable[:_MAX_HEADS]
    note = None
    if own is not None:
        note = f"the model returned its own loss ({own}): the probe trains on it"
    elif len(heads) > 1:
        note = f"the model returned {len(heads)} tensors ({', '.join(k for k, _ in heads[:6])}): each is trained"
    return Output(heads[0][1] if heads else None, scalars, heads, own, note)


@dataclass
class Head:
    key: str
    kind: str  # classification | language-model | regression
    loss_name: str
    classes: int | None
    targets: torch.Tensor
    reach: str | None = None  # "Tanh: targets in [-0.8, 0.8]": why these targets


@dataclass
class Task:
    kind: str  # classification | language-model | regression | model-loss | custom | multi-output
    loss_name: str
    classes: int | None
    expected_initial_loss: float | None
    targets: torch.Tensor | None  # the first head's
    loss_fn: Callable[[Any, Any], Any] | None = None
    heads: list[Head] = field(default_factory=list)
    own_loss: str | None = None

    def describe(self) -> dict[str, Any]:
        data: dict[str, Any] = {"task": self.kind, "loss": self.loss_name, "classes": self.classes}
        if len(self.heads) > 1:
            data["heads"] = [{"key": h.key, "task": h.kind, "loss": h.loss_name} for h in self.heads]
        reach = [h.reach for h in self.heads if h.reach]
        if reach:
            data["targets"] = "; ".join(dict.fromkeys(reach))
        return data


def _expected(loss: str, classes: int | None) -> float | None:
    if loss in _CLASS_LOSSES and classes and classes > 1:
        return math.log(classes)
    if loss == "bce_with_logits":
        return math.log(2)
    return None


def output_activation(t: torch.Tensor) -> tuple[str, float, float] | None:
    """(activation, low, high) that bounds a tensor, read from its autograd graph; None: unbounded
    or unknown. Shape-only and pooling nodes are walked through (they keep the range)."""
    fn = t.grad_fn
    for _ in range(32):
        if fn is None:
            return None
        name = type(fn).__name__
        if name.startswith("Tanh"):
            return "Tanh", -1.0, 1.0
        if name.startswith("Hardtanh"):
            lo, hi = getattr(fn, "_saved_min_val", -1.0), getattr(fn, "_saved_max_val", 1.0)
            return ("ReLU6" if (lo, hi) == (0.0, 6.0) else "Hardtanh"), float(lo), float(hi)
        if name.startswith(("Sigmoid", "Hardsigmoid")):
            return "Sigmoid", 0.0, 1.0
        if name.startswith("Softmax"):
            return "Softmax", 0.0, 1.0
        if name.startswith(("Relu", "Threshold", "Softplus", "Exp", "Abs", "Sqrt")):
            return name.removesuffix("Backward0").removesuffix("Backward1"), 0.0, math.inf
        if name.startswith(_SHAPE_ONLY) and fn.next_functions:
            fn = next((f for f, _ in fn.next_functions if f is not None), None)
            continue
        return None
    return None


def _head(key: str, p: torch.Tensor, integer_input: bool, name: str | None, classes: int | None,
          labels: torch.Tensor | None, gen: torch.Generator, batch_dim: int) -> Head:
    n = p.shape[0] if p.dim() else 1
    if name in _CLASS_LOSSES or (name is None and labels is not None and not labels.is_floating_point()):
        kind = "language-model" if p.dim() == 3 and integer_input else "classification"
    elif name is None and p.dim() == 2 and p.shape[1] > 1 and (classes is None or classes == p.shape[1]) \
            and not _unit_rows(p, batch_dim):
        # rows of unit L2 norm are an embedding (SupCon's projection), not logits: as logits they could
        # never reach a low cross-entropy (at most e / (e + C - 1) on the label), whatever the wiring
        kind = "classification"
    elif name is None and p.dim() == 3 and integer_input and p.shape[-1] > 1:
        kind = "language-model"
    else:
        kind = "regression"
    if kind == "classification":
        c = p.shape[-1] if p.dim() == 2 else p.shape[1]
        shape = (n,) if p.dim() == 2 else (n, *p.shape[2:])
        act = output_activation(p)
        targets = labels if labels is not None else torch.randint(0, c, shape, generator=gen)
        wrong = None
        if act is not None and name in (None, "cross_entropy", "ce"):
            wrong = (f"{act[0]} output: cross-entropy expects logits, not probabilities"
                     if act[0] in ("Softmax", "Sigmoid") else
                     f"{act[0]} output: cross-entropy expects logits, these are bounded to [{act[1]:g}, {act[2]:g}]")
            if labels is None and act[1] == 0.0 and math.isinf(act[2]) and act[0] in ("Relu", "Threshold"):
                targets = _live_labels(p, 1 if p.dim() > 2 else -1, gen)
                wrong += "; labels drawn among each sample's logits above 0 (a ReLU at 0 has no gradient)"
        return Head(key, kind, name or "cross_entropy", c, targets.to(p.device), wrong)
    if kind == "language-model":
        v = p.shape[-1]
        targets = labels if labels is not None else torch.randint(0, v, tuple(p.shape[:-1]), generator=gen)
        return Head(key, kind, name or "cross_entropy", v, targets.to(p.device))
    if labels is not None:
        return Head(key, kind, name or "mse", None, labels.to(p.device, p.dtype))
    shape = tuple(p.shape)
    if name in ("bce", "bce_with_logits"):
        targets = torch.randint(0, 2, shape, generator=gen).float()
        return Head(key, kind, name, None, targets.to(p.device, p.dtype), "binary targets")
    act = output_activation(p) if name in (None, "mse", "l1", "smooth_l1", "huber") else None
    if act is not None and act[0] == "Sigmoid" and name is None:
        # probabilities: binary labels and BCE; one label per sample when there is one channel (a
        # discriminator, also a PatchGAN's map of patches), else one per element (binary masks, pixels)
        one_channel = p.dim() >= 2 and p.shape[1 if batch_dim == 0 else 2 if p.dim() > 2 else 1] == 1
        if one_channel or p.dim() == 1:
            n_b = p.shape[batch_dim] if p.dim() > batch_dim else 1
            labels_b = torch.randint(0, 2, (n_b,), generator=gen).float()
            view = [1] * p.dim()
            view[batch_dim] = n_b
            targets = labels_b.view(view).expand(shape).contiguous()
            reach = "Sigmoid output: one binary label per sample"
        else:
            targets = torch.randint(0, 2, shape, generator=gen).float()
            reach = "Sigmoid output: binary labels"
        return Head(key, kind, "bce", None, targets.to(p.device, p.dtype), reach)
    if act is not None:
        label, lo, hi = act
        if math.isinf(hi):
            targets = torch.randn(shape, generator=gen).abs()
            reach = f"{label} output: targets |N(0, 1)|"
        else:
            mid, half = (lo + hi) / 2, 0.8 * (hi - lo) / 2
            targets = mid + half * (2 * torch.rand(shape, generator=gen) - 1)
            reach = f"{label} output: targets in [{mid - half:.2g}, {mid + half:.2g}]"
        return Head(key, kind, name or "mse", None, targets.to(p.device, p.dtype), reach)
    if name in (None, "mse") and p.dim() >= 2 and _unit_rows(p, batch_dim):
        # L2-normalised embeddings (contrastive heads): random unit vectors are what they can reach
        targets = F.normalize(torch.randn(shape, generator=gen), dim=-1)
        return Head(key, kind, name or "mse", None, targets.to(p.device, p.dtype), "unit-norm output: random unit vectors")
    targets = torch.randn(shape, generator=gen)
    return Head(key, kind, name or "mse", None, targets.to(p.device, p.dtype))


def _live_labels(p: torch.Tensor, class_dim: int, gen: torch.Generator) -> torch.Tensor:
    """Random labels a ReLU-bounded classifier can learn (SqueezeNet's head ends in a ReLU): for each
    sample (and position), one of the classes whose logit is above 0. A label whose logit sits at the
    ReLU's 0 gets no gradient through it, so no training step can raise it; a random class among all
    of them would leave about half the samples unlearnable and make RT005 measure the probe's draw.
    A sample with no live logit keeps a random class (nothing can be learnt for it: RT005 says so)."""
    z = p.detach().float().movedim(class_dim, -1)
    live = (z > 0).reshape(-1, z.shape[-1]).float()
    live[live.sum(dim=1) == 0] = 1.0
    drawn = torch.multinomial(live.cpu(), 1, generator=gen).reshape(z.shape[:-1])
    return drawn


def _unit_rows(p: torch.Tensor, batch_dim: int) -> bool:
    norms = p.detach().float().norm(dim=-1)
    return p.shape[-1] > 1 and bool(((norms - 1).abs() < 1e-3).all())


def choose_task(output: Output, inputs: torch.Tensor, *, loss: str | None, classes: int | None,
                labels: torch.Tensor | None, custom: Callable | None, gen: torch.Generator,
                batch_dim: int = 0) -> Task:
    if output.own_loss is not None and custom is None and not loss:
        return Task("model-loss", f"the model's own loss ({output.own_loss})", None, None, None,
                    own_loss=output.own_loss)
    p = output.primary
    if p is None:
        if output.components:
            return Task("model-loss", "the model's own loss terms", None, None, None)
        raise ValueError("the model returned no floating-point tensor to compute a loss on")
    name = (loss or "").lower() if loss and ":" not in loss else None
    if name is not None and name not in _NAMED:
        raise ValueError(f"unknown loss {loss!r}: use one of {sorted(_NAMED)} or module:callable")
    integer_input = not inputs.is_floating_point()
    n = inputs.shape[batch_dim] if inputs.dim() > batch_dim else None
    # outputs without the batch dimension (a cache of keys/values, a codebook) are not predictions
    batched = [(k, t) for k, t in output.heads if n is None or (t.dim() > batch_dim and t.shape[batch_dim] == n)]
    heads_in = (batched or output.heads[:1]) if custom is None else output.heads[:1]
    heads = [_head(k, t, integer_input, name, classes, labels if i == 0 else None, gen, batch_dim)
             for i, (k, t) in enumerate(heads_in)]
    first = heads[0]
    if custom is not None:
        return Task("custom", loss or "custom", first.classes, None, first.targets, custom, heads)
    if len(heads) == 1:
        return Task(first.kind, first.loss_name, first.classes, _expected(first.loss_name, first.classes),
                    first.targets, None, heads)
    expected = [_expected(h.loss_name, h.classes) for h in heads]
    total = sum(e for e in expected if e is not None) if all(e is not None for e in expected) else None
    return Task("multi-output", first.loss_name, first.classes, total, first.targets, None, heads)


def named_loss(name: str, p: torch.Tensor, t: torch.Tensor, kind: str) -> torch.Tensor:
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
    if name == "bce":
        return F.binary_cross_entropy(p.clamp(1e-7, 1 - 1e-7), t.to(p.dtype))
    return F.binary_cross_entropy_with_logits(p, t.to(p.dtype))


def compute_loss(task: Task, output: Output) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """(total loss, its components). Components: what the model or loss function returned as parts."""
    if task.kind == "model-loss":
        if task.own_loss is not None and task.own_loss in output.components:
            return output.components[task.own_loss], {}
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
    by_key = dict(output.heads)
    losses = {h.key or "prediction": named_loss(h.loss_name, by_key[h.key], h.targets, h.kind)
              for h in task.heads if h.key in by_key}
    loss = sum(losses.values())
    # A model that returns its own loss terms next to its prediction: they are part of the loss.
    if output.components:
        comps = {"prediction": loss, **output.components}
        return sum(comps.values()), comps
    return loss, {}
