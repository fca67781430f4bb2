"""RL318 freeze-by-name: parameters frozen or unfrozen by matching name strings."""

import libcst as cst

from repolens.lint import Example, Severity, Rule
from repolens.lint.helpers import method_name, target_names
from repolens.lint.traverse import children_of, walk

_STRINGS = (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)


class FreezeByName(Rule):
    """
    ## What it does
    Flags `p.requires_grad = ...` / `p.requires_grad_(...)` inside a loop over
    `model.named_parameters()` when it sits under an `if` that tests the parameter's name against
    string literals (`if "backbone" in name:`, `name.startswith("fc.")`,
    `any(k in name for k in ["layer4", "head"])`). Conditions without a literal (names passed in
    by the caller) are not flagged: the rule is about names hard-coded in the script.

    ## Why is this bad?
    Parameter names depend on how the model is built and wrapped: `module.` prefixes from
    DataParallel/DDP, `_orig_mod.` from torch.compile, renamed layers in a new model version.
    A pattern that matches nothing freezes or unfreezes nothing, silently; one that matches too
    much freezes the head. The seed notes: "sometimes which parameters update is chosen by
    parameter name: was that done wrongly?". Verify the matched names (the probe's RT003 lists
    the frozen parameters).

    ## Example
    ```python
    for name, param in model.named_parameters():
        if "fc" not in name:
            param.requires_grad = False
    ```

    ## Use instead
    ```python
    for param in model.parameters():
        param.requires_grad = False
    for param in model.fc.parameters():      # select by module, not by name string
        param.requires_grad = True
    frozen = [n for n, p in model.named_parameters() if not p.requires_grad]
    assert frozen, "freeze pattern matched nothing"
    ```
    """

    code = "RL318"
    name = "freeze-by-name"
    severity = Severity.INFO
    tier = "advice"
    tier_reason = 'it asks the author to verify parameter names, which are usually right'
    source = ("seed notes, Network checklist: 'Sometimes which parameters update is chosen by parameter name: "
              "was that done wrongly?'")
    message = "requires_grad set by matching parameter names against {pattern}: verify the names match (DDP `module.` / compile `_orig_mod.` prefixes)"
    needles = ("named_parameters",)

    valid = [
        Example("for p in model.backbone.parameters():\n    p.requires_grad = False\n"),
        Example("def freeze(model, prefixes):\n    for name, p in model.named_parameters():\n"
                "        if name.startswith(tuple(prefixes)):\n            p.requires_grad_(False)\n"),
        Example("for name, p in model.named_parameters():\n    print(name, p.requires_grad)\n"),
    ]
    invalid = [
        Example("for name, param in model.named_parameters():\n    if 'fc' not in name:\n"
                "        param.requires_grad = False\n"),
        Example("for n, p in net.named_parameters():\n    if any(k in n for k in ['layer4', 'head']):\n"
                "        p.requires_grad_(True)\n    else:\n        p.requires_grad_(False)\n"),
    ]

    def visit_For(self, node: cst.For) -> None:
        if not (isinstance(node.iter, cst.Call) and method_name(node.iter) == "named_parameters"):
            return
        names = target_names(node.target)
        if len(names) != 2:
            return
        self._scan(node.body, names[0], [])

    def _scan(self, node: cst.CSTNode, name: str, tests: list[cst.BaseExpression]) -> None:
        if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            return
        if _sets_requires_grad(node):
            pattern = next((_literal_pattern(t, name) for t in tests if _literal_pattern(t, name)), None)
            if pattern:
                self.report(node, self.message.format(pattern=pattern))
            return
        if isinstance(node, cst.If):
            self._scan(node.body, name, [*tests, node.test])
            if node.orelse is not None:
                self._scan(node.orelse, name, [*tests, node.test])
            return
        for child in children_of(node):
            self._scan(child, name, tests)


def _sets_requires_grad(node: cst.CSTNode) -> bool:
    if isinstance(node, cst.Assign):
        return any(isinstance(t.target, cst.Attribute) and t.target.attr.value == "requires_grad" for t in node.targets)
    return isinstance(node, cst.Call) and method_name(node) == "requires_grad_"


def _literal_pattern(test: cst.BaseExpression, name: str) -> str | None:
    """The string literals of a test that also reads the parameter name."""
    found = list(walk(test))
    if not any(isinstance(n, cst.Name) and n.value == name for n in found):
        return None
    strings = [n for n in found if isinstance(n, _STRINGS)]
    if not strings:
        return None
    return ", ".join(cst.Module([]).code_for_node(s) for s in strings[:3])
