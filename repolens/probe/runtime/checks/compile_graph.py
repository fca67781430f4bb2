"""RT012 graph breaks under torch.compile, with their reasons (torch._dynamo.explain).

The probe's own forward hooks are removed while dynamo traces, so the count is the one a plain
`torch._dynamo.explain(model)(x)` gives and no reason points into repolens.
"""

from __future__ import annotations

import os

import torch

from repolens.probe.model import finding
from repolens.probe.runtime.run import Run

_MAX_REASONS = 5
_OURS = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # repolens/probe
SMALL_MODEL_PARAMS = 5_000_000  # RT012 runs on the CPU by default up to this many parameters


def _user_frames(reason) -> list:
    return [f for f in (getattr(reason, "user_stack", None) or [])
            if not os.path.abspath(f.filename).startswith(_OURS)]


def _reason_text(reason) -> str:
    text = str(getattr(reason, "reason", reason)).strip().splitlines()[0][:200]
    frames = _user_frames(reason)
    if frames:
        frame = frames[-1]
        text += f" (at {frame.filename.rsplit('/', 1)[-1]}:{frame.lineno})"
    return text


def wanted_by_default(run: Run) -> bool:
    """On CUDA always; on the CPU for a model small enough that explain takes seconds."""
    if run.device == "cuda":
        return True
    return sum(p.numel() for p in run.model.parameters()) <= SMALL_MODEL_PARAMS


def check_graph_breaks(run: Run) -> None:
    try:
        import torch._dynamo as dynamo
    except Exception as exc:  # noqa: BLE001 - dynamo is optional in some builds
        run.skip("RT012", f"torch._dynamo is unavailable: {exc}")
        return
    was = run.model.training
    run.model.eval()
    run.tracer.remove()  # our hooks are Python side effects dynamo would have to break on
    try:
        dynamo.reset()
        with torch.no_grad():
            explanation = dynamo.explain(run.model)(run.inputs)
    except Exception as exc:  # noqa: BLE001 - dynamo itself may fail on exotic code; not the user's bug
        run.skip("RT012", f"torch._dynamo.explain failed: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
        return
    finally:
        run.model.train(was)
        dynamo.reset()
        run.tracer.install()
    reasons = [_reason_text(r) for r in getattr(explanation, "break_reasons", [])]
    count = int(getattr(explanation, "graph_break_count", len(reasons)))
    if count < 0 or (count and not reasons):
        # dynamo gave up on the frame without recording why (seen with cuDNN LSTMs): no verdict
        run.skip("RT012", f"torch._dynamo.explain gave no usable result (graph_break_count={count})")
        return
    run.measure("compile", {"graphs": int(getattr(explanation, "graph_count", 0)), "graph_breaks": count,
                            "reasons": reasons[:20], "how": "torch._dynamo.explain(model)(input), eval mode, "
                                                            "without the probe's hooks"})
    if count:
        shown = "; ".join(reasons[:_MAX_REASONS]) + (f"; and {len(reasons) - _MAX_REASONS} more"
                                                     if len(reasons) > _MAX_REASONS else "")
        run.add(finding("RT012", "warning", f"{count} graph break(s) under torch.compile: {shown}", value=count,
                        threshold=0, hint="move .item(), print and data-dependent Python branches out of forward"))
