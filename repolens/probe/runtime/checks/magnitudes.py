"""RT007 abnormal magnitudes: gradients, parameters, activations, logits, dead ReLUs.

A gradient below the vanishing threshold is judged again before it is called vanishing, because
many are small by construction in correctly wired models:

- recomputed in float64 on a copy of the model: a gradient that is mathematically zero (a bias right
  before a BatchNorm/InstanceNorm, also through a 1x1 conv; a branch multiplied by zero) falls to
  ~1e-17 or exactly 0, while a truly vanishing one keeps its size;
- recomputed again with every zero- or tiny-initialised multiplicative parameter opened (LayerScale
  gammas at 1e-6, zero-initialised heads or last BatchNorm gammas, set to 1 / a small random
  weight): if the gradient then becomes normal, it is held back by that gate, by design.

Both are info findings; only the rest is "vanishing" (a warning). Every finding lists all the
tensors it is about (`items`) and says how many of how many were judged.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import torch
from torch import nn

from repolens.probe.model import finding
from repolens.probe.runtime.run import Run
from repolens.probe.runtime.step import training_without_dropout
from repolens.probe.runtime.task import Task, compute_loss, split_output

_SHOWN = 8  # names in a message; the finding's `items` has them all
_GATE_MAX = 1e-4  # a multiplicative parameter whose every value is below this is a gate
_STRUCTURAL_ABS = 1e-13  # float64 gradient this small: zero up to rounding
_NORMS = ("BatchNorm", "InstanceNorm", "GroupNorm", "SyncBatchNorm", "LayerNorm", "RMSNorm")


def _listing(names: list[str], values: dict[str, float] | None = None) -> str:
    shown = [f"{n} ({values[n]:.2g})" if values else n for n in names[:_SHOWN]]
    more = f" and {len(names) - _SHOWN} more" if len(names) > _SHOWN else ""
    return ", ".join(shown) + more


def _embedding_weights(model: nn.Module) -> set[str]:
    return {f"{name}.weight" if name else "weight" for name, m in model.named_modules() if isinstance(m, nn.Embedding)}


def grad_size(name: str, grad: torch.Tensor, sparse_rows: set[str]) -> float:
    """Mean |grad|; for an embedding table, over the rows the batch used (the others get 0 by design)."""
    g = grad.detach().abs()
    if name in sparse_rows and g.dim() == 2:
        used = g.sum(dim=1) > 0
        return float(g[used].mean()) if bool(used.any()) else 0.0
    return float(g.mean())


def gates(model: nn.Module) -> list[str]:
    """Multiplicative parameters initialised at (or near) zero: LayerScale, zero-init heads/gammas."""
    out = []
    for name, p in model.named_parameters():
        if name.endswith("bias") or not p.requires_grad or p.numel() == 0:
            continue
        if bool(torch.isfinite(p).all()) and float(p.detach().abs().max()) <= _GATE_MAX:
            out.append(name)
    return out


def _strip_hooks(model: nn.Module) -> None:
    for m in model.modules():
        for attr in ("_forward_hooks", "_forward_pre_hooks", "_forward_hooks_with_kwargs",
                     "_forward_pre_hooks_with_kwargs", "_forward_hooks_always_called"):
            hooks = getattr(m, attr, None)
            if hasattr(hooks, "clear"):
                hooks.clear()


def _double_task(task: Task) -> Task:
    heads = [copy.copy(h) for h in task.heads]
    for h in heads:
        if h.targets.is_floating_point():
            h.targets = h.targets.double()
    targets = heads[0].targets if heads else task.targets
    return Task(task.kind, task.loss_name, task.classes, task.expected_initial_loss, targets, task.loss_fn, heads,
                task.own_loss)


def float64_grads(run: Run, open_gates: list[str]) -> dict[str, float]:
    """Mean |grad| of every parameter after one float64 forward/backward of a copy of the model."""
    model = copy.deepcopy(run.model)
    _strip_hooks(model)
    model.double()
    gen = torch.Generator().manual_seed(run.spec.seed + 1)
    with torch.no_grad():
        params = dict(model.named_parameters())
        for name in open_gates:
            p = params[name]
            if p.dim() <= 1:
                p.fill_(1.0)
            else:
                fan_in = max(p[0].numel(), 1)
                p.copy_(torch.randn(p.shape, generator=gen, dtype=torch.float64) / math.sqrt(fan_in))
    x = run.inputs.double() if run.inputs.is_floating_point() else run.inputs
    with training_without_dropout(model):
        out = model(x)
        loss, _ = compute_loss(_double_task(run.task), split_output(out))
        loss.backward()
    sparse = _embedding_weights(model)
    return {n: grad_size(n, p.grad, sparse) for n, p in model.named_parameters() if p.grad is not None}


def _next_layer(run: Run, module: str) -> str | None:
    trace = run.measurements.get("layers") or []
    for i, entry in enumerate(trace):
        if entry["name"] == module:
            for later in trace[i + 1:]:
                if later["depth"] <= entry["depth"] and later["params"] > 0:
                    return later["type"]
            return None
    return None


def _judge_small(run: Run, small: dict[str, float]) -> tuple[list[str], list[str], list[str], list[str], str | None]:
    """(structural, gated, transient, vanishing, why the re-check failed) for the gradients below the
    threshold. Transient: normal when recomputed (a random drop path or dropout made it small once)."""
    th = run.spec.thresholds.vanishing_grad
    gate_names = gates(run.model)
    try:
        g64 = float64_grads(run, [])
        g64_open = float64_grads(run, gate_names) if gate_names else g64
    except Exception as exc:  # noqa: BLE001 - a model that cannot be copied or run in float64: no re-check
        return [], [], [], list(small), f"{type(exc).__name__}: {str(exc).splitlines()[0][:120] if str(exc) else ''}"
    structural, gated, transient, vanishing = [], [], [], []
    for name, g32 in small.items():
        if name in gate_names:
            structural.append(name)  # a zero-initialised gate's own gradient
            continue
        d, o = g64.get(name, 0.0), g64_open.get(name, 0.0)
        if d >= th:
            transient.append(name)
        elif o >= th and gate_names:
            gated.append(name)
        elif d <= _STRUCTURAL_ABS or d <= 1e-4 * g32:
            structural.append(name)
        else:
            vanishing.append(name)
    run.measurements.setdefault("magnitudes_recheck", {}).update(
        {"float64": {n: g64.get(n) for n in small}, "gates": gate_names,
         "float64_gates_open": {n: g64_open.get(n) for n in small} if gate_names else None})
    return structural, gated, transient, vanishing, None


def _check_gradients(run: Run, params: list[dict[str, Any]]) -> None:
    th = run.spec.thresholds
    sizes = {p["name"]: p["grad_mean_abs"] for p in params if "grad_mean_abs" in p}
    small = {n: g for n, g in sizes.items() if g < th.vanishing_grad}
    big = {n: g for n, g in sizes.items() if g > th.exploding_grad}
    judged = len(sizes)
    run.measure("gradients_judged", {"tensors": judged, "below_vanishing": len(small), "above_exploding": len(big)})
    if small:
        structural, gated, transient, vanishing, failed = _judge_small(run, small)
        if transient:
            run.add(finding("RT007", "info", f"{len(transient)} of {judged} parameter tensors had a tiny gradient in the "
                            f"first step only; recomputed (float64, dropout off) it is normal, so a random drop "
                            f"(stochastic depth, dropout) made it small: {_listing(transient, small)}", transient[0],
                            value=len(transient), threshold=th.vanishing_grad, items=transient))
        if structural:
            before_norm = [n for n in structural if n.endswith("bias")
                           and (_next_layer(run, n.rsplit(".", 1)[0]) or "").startswith(_NORMS)]
            note = (f"; {len(before_norm)} of them are biases right before a normalisation, which cancels them "
                    "(bias=False, RL205)" if before_norm else "")
            run.add(finding("RT007", "info", f"{len(structural)} of {judged} parameter tensors get a gradient that is "
                            f"zero by construction (float64 re-check: zero up to rounding): {_listing(structural)}"
                            f"{note}", structural[0], value=len(structural), threshold=th.vanishing_grad,
                            hint="not a training problem; remove the parameter if it can never learn",
                            items=structural))
        if gated:
            run.add(finding("RT007", "info", f"{len(gated)} of {judged} parameter tensors get a tiny gradient held back "
                            f"by zero/tiny-initialised gates ({_listing(gates(run.model))}), by design (LayerScale, "
                            f"zero-init heads): {_listing(gated, small)}", gated[0], value=len(gated),
                            threshold=th.vanishing_grad, items=gated,
                            hint="it grows as the gates train; nothing to fix"))
        if vanishing:
            why = f" (not re-checked: {failed})" if failed else " (also in float64)"
            big_eps = _large_eps_norms(run.model)
            cause = (f"; {len(big_eps)} normalisation layer(s) have a large eps ({_listing(big_eps)}: eps="
                     f"{_eps(run.model, big_eps[0]):g}, a momentum passed as eps?), which shrinks every signal "
                     "through them" if big_eps else "")
            run.add(finding("RT007", "warning", f"vanishing gradient in {len(vanishing)} of {judged} parameter tensors: "
                            f"mean |grad| < {th.vanishing_grad:g}{why}: {_listing(vanishing, small)}{cause}", vanishing[0],
                            value=small[vanishing[0]], threshold=th.vanishing_grad, items=vanishing,
                            hint="a saturating activation, a tiny scale on a branch, or a very deep stack without "
                                 "normalisation/residuals"))
    if big:
        names = sorted(big, key=big.__getitem__, reverse=True)
        run.add(finding("RT007", "warning", f"exploding gradient in {len(big)} of {judged} parameter tensors: mean |grad| "
                        f"> {th.exploding_grad:g}: {_listing(names, big)}", names[0], value=big[names[0]],
                        threshold=th.exploding_grad, items=names, hint="lower the initial scale or clip gradients"))


def _large_eps_norms(model: nn.Module) -> list[str]:
    """Normalisation layers whose eps is 0.01 or more: `nn.BatchNorm2d(c, 0.8)` sets eps, not momentum."""
    return [name for name, m in model.named_modules()
            if isinstance(m, (nn.modules.batchnorm._NormBase, nn.GroupNorm, nn.LayerNorm))
            and isinstance(getattr(m, "eps", None), float) and m.eps >= 0.01]


def _eps(model: nn.Module, name: str) -> float:
    return float(dict(model.named_modules())[name].eps)


def _check_parameters(run: Run, params: list[dict[str, Any]]) -> None:
    th = run.spec.thresholds
    big = [p["name"] for p in params if p.get("max_abs") is not None and p["max_abs"] > th.exploding_param]
    if big:
        run.add(finding("RT007", "warning", f"abnormally large parameters in {len(big)} of {len(params)} tensors "
                        f"(max |w| > {th.exploding_param:g}): {_listing(big)}", big[0],
                        value=next(p["max_abs"] for p in params if p["name"] == big[0]),
                        threshold=th.exploding_param, items=big, hint="check the initialisation of these layers"))


def _check_activations(run: Run, acts: list[dict[str, Any]]) -> None:
    th = run.spec.thresholds
    loud = [a for a in acts if a.get("mean_abs") is not None and a["mean_abs"] > th.exploding_activation]
    # a layer with its own weights that multiplies the size of what it gets by more than exploding_gain
    # (normalisation layers rescale by design: a norm after a 1e-6 LayerScale branch has a huge "gain")
    gain = [a for a in acts if a.get("own_params") and a.get("in_mean_abs") and a.get("mean_abs") is not None
            and "Norm" not in a["type"] and a["mean_abs"] > 1.0 and a["mean_abs"] / a["in_mean_abs"] > th.exploding_gain]
    for a in gain:
        a["gain"] = a["mean_abs"] / a["in_mean_abs"]
    if gain:
        first = gain[0]
        run.add(finding("RT007", "warning", f"exploding layer gain at initialisation in {len(gain)} of {len(acts)} layer "
                        f"outputs: {first['name']} ({first['type']}) turns mean |x| = {first['in_mean_abs']:.3g} into "
                        f"{first['mean_abs']:.3g} (x{first['gain']:.3g} > x{th.exploding_gain:g})"
                        + (f"; also {_listing([a['name'] for a in gain[1:]])}" if len(gain) > 1 else ""),
                        first["name"], value=first["gain"], threshold=th.exploding_gain,
                        items=[a["name"] for a in gain], hint="its weights are initialised far too large"))
    if loud and not (gain and gain[0]["name"] == loud[0]["name"]):
        first = loud[0]
        run.add(finding("RT007", "warning", f"exploding activations in {len(loud)} of {len(acts)} layer outputs: the "
                        f"first is {first['name']} ({first['type']}), mean |a| = {first['mean_abs']:.3g} "
                        f"(> {th.exploding_activation:g})", first["name"], value=first["mean_abs"],
                        threshold=th.exploding_activation, items=[a["name"] for a in loud],
                        hint="normalize the input or check the initialisation"))
    dead = [a for a in acts if a.get("dead_fraction") is not None and a["dead_fraction"] > th.dead_relu]
    if dead:
        relus = sum(1 for a in acts if a.get("dead_fraction") is not None)
        run.add(finding("RT007", "warning", f"dead ReLU in {len(dead)} of {relus} ReLU outputs (more than "
                        f"{th.dead_relu:.0%} of the units never active over the batch): "
                        f"{_listing([a['name'] for a in dead], {a['name']: a['dead_fraction'] for a in dead})}",
                        dead[0]["name"], value=dead[0]["dead_fraction"], threshold=th.dead_relu,
                        items=[a["name"] for a in dead], hint="check the bias/initialisation of the layer before it"))


def _check_logits(run: Run, logits: torch.Tensor | None) -> None:
    """Logits in the hundreds at initialisation saturate the softmax: RT004 sees the loss, this names the layer."""
    task = run.task
    if logits is None or task is None or task.kind not in ("classification", "language-model", "multi-output") \
            or not logits.is_floating_point():
        return
    size = float(logits.detach().abs().mean())
    run.measure("logits_mean_abs", size)
    limit = run.spec.thresholds.exploding_logits
    if math.isfinite(size) and size > limit:
        where = run.tracer.producer(logits) or ""
        run.add(finding("RT007", "warning", f"exploding logits at initialisation: mean |logit| = {size:.4g} (> {limit:g})"
                        + (f", produced by {where}" if where else "") + ": the softmax is saturated before training",
                        where, value=size, threshold=limit,
                        hint="initialise the last layer small (std ~0.01) or normalise before it"))


def check_magnitudes(run: Run, logits: torch.Tensor | None = None) -> None:
    sparse = _embedding_weights(run.model)
    params: list[dict[str, Any]] = []
    for name, p in run.model.named_parameters():
        entry: dict[str, Any] = {"name": name, "shape": list(p.shape)}
        data = p.detach()
        if bool(torch.isfinite(data).all()):
            entry["mean_abs"] = float(data.abs().mean()) if data.numel() else 0.0
            entry["max_abs"] = float(data.abs().max()) if data.numel() else 0.0
        if p.grad is not None and bool(torch.isfinite(p.grad).all()):
            entry["grad_mean_abs"] = grad_size(name, p.grad, sparse)
        params.append(entry)
    acts = run.tracer.activations
    run.measure("magnitudes", {"parameters": params[:200], "activations": acts[:200]})
    _check_gradients(run, params)
    _check_parameters(run, params)
    _check_activations(run, acts)
    _check_logits(run, logits)
