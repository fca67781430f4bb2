"""RL322 log-of-softmax: `log(softmax(x))` instead of `log_softmax(x)`."""

import libcst as cst

from repolens.lint import Example, Severity
from repolens.lint.helpers import method_name
from repolens.lint.losses import LossInputRule
from repolens.lint.gradoff import GradOffTracker

LOG_FUNCS = ("torch.log", "torch.Tensor.log")


class LogOfSoftmax(GradOffTracker, LossInputRule):
    """
    ## What it does
    Flags the logarithm of a softmax: `torch.log(F.softmax(x, dim))`, `torch.log(torch.softmax(...))`,
    `x.softmax(dim).log()`, `torch.log(self.softmax(x))` with an `nn.Softmax` module, and
    `torch.log(p)` where `p` is a local name bound once to a softmax. A guarded form such as
    `torch.log(p + 1e-8)` is left alone.

    The fix rewrites the direct forms into the matching `log_softmax` (`F.softmax` ->
    `F.log_softmax`, `torch.softmax` -> `torch.log_softmax`, `x.softmax(d)` -> `x.log_softmax(d)`,
    same arguments: the signatures are identical). It is safe: the result is the same value,
    computed without underflow. The module and local-name forms are reported without a fix.

    Not under `torch.no_grad()` / `inference_mode()` (a `with` block or a decorator): the nan the rule is about is a gradient's, and at
    inference a token scored `-inf` is one `topk` / `argmax` never picks (CLIP_prefix_caption's
    beam search, three judged findings, none worth a change).

    ## Why is this bad?
    Softmax underflows to exactly 0 for logits far below the maximum (a gap of about 104 in
    float32, 17 in float16); `log(0)` is `-inf` and its gradient is `nan`, which then spreads
    through the whole model. `log_softmax` computes `x - logsumexp(x)` and never underflows.

    ## Example
    ```python
    import torch
    import torch.nn.functional as F

    def nll(logits, y):
        return F.nll_loss(torch.log(F.softmax(logits, dim=1)), y)
    ```

    ## Use instead
    ```python
    import torch.nn.functional as F

    def nll(logits, y):
        return F.nll_loss(F.log_softmax(logits, dim=1), y)
    ```
    """

    code = "RL322"
    name = "log-of-softmax"
    severity = Severity.WARNING
    tier = "default"
    tier_reason = 'log(softmax(x)) underflows where log_softmax does not (a numerical bug)'
    source = ("PyTorch docs, torch.nn.LogSoftmax / torch.nn.functional.log_softmax: \"mathematically "
              "equivalent to log(softmax(x)), doing these two operations separately is slower and numerically "
              "unstable\"")
    message = "log of a softmax underflows to -inf (nan gradients): use log_softmax"
    needles = ("softmax",)
    fix_safety = "safe"

    PRODUCER_FUNCS = frozenset({"torch.softmax", "torch.nn.functional.softmax", "torch.special.softmax"})
    PRODUCER_METHODS = frozenset({"softmax"})
    PRODUCER_MODULES = frozenset({"torch.nn.Softmax", "torch.nn.modules.activation.Softmax"})

    valid = [
        Example("""
import torch
import torch.nn.functional as F

def entropy(logits):
    logp = F.log_softmax(logits, dim=-1)
    p = logp.exp()
    return -(p * logp).sum(-1)

def guarded(logits):
    return torch.log(F.softmax(logits, dim=-1) + 1e-8)     # guarded by an epsilon
"""),
        Example("""
import torch as t

def f(x, probs):
    return t.log(probs), t.log(x.sigmoid())                 # not provably a softmax
"""),
    ]
    invalid = [
        Example("""
import torch
import torch.nn.functional as F

def nll(logits, y):
    return F.nll_loss(torch.log(F.softmax(logits, dim=1)), y)
""", fixed="""
import torch
import torch.nn.functional as F

def nll(logits, y):
    return F.nll_loss(F.log_softmax(logits, dim=1), y)
"""),
        Example("""
import torch as t

def scores(logits):
    a = logits.softmax(-1).log()
    b = t.log(t.softmax(logits, dim=-1))
    return a + b
""", fixed="""
import torch as t

def scores(logits):
    a = logits.log_softmax(-1)
    b = t.log_softmax(logits, dim=-1)
    return a + b
"""),
        Example("""
import torch
from torch import nn

class Head(nn.Module):
    def __init__(self):
        super().__init__()
        self.softmax = nn.Softmax(dim=1)

    def forward(self, x):
        probs = torch.softmax(x, 1)
        return torch.log(self.softmax(x)), torch.log(probs)
"""),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        if self.grad_off:
            return  # no gradient to turn nan: an inference-time -inf score is never picked by topk/argmax
        if self.qualified_name(node.func) in LOG_FUNCS:
            if len(node.args) != 1 or node.args[0].keyword is not None or node.args[0].star:
                return
            inner = node.args[0].value
        elif method_name(node) == "log" and not node.args and isinstance(node.func.value, cst.Call):
            inner = node.func.value
        else:
            return
        produced = self.producer(inner)
        if produced is None:
            return
        replacement = None
        if produced is inner and isinstance(inner.func, cst.Attribute) and inner.func.attr.value == "softmax" \
                and self._instance_of(inner.func, self.PRODUCER_MODULES) is None:
            replacement = inner.with_changes(func=inner.func.with_changes(attr=cst.Name("log_softmax")))
        self.report(node, replacement=replacement)
