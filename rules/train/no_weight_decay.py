"""RL309 no-weight-decay: an optimizer without weight decay."""

import libcst as cst

from repolens.lint import Example, Severity
from repolens.lint.helpers import argument, has_star_args, literal, method_name
from repolens.lint.knowledge.optimizers import OPTIMIZER_WEIGHT_DECAY, torch_optimizer
from repolens.lint.scoped import ScopedRule
from repolens.lint.trainflow import is_test_path
from repolens.lint.traverse import walk

# Adaptive optimizers whose `weight_decay` is the coupled L2 penalty RL310 warns about.
COUPLED_L2 = frozenset({"Adam", "Adamax", "NAdam", "RAdam"})
_PARAM_WRAPPERS = ("filter", "list", "chain", "itertools.chain")


class NoWeightDecay(ScopedRule):
    """
    ## What it does
    Flags a `torch.optim` optimizer (SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax,
    NAdam, RAdam, ASGD; any import style) built over a model's parameters with no weight decay:
    `weight_decay` missing (by keyword and by position) where the default is 0, or a literal 0.
    AdamW's default is 0.01, so only an explicit 0 counts there. Only calls whose parameters are
    visibly `model.parameters()` (directly, or through `filter` / `list` / a comprehension) are
    checked: parameter groups (a list of dicts) may carry `weight_decay` per group. Calls with
    `*args` / `**kwargs`, optimizers built inside an nn.Module (library internals) and unit tests
    are not flagged.

    ## Why is this bad?
    Weight decay (L2 regularisation) is one of the cheapest defences against overfitting; the
    seed notes list it among the first tuning levers. Without it large weights are never pulled
    back, and the model often generalises worse, especially when fine-tuning on small datasets.
    An explicit 0 is sometimes deliberate (GANs, some RL setups): suppress the finding there.
    For Adam-family optimizers the message advises AdamW with weight decay, never Adam's own
    `weight_decay` (coupled L2, which RL310 flags): the two rules never contradict each other.

    ## Example
    ```python
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    ```

    ## Use instead
    ```python
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
    ```
    """

    code = "RL309"
    name = "no-weight-decay"
    severity = Severity.INFO
    tier = "advice"
    tier_reason = ('weight decay is a recipe choice (GANs, RL, VAEs and paper reproductions rightly use none: '
                   '29 of 31 real findings were not worth a change)')
    source = "seed notes: 'L1 / L2 regularization, weight decay'"
    message = "{opt} without weight decay{how}: consider weight_decay (e.g. 5e-4 for SGD, 0.01-0.1 for AdamW)"
    needles = ("optim",)

    valid = [
        Example("import torch\nopt = torch.optim.SGD(model.parameters(), lr=0.1, weight_decay=5e-4)\n"
                "opt2 = torch.optim.AdamW(model.parameters(), lr=1e-3)\n"),
        Example("from torch import optim\n"
                "opt = optim.Adam([{'params': decay, 'weight_decay': 0.1}, {'params': no_decay}], lr=1e-3)\n"
                "opt2 = optim.SGD(model.parameters(), **cfg)\n"
                "opt3 = optim.SGD(params, lr=0.1)\n"
                "opt4 = optim.LBFGS(model.parameters())\n"),
        Example("import torch.optim as optim\nopt = optim.SGD(model.parameters(), 0.1, 0.9, 0, 1e-4)\n"),
    ]
    invalid = [
        Example("import torch.optim as optim\noptimizer = optim.Adadelta(model.parameters(), lr=args.lr)\n"),
        Example("from torch.optim import AdamW\nopt = AdamW(filter(lambda p: p.requires_grad, net.parameters()), "
                "lr=3e-4, weight_decay=0.0)\n"),
        Example("import torch as t\nopt = t.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.01)\n"),
    ]

    def visit_Module(self, node: cst.Module) -> None:
        self._skip = is_test_path(self.context.path, self.context.source)

    def visit_Call(self, node: cst.Call) -> None:
        if self._skip or self.in_module_class:
            return
        opt = torch_optimizer(self, node)
        if opt is None or has_star_args(node):
            return
        params = argument(node, "params", 0)
        if params is None or not _plain_parameters(params.value):
            return
        position, default = OPTIMIZER_WEIGHT_DECAY[opt]
        wd = argument(node, "weight_decay", position)
        if wd is None:
            if default == 0:
                self.report(node, self._message(opt, " (its default is 0)"))
            return
        value = literal(wd.value)
        if value == 0 and not isinstance(value, bool):
            self.report(node, self._message(opt, " (weight_decay=0)"))

    def _message(self, opt: str, how: str) -> str:
        # Adam's weight_decay is coupled L2, which RL310 reports: never advise it, advise AdamW.
        if opt in COUPLED_L2:
            return self.message.format(opt=opt, how=how) + f"; if you add it, switch to AdamW (in {opt}, " \
                "weight_decay is a coupled L2 penalty, see RL310)"
        return self.message.format(opt=opt, how=how)


def _plain_parameters(expr: cst.BaseExpression) -> bool:
    """`m.parameters()`, `filter(f, m.parameters())`, `[p for p in m.parameters() if ...]`."""
    if isinstance(expr, cst.Call) and method_name(expr) == "parameters":
        return True
    if isinstance(expr, (cst.Call, cst.ListComp, cst.GeneratorExp)):
        inner = [n for n in walk(expr) if isinstance(n, cst.Call) and method_name(n) == "parameters"]
        dicts = [n for n in walk(expr) if isinstance(n, cst.Dict)]
        return bool(inner) and not dicts
    return False
