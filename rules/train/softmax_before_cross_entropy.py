"""RL307 softmax-before-cross-entropy: probabilities fed to a loss that expects logits."""

import libcst as cst

from repolens.lint import Example, Severity
from repolens.lint.losses import LossInputRule
from repolens.lint.words import name_tokens

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

    Nor is a softmax in the branch of a flag named for it (`if double_softmax:`, `if
    args.double_softmax:`): the user asks for the double softmax by name, an ablation the project
    offers on purpose (self-ensemble-visual-domain-adapt's `--double_softmax`, "apply softmax twice
    to compute supervised loss", off by default: judged not worth a change). Its `else:` branch, or
    `if not double_softmax:`, is still read.

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
        # self-ensemble-visual-domain-adapt: an opt-in ablation, `--double_softmax` (click, off by default)
        Example("""
import click
import torch.nn as nn
import torch.nn.functional as F

@click.option('--double_softmax', is_flag=True, default=False, help='apply softmax twice to compute supervised loss')
def experiment(double_softmax):
    classification_criterion = nn.CrossEntropyLoss()
    for X_src, y_src in loader:
        src_logits_out = student_net(X_src)
        if double_softmax:
            clf_loss = classification_criterion(F.softmax(src_logits_out, dim=1), y_src)
        else:
            clf_loss = classification_criterion(src_logits_out, y_src)
        clf_loss.backward()
"""),
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
        # The flag's else branch: no flag asks for this softmax.
        Example("""
import torch.nn.functional as F

def step(model, x, y, double_softmax=False):
    logits = model(x)
    if double_softmax:
        return F.cross_entropy(logits, y)
    else:
        return F.cross_entropy(F.softmax(logits, dim=1), y)
"""),
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
        self._opted_in: set[int] = set()  # the bodies of `if <flag named for the softmax>:`
        self._opt_in_depth = 0
        if self.settings.get("include_log_softmax"):
            self.PRODUCER_FUNCS = SOFTMAX_FUNCS | LOG_SOFTMAX_FUNCS
            self.PRODUCER_METHODS = frozenset({"softmax", "log_softmax"})
            self.PRODUCER_MODULES = SOFTMAX_MODULES | LOG_SOFTMAX_MODULES

    def visit_If(self, node: cst.If) -> None:
        if _names_softmax(node.test):
            self._opted_in.add(id(node.body))

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self._enter(node, 1)

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock) -> None:
        self._enter(original_node, -1)

    def visit_SimpleStatementSuite(self, node: cst.SimpleStatementSuite) -> None:
        self._enter(node, 1)

    def leave_SimpleStatementSuite(self, original_node: cst.SimpleStatementSuite) -> None:
        self._enter(original_node, -1)

    def _enter(self, body: cst.BaseSuite, step: int) -> None:
        if id(body) in self._opted_in:
            self._opt_in_depth += step

    def visit_Call(self, node: cst.Call) -> None:
        if self._opt_in_depth:
            return  # the branch of `if double_softmax:`: asked for by name
        prediction = self.loss_input(node)
        if prediction is not None and self.producer(prediction) is not None:
            self.report(node)


def _names_softmax(test: cst.BaseExpression) -> bool:
    """`double_softmax`, `args.double_softmax`, `self.use_softmax`: a flag named for the softmax."""
    name = test.attr.value if isinstance(test, cst.Attribute) else test.value if isinstance(test, cst.Name) else ""
    return "softmax" in name_tokens(name)
