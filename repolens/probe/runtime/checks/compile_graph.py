"""RT012 graph breaks under torch.compile, with their reasons (torch._dynamo.explain)."""

from __future__ import annotations

import torch

from repolens.probe.model import finding
from repolens.probe.runtime.run import Run

_MAX_REASONS = 5


def _reason_text(reason) -> str:
    text = str(getattr(reason, "reason", reason)).strip().splitlines()[0][:200]
    stack = getattr(reason, "user_stack", None) or []
    if stack:
        frame = stack[-1]
        text += f" (at {frame.filename.rsplit('/', 1)[-1]}:{frame.lineno})"
    return text


def check_graph_breaks(run: Run) -> None:
    try:
        import torch._dynamo as dynamo
    except Exception as exc:  # noqa: BLE001 - dynamo is optional in some builds
        run.skip("RT012", f"torch._dynamo is unavailable: {exc}")
        return
    was = run.model.training
    run.model.eval()
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
    reasons = [_reason_text(r) for r in getattr(explanation, "break_reasons", [])]
    count = int(getattr(explanation, "graph_break_count", len(reasons)))
    if count < 0 or (count and not reasons):
        # dynamo gave up on the frame without recording why (seen with cuDNN LSTMs): no verdict
        run.skip("RT012", f"torch._dynamo.explain gave no usable result (graph_break_count={count})")
        return
    run.measure("compile", {"graphs": int(getattr(explanation, "graph_count", 0)), "graph_breaks": count,
                            "reasons": reasons[:20]})
    if count:
        shown = "; ".join(reasons[:_MAX_REASONS])
        run.add(finding("RT012", "warning", f"{count} graph break(s) under torch.compile: {shown}"))
