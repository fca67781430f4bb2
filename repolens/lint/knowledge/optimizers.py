"""torch.optim: the optimizer classes, their weight_decay parameter, and optimizer-like names."""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING, Any, Callable, Iterable

from repolens.pyindex.aliases import ast_dotted_name

if TYPE_CHECKING:
    import libcst as cst


_OPTIMIZER_NAME = re.compile(r"(?:^|_)(?:optim|optimi[sz]er|opt)(?:$|_|\d)|optimi[sz]er", re.IGNORECASE)
# torch.optim class -> (position of weight_decay, its default). LBFGS and SparseAdam have none.
OPTIMIZER_WEIGHT_DECAY = {
    "SGD": (4, 0), "Adam": (4, 0), "AdamW": (4, 0.01), "RMSprop": (4, 0), "Adagrad": (3, 0), "Adadelta": (4, 0),
    "Adamax": (4, 0), "NAdam": (4, 0), "RAdam": (4, 0), "ASGD": (5, 0),
}


# Optimizers whose step divides the gradient by a running measure of its own size (Adam's
# m / sqrt(v), RMSprop's and Adagrad's g / sqrt(sum g^2)): a gradient N times larger gives the
# same step, up to eps. SGD's step is proportional to it. AdamW's weight decay is decoupled from the
# gradient; the others' `weight_decay` is added to it, so a scaled gradient changes its weight.
SCALE_FREE_OPTIMIZERS = frozenset({"Adam", "AdamW", "Adamax", "NAdam", "RAdam", "RMSprop", "Adagrad"})
_SGD_WORD = re.compile(r"sgd", re.IGNORECASE)


def optimizers_built(calls: Iterable[ast.Call], resolve: Callable[[str | None], str | None], text: str) -> frozenset[str]:
    """The torch.optim classes a file constructs (`torch.optim.AdamW(...)` under any import style:
    "AdamW"), "<class>+wd" for one whose coupled weight decay is given and not a literal 0
    (`Adam(params, weight_decay=1e-4)`), and "SGD" wherever the file mentions SGD at all (an
    optimizer chosen by name, `choices=["sgd", "adam"]`, is not constructed where it is named)."""
    out = {"SGD"} if _SGD_WORD.search(text) else set()
    for call in calls:
        parts = (resolve(ast_dotted_name(call.func)) or "").split(".")
        if len(parts) < 3 or parts[:2] != ["torch", "optim"] or parts[-1] not in OPTIMIZER_WEIGHT_DECAY:
            continue
        name = parts[-1]
        position = OPTIMIZER_WEIGHT_DECAY[name][0]
        decay = next((k.value for k in call.keywords if k.arg == "weight_decay"), None)
        if decay is None and len(call.args) > position:
            decay = call.args[position]
        coupled = name != "AdamW" and decay is not None and not (isinstance(decay, ast.Constant) and decay.value == 0)
        out.add(name + "+wd" if coupled else name)
    return frozenset(out)


def only_scale_free(optimizers: frozenset[str]) -> bool:
    """Every optimizer the project builds takes the same step from a gradient N times larger."""
    return bool(optimizers) and optimizers <= SCALE_FREE_OPTIMIZERS


def torch_optimizer(rule: Any, call: cst.Call) -> str | None:
    """`torch.optim.SGD(...)` under any import style -> "SGD"; else None."""
    qualified = rule.qualified_name(call.func) or ""
    parts = qualified.split(".")
    if len(parts) >= 3 and parts[:2] == ["torch", "optim"] and parts[-1] in OPTIMIZER_WEIGHT_DECAY:
        return parts[-1]
    return None


def is_optimizer_name(name: str | None) -> bool:
    if not name:
        return False
    last = name.rsplit(".", 1)[-1]
    return bool(_OPTIMIZER_NAME.search(last)) and "sched" not in last.lower()
