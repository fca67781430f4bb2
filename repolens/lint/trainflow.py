"""Helpers of the training, evaluation and entrypoint rules (RL302-RL325, RL401, RL403).

Built on `loops.py` (read-only here): a training loop is a loop whose body (nested loops
included, nested functions not) calls `backward()` and an optimizer `step()`. On top of that:
gradient-off contexts (`torch.no_grad()` ...), train/eval mode switches, the `__main__` guard,
and "is this file a training entrypoint". As in `loops.py`, an uncertain answer is "no", so the
rules stay silent.
"""

from __future__ import annotations

import re
from typing import Any, Iterator

import libcst as cst

from repolens.lint.helpers import disables_grad, is_main_guard, literal, method_name, target_names, turns_grad_off
from repolens.lint.knowledge.training import BACKWARD, STEP
from repolens.lint.loops import loop_flow
from repolens.lint.roles import is_eval_function_name, name_tokens
from repolens.lint.traverse import children_of, nodes, per_file, walk
from repolens.lint.rule import Rule
from repolens.pyindex.aliases import cst_dotted_name

GRAD_OFF = ("torch.no_grad", "torch.inference_mode", "torch.autograd.no_grad", "torch.autograd.inference_mode",
            "torch.autograd.grad_mode.no_grad", "torch.autograd.grad_mode.inference_mode")
SET_GRAD_ENABLED = ("torch.set_grad_enabled", "torch.autograd.set_grad_enabled",
                    "torch.autograd.grad_mode.set_grad_enabled")
_TEST_DIR = re.compile(r"(?:^|/)(?:tests?|testing)/|(?:^|/)conftest\.py$")
_TEST_NAME = re.compile(r"(?:^|/)test_[^/]*\.py$|_test\.py$")
_TEST_CODE = re.compile(r"^[ \t]*(?:def test|class Test|(?:import|from) (?:pytest|unittest)\b)", re.M)


def is_test_path(path: str, source: str | None = None) -> bool:
    """Unit tests are neither training scripts nor evaluation code: a file under `tests/` (or a
    `conftest.py`), or one named like a test (`test_x.py`, `x_test.py`) whose source, when given,
    reads like one (test functions or classes, pytest / unittest imports). Research code names its
    inference scripts that way (U-2-Net's `u2net_test.py`, PyTorch-GAN's `test_on_image.py`)."""
    if _TEST_DIR.search(path):
        return True
    return bool(_TEST_NAME.search(path)) and (source is None or bool(_TEST_CODE.search(source)))


_UNIT_TEST_IMPORT = re.compile(r"^[ \t]*(?:import|from) (?:pytest|unittest)\b", re.M)


def is_unit_test(path: str, source: str) -> bool:
    """A unit test for sure: a file under `tests/` (or a `conftest.py`), or one named like a test
    that imports pytest or unittest. Stricter than `is_test_path`, whose `def test...` reading
    also takes evaluation scripts (PointWeb's `tool/test_s3dis.py` with its `def test(model, ...)`):
    what a rule stays silent on must not be a script users run on their data."""
    if _TEST_DIR.search(path):
        return True
    return bool(_TEST_NAME.search(path)) and bool(_UNIT_TEST_IMPORT.search(source))


# An LR range test (`lr_finder.py`, `find_lr.py`): a few hundred steps to pick a learning rate.
_LR_RANGE_TEST = re.compile(r"(?:^|/)(?:lr_?finder|find_?lr|lr_?find|lr_?range(?:_?test)?)[^/]*\.py$", re.I)


def is_lr_range_test(path: str) -> bool:
    """An LR range test script is no training run: its schedule is the sweep, and it lasts minutes."""
    return bool(_LR_RANGE_TEST.search(path))


# -- gradient-off contexts ------------------------------------------------------------------------
def is_grad_off(rule: Any, expr: cst.BaseExpression | None) -> bool:
    """`torch.no_grad()`, `torch.inference_mode()`, `torch.set_grad_enabled(False)` (or the bare
    decorator `@torch.no_grad`)."""
    if expr is None:
        return False
    func = expr.func if isinstance(expr, cst.Call) else expr
    # project wrappers count too: ultralytics' `smart_inference_mode()`, `torch_no_grad` helpers
    if turns_grad_off(expr, rule.is_name(func, *GRAD_OFF)):
        return True
    return isinstance(expr, cst.Call) and rule.is_name(func, *SET_GRAD_ENABLED) and disables_grad(expr, qualified=True)


