"""RL904 adam-lr (opinion, off by default): an Adam-family optimizer with a literal lr far from 3e-4."""

import libcst as cst

from repolens.lint import Example, Rule, Severity
from repolens.lint.helpers import argument, literal

ADAM = tuple(f"torch.optim.{n}" for n in ("Adam", "AdamW", "Adamax", "NAdam", "RAdam", "SparseAdam")) + tuple(
    f"torch.optim.{m}.{n}" for m, n in (("adam", "Adam"), ("adamw", "AdamW"), ("adamax", "Adamax"),
                                        ("nadam", "NAdam"), ("radam", "RAdam")))
REFERENCE = 3e-4


class AdamLr(Rule):
    """
    ## What it does
    Flags `torch.optim.Adam/AdamW/Adamax/NAdam/RAdam/SparseAdam(...)` whose learning rate is a
    literal number more than `factor` times (default 10) away from 3e-4, i.e. below 3e-5 or above
    3e-3. The optimizer's default (1e-3, when `lr` is not given) is not flagged. Off by default:
    the seed author's rule of thumb.

    ## Why is this bad?
    3e-4 is the famous "best learning rate for Adam" of the seed notes (and of Karpathy's tweet):
    a starting point that trains most networks from scratch. A value ten times larger often
    diverges; ten times smaller wastes epochs. Fine-tuning a pretrained model legitimately uses
    lower rates (1e-5): suppress the finding there or raise `factor`.

    ## Example
    ```python
    import torch

    opt = torch.optim.Adam(model.parameters(), lr=0.1)
    ```

    ## Use instead
    ```python
    import torch

    opt = torch.optim.Adam(model.parameters(), lr=3e-4)
    ```
    """

    code = "RL904"
    name = "adam-lr"
    severity = Severity.INFO
    tier = "opinion"
    tier_reason = "it is the seed author's opinion, documented but not a rule experts agree on"
    source = "notes.en.md, Tuning experience: \"Learning rate 3e-4.\""
    message = "`{opt}` with lr={lr:g}: far from the seed's 3e-4 for Adam (seed opinion)"
    needles = ("Adam",)
    options = {"factor": 10.0}

    valid = [
        Example("""
import torch

opt = torch.optim.Adam(model.parameters(), lr=3e-4)
opt2 = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.05)
opt3 = torch.optim.Adam(model.parameters(), lr=args.lr)      # not a literal
sgd = torch.optim.SGD(model.parameters(), lr=0.1)            # not Adam
"""),
        Example("""
from torch.optim import Adam

opt = Adam(model.parameters())                                # the default, 1e-3
"""),
    ]
    invalid = [
        Example("""
import torch

opt = torch.optim.Adam(model.parameters(), lr=0.1)
"""),
        Example("""
from torch import optim

opt = optim.AdamW(model.parameters(), 1e-6)
"""),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        qualified = self.qualified_name(node.func)
        if qualified not in ADAM:
            return
        lr = argument(node, "lr", 1)
        value = literal(lr.value) if lr is not None else None
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
            return
        factor = float(self.settings.get("factor", 10.0))
        if value > REFERENCE * factor or value < REFERENCE / factor:
            self.report(lr, self.message.format(opt=qualified.rsplit(".", 1)[-1], lr=value))
