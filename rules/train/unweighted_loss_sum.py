"""RL316 unweighted-loss-sum: different losses added without weights."""

import libcst as cst

from repolens.lint import Example, Severity
from repolens.lint.bindings import file_bindings, single_value
from repolens.lint.scoped import ScopedRule
from repolens.lint.helpers import dotted

LOSS_FUNCTIONS = frozenset({
    "cross_entropy", "binary_cross_entropy", "binary_cross_entropy_with_logits", "mse_loss", "l1_loss",
    "smooth_l1_loss", "huber_loss", "nll_loss", "kl_div", "cosine_embedding_loss", "margin_ranking_loss",
    "triplet_margin_loss", "ctc_loss", "poisson_nll_loss", "gaussian_nll_loss", "hinge_embedding_loss",
    "multilabel_margin_loss", "soft_margin_loss", "multi_margin_loss", "multilabel_soft_margin_loss"})


class UnweightedLossSum(ScopedRule):
    """
    ## What it does
    Flags a sum of two or more loss terms of different kinds with no weight on any term:
    `F.cross_entropy(...) + F.l1_loss(...)`, `ce(logits, y) + mse(pred, t)` with criteria bound
    to `nn.*Loss` classes in this file, or local names each bound once (in the function) to such
    a call (`loss = loss_cls + loss_box`). A term multiplied or divided by anything counts as
    weighted, and the whole sum is then left alone; so is a sum of losses of one kind (two
    cross-entropies of two heads share a scale), and any term the file cannot identify.

    ## Why is this bad?
    Losses of different kinds live on different scales (a cross-entropy near ln(C) at the start,
    an L1 box loss in pixels, an MSE in squared units). Added as they are, the largest one
    dominates the gradient and the others barely train; the seed notes ask "if several losses
    are added, are their values in the same range?". A weight per term makes the balance an
    explicit, tunable choice (see also the probe's RT009).

    ## Example
    ```python
    loss = F.cross_entropy(cls_logits, labels) + F.smooth_l1_loss(boxes, target_boxes)
    ```

    ## Use instead
    ```python
    loss = F.cross_entropy(cls_logits, labels) + box_weight * F.smooth_l1_loss(boxes, target_boxes)
    ```
    """

    code = "RL316"
    name = "unweighted-loss-sum"
    severity = Severity.INFO
    tier = "advice"
    tier_reason = 'it asks a question (are the losses on the same scale?) rather than pointing at a bug'
    source = "seed notes, Network checklist: 'If several losses are added, are their values in the same range?'"
    message = "{kinds} added without weights: check that the terms are on the same scale, or weight them"
    needles = ("Loss(", "_loss(", "cross_entropy(", "kl_div(")

    valid = [
        Example("import torch.nn.functional as F\n"
                "def loss(a, b, y, t):\n    return F.cross_entropy(a, y) + 5.0 * F.l1_loss(b, t)\n"),
        Example("import torch.nn as nn\nce = nn.CrossEntropyLoss()\n"
                "def loss(start, end, s, e):\n    return (ce(start, s) + ce(end, e)) / 2\n"),
        Example("import torch.nn.functional as F\n"
                "def loss(a, y, reg):\n    l1 = F.cross_entropy(a, y)\n    return l1 + reg\n"),
    ]
    invalid = [
        Example("import torch.nn.functional as F\n"
                "def loss(cls_logits, labels, boxes, target_boxes):\n"
                "    return F.cross_entropy(cls_logits, labels) + F.smooth_l1_loss(boxes, target_boxes)\n"),
        Example("from torch import nn\n\nclass Criterion:\n    def __init__(self):\n"
                "        self.ce = nn.CrossEntropyLoss()\n        self.mse = nn.MSELoss()\n\n"
                "    def __call__(self, logits, y, pred, t):\n"
                "        loss_cls = self.ce(logits, y)\n        loss_reg = self.mse(pred, t)\n"
                "        return loss_cls + loss_reg\n"),
    ]

    def visit_Module(self, node: cst.Module) -> None:
        self._module = node
        self._inner: set[int] = set()

    @property
    def _bindings(self):  # type: ignore[no-untyped-def]
        return file_bindings(self._module)  # on first use only (memoized per file)

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        if not isinstance(node.operator, cst.Add) or id(node) in self._inner:
            return
        terms = _terms(node, self._inner)
        if len(terms) < 2:
            return
        # any term of unknown kind settles it: the cheap cases first, a local name's lookup (a walk
        # of the function) last, and stop at the first unknown
        if not all(isinstance(t, (cst.Name, cst.Call)) for t in terms):
            return
        known = {}
        for t in sorted(terms, key=lambda t: isinstance(t, cst.Name)):
            kind = self._kind(t)
            if kind is None:
                return
            known[id(t)] = kind
        kinds = [known[id(t)] for t in terms]
        if len(set(kinds)) < 2:
            return
        self.report(node, self.message.format(kinds=" + ".join(dict.fromkeys(kinds))))

    def _kind(self, term: cst.BaseExpression) -> str | None:
        if isinstance(term, cst.Name) and self.current_function is not None:
            term = single_value(self.current_function, term.value)
        if not isinstance(term, cst.Call):
            return None
        qualified = self.qualified_name(term.func) or ""
        if qualified.startswith("torch.nn.functional.") and qualified.rsplit(".", 1)[-1] in LOSS_FUNCTIONS:
            return qualified.rsplit(".", 1)[-1]
        values = self._bindings.get(dotted(term.func) or "", [])
        classes = {self.qualified_name(v.func) if isinstance(v, cst.Call) else None for v in values}
        if len(classes) == 1:
            cls = classes.pop() or ""
            if cls.startswith("torch.nn.") and cls.endswith("Loss"):
                return cls.rsplit(".", 1)[-1]
        return None


def _terms(node: cst.BaseExpression, inner: set[int]) -> list[cst.BaseExpression]:
    """The operands of an addition chain `a + b + c` (parentheses kept as written)."""
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add) and not node.lpar:
        inner.add(id(node))
        return _terms(node.left, inner) + _terms(node.right, inner)
    return [node]
