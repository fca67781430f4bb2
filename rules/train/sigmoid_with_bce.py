"""RL308 sigmoid-with-bce: `sigmoid` then `BCELoss` instead of `BCEWithLogitsLoss`."""

import libcst as cst

from repolens.lint import Example, Severity
from repolens.lint.helpers import literal
from repolens.lint.losses import LossInputRule
from repolens.lint.reach import ancestors_of


class SigmoidWithBce(LossInputRule):
    """
    ## What it does
    Flags the output of a sigmoid (`torch.sigmoid`, `F.sigmoid`, `x.sigmoid()`, an `nn.Sigmoid`
    module) passed as the prediction to `F.binary_cross_entropy` or to a criterion built from
    `nn.BCELoss` in the same file, directly or through one local variable.

    Not in a branch that no shipped config selects: an `if` (or `elif`) that compares a setting to a
    literal (`if self.gan_type == 'nsgan':`, `hp["gan_type"] == "nsgan"`) where the project's
    YAML/JSON configs set that key and none to that value (`ProjectModel.config_selects`: MUNIT's and
    DG-Net's every config says `gan_type: lsgan`; 6 judged findings in their `nsgan` branches,
    none worth a change). A value given only on the command line is not seen.

    ## Why is this bad?
    `sigmoid` followed by `log` loses precision: for a large logit the sigmoid rounds to exactly
    1.0 (or 0.0) and `BCELoss` has to clamp `log(0)` to -100, so confident mistakes get a capped
    loss and a zero gradient. `BCEWithLogitsLoss` / `F.binary_cross_entropy_with_logits` fuse the
    two with the log-sum-exp trick and stay exact; they are also the only binary cross-entropy
    allowed inside `torch.autocast` (mixed precision raises on `binary_cross_entropy`).

    ## Example
    ```python
    import torch
    import torch.nn as nn

    criterion = nn.BCELoss()

    def step(model, x, y):
        return criterion(torch.sigmoid(model(x)), y)
    ```

    ## Use instead
    ```python
    import torch.nn as nn

    criterion = nn.BCEWithLogitsLoss()

    def step(model, x, y):
        return criterion(model(x), y)
    ```
    """

    code = "RL308"
    name = "sigmoid-with-bce"
    severity = Severity.WARNING
    tier = "default"
    tier_reason = 'sigmoid + BCELoss is numerically unstable where BCEWithLogitsLoss is not: an expert switches'
    source = ("PyTorch docs, torch.nn.BCEWithLogitsLoss: \"more numerically stable than using a plain Sigmoid "
              "followed by a BCELoss\"; PyTorch AMP docs: binary_cross_entropy is unsafe to autocast")
    message = "sigmoid output fed to BCELoss: use BCEWithLogitsLoss on the logits (stable, autocast-safe)"
    needles = ("BCELoss", "binary_cross_entropy")

    PRODUCER_FUNCS = frozenset({"torch.sigmoid", "torch.nn.functional.sigmoid", "torch.special.expit"})
    PRODUCER_METHODS = frozenset({"sigmoid"})
    PRODUCER_MODULES = frozenset({"torch.nn.Sigmoid", "torch.nn.modules.activation.Sigmoid"})
    LOSS_FUNCS = frozenset({"torch.nn.functional.binary_cross_entropy"})
    LOSS_MODULES = frozenset({"torch.nn.BCELoss", "torch.nn.modules.loss.BCELoss"})

    valid = [
        Example("""
import torch
import torch.nn as nn

criterion = nn.BCEWithLogitsLoss()

def step(model, x, y):
    logits = model(x)
    loss = criterion(logits, y)
    probs = torch.sigmoid(logits)           # for metrics only
    return loss, probs
"""),
        Example("""
from torch import nn
import torch.nn.functional as F

bce = nn.BCELoss()

def step(p, y, model, x):
    # inputs already are probabilities from elsewhere: nothing provable here
    return bce(p, y) + F.binary_cross_entropy(model(x), y)
"""),
        # Chosen between BCELoss and something that is no loss class: not provable.
        Example("""
import torch
import torch.nn as nn

def step(model, x, y, loss_fn=None):
    criterion = nn.BCELoss() if loss_fn is None else loss_fn
    return criterion(torch.sigmoid(model(x)), y)
"""),
    ]
    invalid = [
        Example("""
import torch
import torch.nn as nn

criterion = nn.BCELoss()

def step(model, x, y):
    return criterion(torch.sigmoid(model(x)), y)
"""),
        Example("""
import torch as t
import torch.nn.functional as F

def step(model, x, y):
    probs = model(x).sigmoid()
    return F.binary_cross_entropy(probs, y)
"""),
        Example("""
from torch import nn

class Disc(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 1)
        self.act = nn.Sigmoid()
        self.crit = nn.BCELoss()

    def loss(self, x, y):
        return self.crit(self.act(self.fc(x)), y)
"""),
        # The criterion is chosen by the number of classes; the binary branch feeds it a sigmoid.
        Example("""
import torch.nn as nn
import torch.nn.functional as F

def train_step(model, images, masks):
    criterion = nn.CrossEntropyLoss() if model.n_classes > 1 else nn.BCELoss()
    pred = model(images)
    if model.n_classes == 1:
        return criterion(F.sigmoid(pred.squeeze(1)), masks.float())
    return criterion(pred, masks)
"""),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        prediction = self.loss_input(node)
        if prediction is not None and self.producer(prediction) is not None and not self._unshipped_branch(node):
            self.report(node)

    def _unshipped_branch(self, node: cst.Call) -> bool:
        """Is the call in the body of an `if` on `<setting> == <literal>` that no config selects?"""
        if self.context.module is None or not self.facts.model.config_values:
            return False
        above = ancestors_of(self.context.module, node)
        for i, a in enumerate(above):
            if isinstance(a, cst.If) and i + 1 < len(above) and above[i + 1] is a.body:
                setting = _compared_setting(a.test)
                if setting is not None and self.facts.model.config_selects(*setting) is False:
                    return True
        return False


def _compared_setting(test: cst.BaseExpression) -> tuple[str, str] | None:
    """`self.gan_type == 'nsgan'`, `hp["gan_type"] == "nsgan"` -> ("gan_type", "nsgan")."""
    if not (isinstance(test, cst.Comparison) and len(test.comparisons) == 1
            and isinstance(test.comparisons[0].operator, cst.Equal)):
        return None
    left, right = test.left, test.comparisons[0].comparator
    value = literal(right)
    if not isinstance(value, str):
        return None
    if isinstance(left, cst.Attribute):
        return left.attr.value, value
    if isinstance(left, cst.Subscript) and len(left.slice) == 1 and isinstance(left.slice[0].slice, cst.Index):
        key = literal(left.slice[0].slice.value)
        return (key, value) if isinstance(key, str) else None
    return None
