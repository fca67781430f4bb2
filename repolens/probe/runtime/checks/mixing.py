"""RT013 batch mixing: in eval mode, output i must not depend on input j != i.

Karpathy's "use backprop to chart dependencies": take the gradient of sample i's output with
respect to the whole input batch; any non-zero gradient on another sample means the model mixes
information across the batch dimension (a wrong view/reshape/transpose, a norm over the batch).

The batch dimension is found first: the first layer (in call order) that fixes the layout decides
it: a Conv/BatchNorm takes N first; an RNN, MultiheadAttention or Transformer says batch_first; an
Embedding, Linear or LayerNorm does not care. A sequence-first language model (time in dimension
0) is therefore judged along dimension 1. When the output of a sample has no gradient at all with
respect to its own input the check cannot tell anything: it is reported as inconclusive.

When it fires, a second eval forward with only the last sample changed (same random seed, so
random masking does not count) names the first module whose output changed for another sample.
"""

from __future__ import annotations

import torch
from torch import nn

from repolens.probe.model import finding
from repolens.probe.runtime.run import Run
from repolens.probe.runtime.task import split_output

_AGNOSTIC = (nn.Embedding, nn.Linear, nn.LayerNorm, nn.Dropout, nn.Identity)
_BATCH_FIRST_LAYERS = (nn.modules.conv._ConvNd, nn.modules.batchnorm._BatchNorm, nn.modules.pooling._MaxPoolNd,
                       nn.modules.pooling._AvgPoolNd, nn.GroupNorm)


def _declared(module: nn.Module) -> bool | None:
    if isinstance(module, nn.modules.rnn.RNNBase):
        return bool(module.batch_first)
    if isinstance(module, nn.MultiheadAttention):
        return bool(module.batch_first)
    if isinstance(module, (nn.TransformerEncoderLayer, nn.TransformerDecoderLayer)):
        return bool(module.self_attn.batch_first)
    if isinstance(module, nn.Transformer):
        return bool(module.batch_first)
    return None


def batch_dim(run: Run) -> int:
    """0 (batch first) or 1 (sequence first), from the first layout-fixing layer the input meets."""
    modules = dict(run.model.named_modules())
    for row in run.tracer.trace:
        module = modules.get("" if row["name"] == "(model)" else row["name"])
        if module is None or module is run.model:
            continue
        declared = _declared(module)
        if declared is not None:
            return 0 if declared else 1
        if isinstance(module, _BATCH_FIRST_LAYERS):
            return 0
    return 0


def _select(t: torch.Tensor, dim: int, i: int) -> torch.Tensor:
    return t.select(dim, i)


def check_batch_mixing(run: Run) -> None:
    x = run.inputs
    b = run.batch_dim
    if x.dim() <= b:
        run.skip("RT013", f"the input has no dimension {b} to hold the batch")
        return
    n = int(x.shape[b])
    if n < 2:
        run.skip("RT013", "the batch has one sample")
        return
    captured: list[torch.Tensor] = []
    handle = None
    if x.is_floating_point():
        x = x.detach().clone().requires_grad_(True)
        probe_at = "the input"
    else:
        emb = next((m for m in run.model.modules() if isinstance(m, nn.Embedding)), None)
        if emb is None:
            run.skip("RT013", "integer inputs and no nn.Embedding whose output could carry a gradient")
            return

        def keep(_m, _args, out):
            if isinstance(out, torch.Tensor) and out.requires_grad and not captured:
                out.retain_grad()
                captured.append(out)

        handle = emb.register_forward_hook(keep)
        probe_at = f"the output of {run.tracer.name_of(emb)} (Embedding)"
    was = run.model.training
    run.model.eval()
    # cuDNN's RNN refuses backward in eval mode; the native kernels give the same gradients
    with torch.backends.cudnn.flags(enabled=False):
        try:
            run.tracer.reset_stack()
            heads = [t for _, t in split_output(run.model(x)).heads if t.dim() > b and t.shape[b] == n]
            wrt = x if x.is_floating_point() else (captured[0] if captured else None)
            leaking = _gradients(run, heads, wrt, n, b, probe_at)
        finally:
            if handle is not None:
                handle.remove()
        try:
            if leaking:
                where = locate(run, b, n)
                _report(run, leaking, probe_at, b, where)
        finally:
            run.model.train(was)


