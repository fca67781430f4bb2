"""What a call in a training loop does to gradients: backward, optimizer step, gradient reset."""

from __future__ import annotations

import re

import libcst as cst

from repolens.lint.helpers import method_name, receiver
from repolens.lint.knowledge.optimizers import is_optimizer_name
from repolens.pyindex.aliases import cst_dotted_name

BACKWARD, STEP, ZERO_GRAD = "backward", "step", "zero_grad"
_ZERO_GRAD_NAME = re.compile(r"zero_?grad|clear_?grad|reset_?grad", re.IGNORECASE)
# Method names that say "one training step" (`optimize_parameters`, `train_step`, `fit_batch`):
# pix2pix-style models hide the backward and the optimizer step there.
TRAINING_STEP_METHOD = re.compile(r"^(?:optimi[sz]e(?:_parameters)?|train_(?:step|batch|iter|one_batch)"
                                  r"|training_step|fit_batch|update_parameters|learn)$")


def classify_call(call: cst.Call) -> tuple[str, str | None] | None:
    """What a call does to gradients: (kind, owner) or None."""
    name = method_name(call)
    owner = cst_dotted_name(receiver(call))
    if name is None:
        func = cst_dotted_name(call.func)
        if func and _ZERO_GRAD_NAME.search(func.rsplit(".", 1)[-1]):
            return ZERO_GRAD, None
        if func in ("torch.autograd.backward", "autograd.backward"):
            return BACKWARD, None
        return None
    if name in ("backward", "manual_backward"):  # loss.backward(), accelerator.backward(loss) ...
        return BACKWARD, owner
    if _ZERO_GRAD_NAME.search(name):
        return ZERO_GRAD, owner
    if name == "step":
        if is_optimizer_name(owner):
            return STEP, owner
        # `scaler.step(optimizer)`: a GradScaler steps the optimizer it is given.
        if owner and "scaler" in owner.rsplit(".", 1)[-1].lower() and call.args:
            return STEP, cst_dotted_name(call.args[0].value)
    return None


def runs_training_step(call: cst.Call) -> bool:
    """A backward pass, an optimizer step, or a method named for one whole training step."""
    kind = classify_call(call)
    if kind is not None and kind[0] in (BACKWARD, STEP):
        return True
    name = method_name(call)
    return name is not None and bool(TRAINING_STEP_METHOD.search(name))


def is_grad_reset(node: cst.CSTNode) -> bool:
    """`p.grad = None`, `p.grad.zero_()`, `p.grad.data.zero_()`, `p.grad.detach_()`."""
    if isinstance(node, cst.Assign):
        return any(isinstance(t.target, cst.Attribute) and t.target.attr.value == "grad" for t in node.targets)
    if isinstance(node, cst.Call) and method_name(node) in ("zero_", "detach_", "fill_"):
        dotted = cst_dotted_name(receiver(node)) or ""
        return ".grad" in f".{dotted}"
    return False


def backpropagated(call: cst.Call) -> set[str]:
    """Names a backward call differentiates: `loss.backward()`, `scaler.scale(loss).backward()`,
    `accelerator.backward(loss)`, `self.manual_backward(loss)`."""
    names: set[str] = set()
    recv = receiver(call)
    if isinstance(recv, cst.Name):
        names.add(recv.value)
    elif isinstance(recv, cst.Call) and method_name(recv) == "scale" and recv.args:
        if isinstance(recv.args[0].value, cst.Name):
            names.add(recv.args[0].value.value)
    if call.args and call.args[0].keyword is None and isinstance(call.args[0].value, cst.Name):
        names.add(call.args[0].value.value)
    return names
