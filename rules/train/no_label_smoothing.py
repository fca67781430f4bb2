"""RL315 no-label-smoothing: a classification cross-entropy with hard targets (off by default)."""

import libcst as cst

from repolens.lint import Example, Severity
from repolens.lint.scoped import ScopedRule
from repolens.lint.helpers import argument, has_star_args
from repolens.lint.trainflow import is_test_path, training_loops

_LOOP = "\nfor x, y in loader:\n    optimizer.zero_grad()\n    criterion(model(x), y).backward()\n    optimizer.step()\n"
CROSS_ENTROPY = ("torch.nn.CrossEntropyLoss", "torch.nn.modules.loss.CrossEntropyLoss")


class NoLabelSmoothing(ScopedRule):
    """
    ## What it does
    Flags `nn.CrossEntropyLoss(...)` (any import style) built without `label_smoothing` (by
    keyword or in its sixth position) in training code: a file that runs a training loop
    (`backward()` and an optimizer step), outside an nn.Module class (model code that computes
    its own loss), and not mentioning `smoothing` anywhere (a loss factory that picks
    `LabelSmoothingCrossEntropy` when asked has made the choice). Unit tests and calls with
    `*args` / `**kwargs` are skipped. Off by default: label smoothing helps most
    classification tasks, but not all (knowledge distillation, calibrated probabilities).

    ## Why is this bad?
    Hard one-hot targets push the logits towards infinity: the model becomes over-confident and
    overfits. Label smoothing (Szegedy et al. 2016) mixes the target with a uniform distribution,
    which regularises the logits; the seed notes credit it with smoother optimisation, less
    overfitting and better classification.

    ## Example
    ```python
    criterion = nn.CrossEntropyLoss()
    ```

    ## Use instead
    ```python
    criterion = nn.CrossEntropyLoss(label_smoothing=0.1)
    ```
    """

    code = "RL315"
    name = "no-label-smoothing"
    severity = Severity.INFO
    tier = "advice"
    tier_reason = 'label smoothing is a recipe choice'
    source = "seed notes: 'Label smoothing: turns hard targets into soft ones ... classification improves'"
    message = "CrossEntropyLoss without label_smoothing: consider label_smoothing=0.1 for classification"
    needles = ("CrossEntropyLoss",)

    valid = [
        Example("import torch.nn as nn\ncriterion = nn.CrossEntropyLoss(label_smoothing=0.1)\n"
                "other = nn.CrossEntropyLoss(**cfg)\n" + _LOOP),
        # Not training code: an evaluator reports the plain cross-entropy.
        Example("import torch.nn as nn\ncriterion = nn.CrossEntropyLoss()\n"),
        Example("from torch import nn\n\nclass Head(nn.Module):\n    def forward(self, x, y):\n"
                "        return nn.CrossEntropyLoss()(x, y)\n"),
        Example("import torch\nc = torch.nn.CrossEntropyLoss(None, None, -100, None, 'mean', 0.1)\n"),
    ]
    invalid = [
        Example("import torch.nn as nn\ncriterion = nn.CrossEntropyLoss()\n" + _LOOP),
        Example("from torch.nn import CrossEntropyLoss as CE\n\ndef main():\n    criterion = CE(ignore_index=-1)\n"
                + _LOOP.replace("\n", "\n    ")),
    ]

    def visit_Module(self, node: cst.Module) -> None:
        # training code only (a loss factory or an evaluator reports plain cross-entropy on
        # purpose), and files that mention smoothing have made a choice
        self._skip = (is_test_path(self.context.path, self.context.source) or "smoothing" in self.context.source
                      or not training_loops(node, self.context.source))

    def visit_Call(self, node: cst.Call) -> None:
        if self._skip or self.in_module_class or not self.is_name(node.func, *CROSS_ENTROPY) or has_star_args(node):
            return
        if argument(node, "label_smoothing", 5) is None:
            self.report(node)
