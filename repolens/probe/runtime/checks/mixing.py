"""RT013 batch mixing: in eval mode, output i must not depend on input j != i.

Karpathy's "use backprop to chart dependencies": take the gradient of sample 0's output with
respect to the whole input batch; any non-zero gradient on another sample means the model mixes
information across the batch dimension (a wrong view/reshape/transpose, a norm over dim 0).
"""

from __future__ import annotations

import torch
from torch import nn

from repolens.probe.model import finding
from repolens.probe.runtime.run import Run
from repolens.probe.runtime.task import split_output


def check_batch_mixing(run: Run) -> None:
    x = run.inputs
    n = int(x.shape[0])
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
            out = split_output(run.model(x)).primary
            wrt = x if x.is_floating_point() else (captured[0] if captured else None)
            _gradients(run, out, wrt, n, probe_at)
        finally:
            run.model.train(was)
            if handle is not None:
                handle.remove()


def _gradients(run: Run, out, wrt, n: int, probe_at: str) -> None:
    if out is None or wrt is None or out.dim() == 0 or out.shape[0] != n or wrt.shape[0] != n:
        run.skip("RT013", f"the output's first dimension is not the batch ({n})")
        return
    # Two probes, the first and the last sample: a causal mix (an RNN run along the batch) only
    # shows in the last one. A random projection: a plain sum can have zero gradient (softmax).
    leaking: dict[int, list[int]] = {}
    own_max, other_max = 0.0, 0.0
    for i in (0, n - 1):
        weights = torch.randn(out[i].shape, generator=run.gen).to(out.device, out.dtype)
        if wrt.grad is not None:
            wrt.grad = None
        (out[i] * weights).sum().backward(retain_graph=i == 0)
        if wrt.grad is None:
            run.measure("batch_mixing", {"at": probe_at, "depends_on_input": False, "samples_leaking": {}})
            return
        per_sample = wrt.grad.detach().abs().flatten(1).amax(dim=1)
        own = float(per_sample[i])
        others = [(j, float(v)) for j, v in enumerate(per_sample.tolist()) if j != i]
        own_max, other_max = max(own_max, own), max(other_max, max(v for _, v in others))
        bad = [j for j, v in others if v > 0 and (own == 0 or v / own > 1e-6)]
        if bad:
            leaking[i] = bad
    run.measure("batch_mixing", {"at": probe_at, "own_grad_max": own_max, "other_grad_max": other_max,
                                 "samples_leaking": {str(k): v for k, v in leaking.items()}})
    if leaking:
        i, js = next(iter(leaking.items()))
        run.add(finding("RT013", "error", f"batch mixing: sample {i}'s output depends on samples {js[:8]} of the "
                        f"batch (gradient at {probe_at}, eval mode): a view/reshape/transpose across the batch "
                        "dimension, a batch_first mismatch, or an operation over dim 0"))
