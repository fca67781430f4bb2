"""torch.optim: the optimizer classes, their weight_decay parameter, and optimizer-like names."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import libcst as cst


_OPTIMIZER_NAME = re.compile(r"(?:^|_)(?:optim|optimi[sz]er|opt)(?:$|_|\d)|optimi[sz]er", re.IGNORECASE)
# torch.optim class -> (position of weight_decay, its default). LBFGS and SparseAdam have none.
OPTIMIZER_WEIGHT_DECAY = {
    "SGD": (4, 0), "Adam": (4, 0), "AdamW": (4, 0.01), "RMSprop": (4, 0), "Adagrad": (3, 0), "Adadelta": (4, 0),
    "Adamax": (4, 0), "NAdam": (4, 0), "RAdam": (4, 0), "ASGD": (5, 0),
}


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
