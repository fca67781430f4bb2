"""Training loops: the gradient events (backward, step, zero_grad) of one loop's body, in order.

What the events are (which call is a backward, a step, a gradient reset) is PyTorch knowledge in
`repolens.lint.knowledge.training`; this module finds them in a loop, with their guards, and is
the base of the rules that read them (`TrainingLoopRule`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import libcst as cst

from repolens.lint.knowledge.optimizers import is_optimizer_name
from repolens.lint.knowledge.training import (BACKWARD, STEP, ZERO_GRAD, classify_call, is_grad_reset,
                                             runs_training_step)
from repolens.lint.roles import TRAIN, role_of_name
from repolens.lint.rule import Rule
from repolens.lint.traverse import SCOPES, children_of, walk


@dataclass(frozen=True)
class LoopEvent:
    kind: str  # BACKWARD, STEP, ZERO_GRAD
    node: cst.CSTNode
    guard: tuple[int, ...]  # ids of the conditional blocks (inside the loop) that hold the event
    nested: bool = False  # inside a loop nested in this one
    owner: str | None = None  # the optimizer / module name the call is made on


@dataclass
class LoopFlow:
    loop: cst.For | cst.While
    events: list[LoopEvent] = field(default_factory=list)

    def of(self, kind: str, *, nested: bool = False) -> list[LoopEvent]:
        return [e for e in self.events if e.kind == kind and (nested or not e.nested)]


def loop_flow(loop: cst.For | cst.While) -> LoopFlow:
    """The gradient events of one loop's body, in source order, with their guards.

    Guards are the `if`/`try`/`match` blocks inside the loop that hold an event (a `with`
    block is transparent). Events of nested loops are kept, marked `nested`; nested functions
    and classes are not entered (a closure's backward is not this loop's).
    """
    flow = LoopFlow(loop)

    def visit(node: cst.CSTNode, guard: tuple[int, ...], nested: bool) -> None:
        if isinstance(node, SCOPES):
            return
        if isinstance(node, cst.Call):
            kind = classify_call(node)
            if kind is not None:
                flow.events.append(LoopEvent(kind[0], node, guard, nested, kind[1]))
            elif is_grad_reset(node):
                flow.events.append(LoopEvent(ZERO_GRAD, node, guard, nested))
        elif is_grad_reset(node):
            flow.events.append(LoopEvent(ZERO_GRAD, node, guard, nested))
        if isinstance(node, (cst.For, cst.While)) and node is not loop:
            nested = True
        if isinstance(node, (cst.If, cst.Try, cst.TryStar, cst.Match, cst.Else, cst.ExceptHandler,
                             cst.ExceptStarHandler, cst.Finally, cst.MatchCase)) and node is not loop:
            guard = (*guard, id(node))
        if isinstance(node, cst.IfExp):
            guard = (*guard, id(node))
        for child in children_of(node):
            visit(child, guard, nested)

    visit(loop.body, (), False)
    return flow


def trains(loop: cst.For | cst.While, function_stack: Sequence[str]) -> bool:
    """A training loop: an enclosing function is named for training (`train_one_epoch`: the
    backward may be in a helper), its body runs a backward pass or an optimizer step (nested loops
    included), or calls a method named for a training step (`model.optimize_parameters()`,
    `trainer.train_step(batch)`: pix2pix-style models hide the backward there)."""
    if any(role_of_name(f) == TRAIN for f in function_stack):
        return True
    return any(isinstance(n, cst.Call) and runs_training_step(n) for n in walk(loop.body))


class TrainingLoopRule(Rule):
    """Base of the rules that read one training loop's gradient events (RL301, RL323, RL324)."""

    def visit_For(self, node: cst.For) -> None:
        self._check_loop(node)

    def visit_While(self, node: cst.While) -> None:
        self._check_loop(node)

    def _check_loop(self, node: cst.For | cst.While) -> None:
        flow = loop_flow(node)
        if flow.of(BACKWARD) and flow.of(STEP):
            self.check_loop(flow)

    def check_loop(self, flow: LoopFlow) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    @staticmethod
    def step_owners(flow: LoopFlow) -> set[str | None]:
        return {e.owner for e in flow.of(STEP)}

    @staticmethod
    def same_optimizer(zero: LoopEvent, step: LoopEvent, owners: set[str | None]) -> bool:
        """Does `zero` clear the gradients `step` uses? Unknown (several optimizers) counts as no."""
        if is_optimizer_name(zero.owner):
            return zero.owner == step.owner
        return len(owners) == 1
