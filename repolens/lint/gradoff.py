"""Whether the code a rule visits runs with gradients off: inside `with torch.no_grad():` /
`inference_mode()`, or in a function decorated with one. A rule whose premise is a backward pass
(RL322's nan gradient) or a training step (RL103's copy overlap) mixes this in and asks `grad_off`.
A function some caller runs gradient-off (`ProjectFacts.no_grad_callees`, matched by name) was read
too and withdrawn: a held-out set lost an RL103 finding judged worth acting on (a training loop in
a function whose name a no_grad block elsewhere also calls)."""

from __future__ import annotations

import libcst as cst

from repolens.lint.trainflow import grad_off_decorated, grad_off_with


class GradOffTracker:
    """Mixin for a rule visitor (before the rule's base class): keeps one frame per enclosing `with`
    and function."""

    _grad_frames: list[bool]

    def _frames(self) -> list[bool]:
        if not hasattr(self, "_grad_frames"):
            self._grad_frames = []
        return self._grad_frames

    @property
    def grad_off(self) -> bool:
        return any(self._frames())

    def visit_With(self, node: cst.With) -> None:
        self._frames().append(grad_off_with(self, node))

    def leave_With(self, original_node: cst.With) -> None:
        self._frames().pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        super().visit_FunctionDef(node)  # type: ignore[misc]
        self._frames().append(grad_off_decorated(self, node))

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        super().leave_FunctionDef(original_node)  # type: ignore[misc]
        self._frames().pop()