def _gradients(run: Run, heads: list, wrt, n: int, b: int, probe_at: str) -> dict[int, list[int]] | None:
    """Every output with the batch dimension is probed (a detector's three scales, not the first only)."""
    layout = "batch first" if b == 0 else "sequence first: batch in dimension 1"
    if not heads or wrt is None or wrt.shape[b] != n:
        run.skip("RT013", f"inconclusive: the output's dimension {b} is not the batch ({n}; {layout})")
        run.measure("batch_mixing", {"at": probe_at, "batch_dim": b, "verdict": "inconclusive"})
        return None
    # Two probes, the first and the last sample: a causal mix (an RNN run along the batch) only
    # shows in the last one.
    leaking: dict[int, list[int]] = {}
    own_max, other_max = 0.0, 0.0
    for i in (0, n - 1):
        if wrt.grad is not None:
            wrt.grad = None
        # a random projection of sample i's outputs: a plain sum can have zero gradient (softmax)
        total = sum((_select(t, b, i) * torch.randn(_select(t, b, i).shape, generator=run.gen).to(t.device, t.dtype)
                     ).sum() for t in heads)
        total.backward(retain_graph=i == 0)
        if wrt.grad is None:
            run.skip("RT013", "inconclusive: the output does not depend on the input through autograd")
            run.measure("batch_mixing", {"at": probe_at, "batch_dim": b, "verdict": "inconclusive",
                                         "samples_leaking": {}})
            return None
        per_sample = wrt.grad.detach().abs().movedim(b, 0).flatten(1).amax(dim=1)
        own = float(per_sample[i])
        others = [(j, float(v)) for j, v in enumerate(per_sample.tolist()) if j != i]
        own_max, other_max = max(own_max, own), max(other_max, max(v for _, v in others))
        bad = [j for j, v in others if v > 0 and (own == 0 or v / own > 1e-6)]
        if bad:
            leaking[i] = bad
    verdict = "mixing" if leaking else ("inconclusive" if own_max == 0 else "independent")
    run.measure("batch_mixing", {"at": probe_at, "batch_dim": b, "layout": layout, "own_grad_max": own_max,
                                 "other_grad_max": other_max, "verdict": verdict,
                                 "samples_leaking": {str(k): v for k, v in leaking.items()}})
    if verdict == "inconclusive":
        run.skip("RT013", "inconclusive: no sample's output has a gradient with respect to its own input "
                 "(a constant output, or integer-only paths), so independence cannot be judged")
        return None
    return leaking


def locate(run: Run, b: int, n: int) -> str | None:
    """The first module (in completion order) whose output for another sample changes when only
    the last sample's input changes."""
    names = {id(m): (name or "(model)") for name, m in run.model.named_modules()}
    x0 = run.inputs
    changed = []
    for j in (0, n - 1):  # the first and the last sample: a causal mix only shows one way
        x1 = x0.clone()
        piece = _select(x1, b, j)
        if x0.is_floating_point():
            piece.add_(torch.randn(piece.shape, generator=run.gen).to(x1))
        else:
            high = max(int(x0.max()) + 1, 2)
            piece.copy_((piece + 1) % high)
        changed.append((j, x1))
    def first(value):
        if isinstance(value, torch.Tensor):
            return value
        return next((v for v in (value if isinstance(value, (list, tuple)) else ()) if isinstance(v, torch.Tensor)),
                    None)

    def batch_sized(t):
        return t is not None and t.is_floating_point() and t.dim() > b and t.shape[b] == n

    def run_once(x):
        got: list[tuple[str, torch.Tensor | None, torch.Tensor]] = []

        def keep(module, args, out):
            t, i = first(out), first(args)
            if batch_sized(t):
                got.append((names.get(id(module), type(module).__name__), i.detach() if batch_sized(i) else None,
                            t.detach()))
        handles = [m.register_forward_hook(keep) for m in run.model.modules()]
        try:
            with torch.no_grad(), torch.random.fork_rng(devices=[]):
                torch.manual_seed(run.spec.seed + 7)
                run.tracer.reset_stack()
                run.model(x)
        finally:
            for h in handles:
                h.remove()
        return got

    def mixed(a, c, j) -> bool:
        if a is None or c is None or a.shape != c.shape:
            return False
        diff = (a - c).abs().movedim(b, 0).flatten(1)
        others = torch.cat([diff[:j], diff[j + 1:]])
        scale = float(a.abs().max()) or 1.0
        return bool(others.numel()) and float(others.max()) > 1e-6 * scale

    base = run_once(x0)
    found: list[tuple[int, str]] = []
    for j, x1 in changed:
        for k, ((name, in0, out0), (_, in1, out1)) in enumerate(zip(base, run_once(x1))):
            if mixed(out0, out1, j):
                if mixed(in0, in1, j) and name != "(model)":
                    # mixed before this module: in its parent's own forward code
                    name = name.rsplit(".", 1)[0] if "." in name else "(model)"
                found.append((k, name))
                break
    return min(found)[1] if found else None


def _report(run: Run, leaking: dict[int, list[int]], probe_at: str, b: int, where: str | None) -> None:
    i, js = next(iter(leaking.items()))
    at = f"; it first shows in the output of {where}" if where else ""
    run.measurements.setdefault("batch_mixing", {})["first_mixing_module"] = where
    run.add(finding("RT013", "error", f"batch mixing: sample {i}'s output depends on samples {js[:8]} of the "
                    f"batch (gradient at {probe_at}, eval mode, batch dimension {b}){at}: a view/reshape/transpose "
                    "across the batch dimension, a batch_first mismatch, or an operation over the batch",
                    where or "", value=len(js), threshold=0,
                    hint="print the shapes around that module; reshape with the batch size kept as dimension 0"))