def grad_off_decorated(rule: Any, fn: cst.FunctionDef) -> bool:
    return any(is_grad_off(rule, d.decorator) for d in fn.decorators)


def sets_grad_off(rule: Any, node: cst.CSTNode) -> bool:
    """A `torch.set_grad_enabled(False)` statement (not a `with`) anywhere in `node`'s own scope,
    or one given a flag (`torch.set_grad_enabled(split == 'train')`: the run turns autograd off for
    its evaluation split; pytorch-made's `run_epoch`, judged wrong), or inputs made with
    `Variable(x, volatile=True)`: PyTorch < 0.4's way of turning autograd off for everything
    computed from them (code written for that torch is not missing a no_grad)."""
    return any(isinstance(n, cst.Expr) and (is_grad_off(rule, n.value) or sets_grad_by_flag(rule, n.value))
               or _volatile(n) for n in nodes(node))


def sets_grad_by_flag(rule: Any, expr: cst.BaseExpression) -> bool:
    """`torch.set_grad_enabled(phase == "train")`: autograd on or off as a run-time flag says."""
    return isinstance(expr, cst.Call) and rule.is_name(expr.func, *SET_GRAD_ENABLED) and bool(expr.args) \
        and not isinstance(literal(expr.args[0].value), bool)


def _volatile(node: cst.CSTNode) -> bool:
    return isinstance(node, cst.Call) and any(
        a.keyword is not None and a.keyword.value == "volatile" and isinstance(a.value, cst.Name)
        and a.value.value == "True" for a in node.args)


def grad_off_with(rule: Any, node: cst.With) -> bool:
    return any(is_grad_off(rule, item.item) for item in node.items)


# -- train / eval mode --------------------------------------------------------------------------
def is_eval_switch(call: cst.CSTNode) -> bool:
    """`m.eval()`, `m.train(False)`, `m.train(mode=False)`."""
    if not isinstance(call, cst.Call):
        return False
    name = method_name(call)
    if name == "eval":
        return not call.args
    if name == "train":
        return len(call.args) == 1 and literal(call.args[0].value) is False
    return False


def is_train_switch(call: cst.CSTNode) -> bool:
    """`m.train()`, `m.train(True)`, `m.train(mode)`: anything but a literal False."""
    if not isinstance(call, cst.Call) or method_name(call) != "train":
        return False
    return len(call.args) <= 1 and not (call.args and literal(call.args[0].value) is False)


def switch_owner(call: cst.Call) -> str | None:
    """`model.eval()` -> `model`; `model.module.eval()` -> `model`."""
    recv = call.func.value if isinstance(call.func, cst.Attribute) else None
    dotted = cst_dotted_name(recv)
    return dotted.split(".")[0] if dotted else None


def called_name(call: cst.Call) -> str | None:
    """`train_one_epoch(...)` -> `train_one_epoch`; `self.validate(...)` -> `validate`."""
    if isinstance(call.func, cst.Name):
        return call.func.value
    if isinstance(call.func, cst.Attribute) and isinstance(call.func.value, cst.Name) \
            and call.func.value.value in ("self", "cls"):
        return call.func.attr.value
    return None


def param_names(fn: cst.FunctionDef) -> list[str]:
    p = fn.params
    return [x.name.value for x in (*p.posonly_params, *p.params, *p.kwonly_params)]


# -- loops ------------------------------------------------------------------------------------
def is_training_loop(loop: cst.For | cst.While) -> bool:
    """A loop whose body (nested loops included) calls backward() and an optimizer step()."""
    flow = loop_flow(loop)
    return bool(flow.of(BACKWARD, nested=True)) and bool(flow.of(STEP, nested=True))


def loops_in(node: cst.CSTNode) -> Iterator[cst.For | cst.While]:
    return (n for n in walk(node) if isinstance(n, (cst.For, cst.While)))


def training_loops(node: cst.CSTNode, source: str | None = None) -> list[cst.For | cst.While]:
    """Outermost training loops under `node` (a loop inside a training loop is not listed again).

    `source`, the file's text, lets a file that never says `backward` or `step` (no training loop
    can be written without both) answer without a walk.
    """
    if source is not None and ("backward" not in source or "step" not in source):
        return []
    if isinstance(node, cst.Module):  # asked by several rules of the same file
        return list(per_file(node, "training_loops", _training_loops))
    return _training_loops(node)


