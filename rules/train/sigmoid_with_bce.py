"""RL308 sigmoid-with-bce: `sigmoid` then `BCELoss` instead of `BCEWithLogitsLoss`."""

import libcst as cst

from repolens.lint import Example, Severity
from repolens.lint.losses import LossInputRule


class SigmoidWithBce(LossInputRule):
    """
    ## What it does
    Flags the output of a sigmoid (`torch.sigmoid`, `F.sigmoid`, `x.sigmoid()`, an `nn.Sigmoid`
    module) passed as the prediction to `F.binary_cross_entropy` or to a criterion built from
    `nn.BCELoss` in the same file, directly or through one local variable.

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
        if prediction is not None and self.producer(prediction) is not None:
            self.report(node)
