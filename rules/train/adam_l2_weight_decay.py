"""RL310 adam-l2-weight-decay: weight decay in Adam is an L2 penalty scaled by the adaptive step."""

import libcst as cst

from repolens.lint import Example, Rule, Severity
from repolens.lint.helpers import NOT_LITERAL, argument, has_star_args, keyword_arg, literal
from repolens.lint.knowledge.optimizers import OPTIMIZER_WEIGHT_DECAY, torch_optimizer


class AdamL2WeightDecay(Rule):
    """
    ## What it does
    Flags `torch.optim.Adam(...)` (any import style) with a literal `weight_decay` greater than
    zero, by keyword or in its fifth position, unless `decoupled_weight_decay=` is passed. A
    non-literal weight decay (`args.wd`) or a call with `*args` / `**kwargs` is not flagged: its
    value, or a `decoupled_weight_decay=True` in the kwargs, cannot be seen.

    ## Why is this bad?
    In Adam, `weight_decay` adds `wd * w` to the gradient, which is then divided by the adaptive
    second-moment estimate: weights with large gradients are barely regularised, weights with
    small ones too much. Loshchilov & Hutter ("Decoupled Weight Decay Regularization", ICLR 2019)
    show this coupled L2 is not weight decay and generalises worse; AdamW applies the decay to
    the weights directly.

    ## Example
    ```python
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-4, weight_decay=1e-4)
    ```

    ## Use instead
    ```python
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-4, weight_decay=1e-2)
    ```
    AdamW's decay is not scaled by the learning-rate adaptation: re-tune its value (typical 1e-2
    to 1e-1) rather than copying Adam's. No autofix for that reason.
    """

    code = "RL310"
    name = "adam-l2-weight-decay"
    severity = Severity.INFO
    tier = "advice"
    tier_reason = ("a recipe choice: papers prescribe Adam with L2 (DDPG's critic, judged on sfujim/TD3: not worth a "
                   "change), and AdamW's decay must be re-tuned, so the switch belongs to redesigning the recipe, "
                   "next to RL309")
    source = ("Loshchilov & Hutter, \"Decoupled Weight Decay Regularization\" (ICLR 2019); "
              "seed notes: 'L1 / L2 regularization, weight decay'")
    message = "Adam(weight_decay={wd}) is coupled L2 regularisation scaled by the adaptive step: use AdamW (decoupled weight decay)"
    needles = ("Adam",)

    valid = [
        Example("import torch\nopt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.05)\n"
                "opt2 = torch.optim.Adam(model.parameters(), lr=1e-3)\n"
                "opt3 = torch.optim.Adam(model.parameters(), weight_decay=0)\n"),
        Example("from torch.optim import Adam\nopt = Adam(params, lr=1e-3, weight_decay=args.wd)\n"
                "opt2 = Adam(params, weight_decay=1e-4, **extra)\n"
                "opt3 = Adam(params, weight_decay=1e-4, decoupled_weight_decay=True)\n"),
        Example("from keras.optimizers import Adam\nopt = Adam(weight_decay=1e-4)\n"),
    ]
    invalid = [
        Example("import torch\noptimizer = torch.optim.Adam(model.parameters(), lr=3e-4, weight_decay=1e-4)\n"),
        Example("import torch.optim as optim\nopt = optim.Adam(model.parameters(), 1e-3, (0.9, 0.999), 1e-8, 5e-4)\n"),
        Example("from torch.optim import Adam as A\nopt = A([{'params': a}, {'params': b}], weight_decay=0.01)\n"),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        if torch_optimizer(self, node) != "Adam" or has_star_args(node):
            return
        if keyword_arg(node, "decoupled_weight_decay") is not None:
            return
        wd = argument(node, "weight_decay", OPTIMIZER_WEIGHT_DECAY["Adam"][0])
        value = literal(wd.value) if wd is not None else NOT_LITERAL
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
            self.report(node, self.message.format(wd=value))