def _training_loops(node: cst.CSTNode) -> list[cst.For | cst.While]:
    out: list[cst.For | cst.While] = []
    covered: set[int] = set()
    for loop in loops_in(node):
        if id(loop) in covered:
            continue
        if is_training_loop(loop):
            out.append(loop)
            covered |= {id(n) for n in walk(loop)}
    return out


def entry_anchor(module: cst.Module, path: str, source: str | None = None) -> cst.CSTNode | None:
    """Where a training entrypoint starts, or None when the file is not one.

    A training entrypoint is a file (not a unit test) that runs a training loop (backward and an
    optimizer step in one loop) and either has a `__main__` guard (the anchor) or runs the loop
    at module level (the loop is the anchor: a notebook-style script).
    """
    if is_test_path(path, source):
        return None
    loops = training_loops(module, source)
    if not loops:
        return None
    for stmt in module.body:
        if is_main_guard(stmt):
            return stmt
    top = {id(n) for n in module.body}
    for loop in loops:
        if id(loop) in top:
            return loop
    return None


# What makes code inside a training loop run less than once per step: a condition (a logging
# `if step % n == 0:`), a nested loop or comprehension; a nested scope is not the loop's code.
_CONDITIONAL = (cst.If, cst.IfExp, cst.Try, cst.TryStar, cst.Match, cst.For, cst.While, cst.BooleanOperation,
                cst.CompFor, cst.ListComp, cst.GeneratorExp, cst.DictComp, cst.SetComp)
_SCOPES = (cst.FunctionDef, cst.ClassDef, cst.Lambda)


def every_step_nodes(loop: cst.For | cst.While, leaf: Any = None) -> Iterator[cst.CSTNode]:
    """The nodes of a loop's body that run on every iteration, in source order (RL321, RL405,
    RL406): not under an `if` / `try` / nested loop / comprehension, not in a nested scope.
    `leaf(node)` true: the node is yielded but not entered (the inner calls of a reported chain)."""
    stack: list[cst.CSTNode] = [loop.body]
    while stack:
        n = stack.pop()
        if isinstance(n, _SCOPES) or (isinstance(n, _CONDITIONAL) and n is not loop.body):
            continue
        yield n
        if leaf is None or not leaf(n):
            stack.extend(reversed(children_of(n)))


# Tensor methods that copy a value to the host, and so wait for the GPU.
HOST_READS = frozenset({"item", "tolist", "cpu"})


def reads_to_host_every_step(loop: cst.For | cst.While) -> bool:
    """The loop copies some value to the host on every iteration (`loss.item()` for a meter, `.cpu()`):
    each step waits for the GPU there anyway, so another sync in the same step adds nothing (RL405's
    `synchronize()`, RL406's formatted tensor)."""
    return any(isinstance(n, cst.Call) and isinstance(n.func, cst.Attribute) and n.func.attr.value in HOST_READS
               for n in every_step_nodes(loop))


def runs_epochs_without_stopping(node: cst.For) -> bool:
    """A loop over epochs that trains and validates every epoch, with no `break` / `return` and no
    "best" value tracked in it (RL313, RL314)."""
    if not any("epoch" in t for t in target_names(node.target)):
        return False
    own = list(walk(node.body, into_scopes=False))
    if any(isinstance(n, (cst.Break, cst.Return)) for n in own):
        return False
    if any(isinstance(n, cst.Name) and "best" in name_tokens(n.value) for n in own):
        return False
    names = [called_name(n) for n in own if isinstance(n, cst.Call)]
    trains = is_training_loop(node) or any(n and "train" in name_tokens(n) for n in names)
    return trains and any(n and is_eval_function_name(n) for n in names)


class TrainingEntrypointRule(Rule):
    """Base of the rules that judge a training entrypoint against the whole project.

    `missing()` answers from the project's facts (a seed in `utils/seed.py` counts for
    `train.py`); the finding is reported once per entrypoint file, at its `__main__` guard (or
    its module-level training loop).
    """

    def missing(self) -> bool:  # pragma: no cover - overridden
        raise NotImplementedError

    def visit_Module(self, node: cst.Module) -> None:
        if not self.facts.model.uses_torch(self.context.path) or not self.missing():
            return  # no torch in it or under it: a PaddlePaddle port's train.py trains no PyTorch model
        anchor = entry_anchor(node, self.context.path, self.context.source)
        if anchor is not None:
            self.report(anchor.test if isinstance(anchor, cst.If) else anchor)
