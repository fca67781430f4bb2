"""RL307 softmax-before-cross-entropy: probabilities fed to a loss that expects logits."""

import libcst as cst

from repolens.lint import Example, Severity
from repolens.lint.losses import LossInputRule

SOFTMAX_FUNCS = frozenset({"torch.softmax", "torch.nn.functional.softmax", "torch.special.softmax",
                           "torch.Tensor.softmax"})
LOG_SOFTMAX_FUNCS = frozenset({"torch.log_softmax", "torch.nn.functional.log_softmax",
                               "torch.special.log_softmax", "torch.Tensor.log_softmax"})
SOFTMAX_MODULES = frozenset({"torch.nn.Softmax", "torch.nn.modules.activation.Softmax"})
LOG_SOFTMAX_MODULES = frozenset({"torch.nn.LogSoftmax", "torch.nn.modules.activation.LogSoftmax"})


class SoftmaxBeforeCrossEntropy(LossInputRule):
    """
    ## What it does
    Flags the output of a softmax (`F.softmax`, `torch.softmax`, `x.softmax(dim)`, an
    `nn.Softmax` module) passed as the prediction to `F.cross_entropy` or to a criterion built
    from `nn.CrossEntropyLoss` in the same file, directly or through one local variable.

    `log_softmax` output is not flagged by default: `log_softmax` is idempotent, so
    `cross_entropy(log_softmax(x))` equals `cross_entropy(x)` exactly (a redundant op, not a bug).
    Set the option `include_log_softmax = true` to flag it as well.

    ## Why is this bad?
    `CrossEntropyLoss` applies `log_softmax` itself and expects raw logits. Feeding it
    probabilities applies softmax twice: the outputs are squashed into [0, 1], the loss can no
    longer approach zero, the gradients shrink, and training stalls at a worse accuracy without
    any error.

    ## Example
    ```python
    import torch.nn as nn
    import torch.nn.functional as F

    criterion = nn.CrossEntropyLoss()

    def train_step(model, x, y):
        probs = F.softmax(model(x), dim=1)
        return criterion(probs, y)
    ```

    ## Use instead
    ```python
    import torch.nn as nn

    criterion = nn.CrossEntropyLoss()

    def train_step(model, x, y):
        return criterion(model(x), y)   # logits; apply softmax only for reporting probabilities
    ```
    """

    code = "RL307"
    name = "softmax-before-cross-entropy"
    severity = Severity.ERROR
    tier = "default"
    tier_reason = 'softmax before CrossEntropyLoss is a double softmax (a correctness bug)'
    source = ("PyTorch docs, torch.nn.CrossEntropyLoss: \"The input is expected to contain the unnormalized "
              "logits for each class\"; Zhang et al. 2022, code smells for ML applications")
    message = "softmax output fed to cross-entropy, which applies log_softmax itself: pass the raw logits"
    needles = ("cross_entropy", "CrossEntropyLoss")
    options = {"include_log_softmax": False}

    PRODUCER_METHODS = frozenset({"softmax"})
    PRODUCER_FUNCS = SOFTMAX_FUNCS
    PRODUCER_MODULES = SOFTMAX_MODULES
    LOSS_FUNCS = frozenset({"torch.nn.functional.cross_entropy"})
    LOSS_MODULES = frozenset({"torch.nn.CrossEntropyLoss", "torch.nn.modules.loss.CrossEntropyLoss"})

    valid = [
        Example("""
import torch.nn as nn
import torch.nn.functional as F

criterion = nn.CrossEntropyLoss()
nll = nn.NLLLoss()

def step(model, x, y):
    logits = model(x)
    loss = criterion(logits, y)
    probs = F.softmax(logits, dim=1)          # for reporting only
    loss2 = nll(F.log_softmax(logits, dim=1), y)   # log_softmax + NLLLoss is correct
    return loss + loss2, probs
"""),
        Example("""
from torch import nn
import torch.nn.functional as F

def step(model, x, y):
    out = model(x)
    out = out.softmax(dim=1) if False else out  # bound twice: not provably softmax
    return F.cross_entropy(out, y) + F.cross_entropy(F.log_softmax(model(x), 1), y)
"""),
        # Another function's criterion is a CrossEntropyLoss; this one's is an MSELoss.
        Example("""
import torch
import torch.nn as nn

def classify(model, x, y):
    criterion = nn.CrossEntropyLoss()
    return criterion(model(x), y)

def distill(model, x, target_probs):
    criterion = nn.MSELoss()
    return criterion(torch.softmax(model(x), dim=1), target_probs)
"""),
    ]
    invalid = [
        # The loss type is a command-line choice; on the cross-entropy path the logits get a softmax.
        Example("""
import torch
import torch.nn as nn
from losses import FocalLoss

def main(opts, model, loader, optimizer):
    if opts.loss_type == 'focal_loss':
        criterion = FocalLoss(ignore_index=255)
    elif opts.loss_type == 'cross_entropy':
        criterion = nn.CrossEntropyLoss(ignore_index=255, reduction='mean')
    for images, labels in loader:
        optimizer.zero_grad()
        outputs = torch.softmax(model(images), dim=1)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()
"""),
        Example("""
import torch.nn as nn
import torch.nn.functional as F

criterion = nn.CrossEntropyLoss()

def train_step(model, x, y):
    probs = F.softmax(model(x), dim=1)
    return criterion(probs, y)
"""),
        Example("""
from torch import nn

class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 3)
        self.softmax = nn.Softmax(dim=1)
        self.loss_fn = nn.CrossEntropyLoss(label_smoothing=0.1)

    def loss(self, x, y):
        return self.loss_fn(self.softmax(self.fc(x)), y)
"""),
        Example("""
import torch as t

def step(logits, y):
    return t.nn.functional.cross_entropy(logits.softmax(-1), y) + t.nn.functional.cross_entropy(t.softmax(logits, 1), y)
"""),
        Example("""
import torch.nn.functional as F

def step(logits, y):
    return F.cross_entropy(F.log_softmax(logits, dim=1), y)
""", options={"include_log_softmax": True}),
    ]

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        if self.settings.get("include_log_softmax"):
            self.PRODUCER_FUNCS = SOFTMAX_FUNCS | LOG_SOFTMAX_FUNCS
            self.PRODUCER_METHODS = frozenset({"softmax", "log_softmax"})
            self.PRODUCER_MODULES = SOFTMAX_MODULES | LOG_SOFTMAX_MODULES

    def visit_Call(self, node: cst.Call) -> None:
        prediction = self.loss_input(node)
        if prediction is not None and self.producer(prediction) is not None:
            self.report(node)
