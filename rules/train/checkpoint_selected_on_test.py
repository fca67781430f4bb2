"""RL326 checkpoint-selected-on-test: the "best" model is chosen by a metric computed on the test split."""

import libcst as cst

from repolens.lint import Example, Rule, Severity
from repolens.lint.bindings import assigned_values
from repolens.lint.roles import name_tokens
from repolens.lint.traverse import calls_in, nodes
from repolens.lint.trainflow import is_test_path

_TEST_WORDS = frozenset({"test", "testing", "testset", "testloader", "testdata"})

_EPOCHS = """
import torch
def main(model, train_loader, {split}_loader, optimizer):
    best_acc = 0.0
    for epoch in range(100):
        train(model, train_loader, optimizer)
        acc = evaluate(model, {split}_loader)
        if acc > best_acc:
            best_acc = acc
            torch.save(model.state_dict(), "best.pt")
"""


def _is_test_name(name: str) -> bool:
    tokens = name_tokens(name)
    return any(t in _TEST_WORDS for t in tokens)


class CheckpointSelectedOnTest(Rule):
    """
    ## What it does
    Flags model selection on the test split: an `if` that compares a metric with a "best" value
    (`if acc > best_acc:`, `if test_loss < best:`) and saves a checkpoint in its body
    (`torch.save`, a call named `save...`), where the metric is named for the test split
    (`test_acc`) or was computed, in the same function, by a call given a test loader or dataset
    (`acc = evaluate(model, test_loader)`). Validation names (`val_loader`, `valid_acc`) are the
    right way and never flagged. Unit tests are skipped.

    ## Why is this bad?
    The test split must stay unseen by every choice made during training. Keeping the epoch with
    the best test accuracy is a choice made on the test set: the reported "best test accuracy"
    is optimistically biased (a maximum over noisy evaluations), and the number is no longer an
    estimate of performance on new data. Select on a validation split held out from training;
    evaluate the selected checkpoint on the test split once.

    ## Example
    ```python
    acc = evaluate(model, test_loader)
    if acc > best_acc:
        best_acc = acc
        torch.save(model.state_dict(), "best.pt")
    ```

    ## Use instead
    ```python
    val_acc = evaluate(model, val_loader)      # a split held out from the training set
    if val_acc > best_acc:
        best_acc = val_acc
        torch.save(model.state_dict(), "best.pt")
    # after training: load best.pt, evaluate once on test_loader
    ```
    """

    code = "RL326"
    name = "checkpoint-selected-on-test"
    severity = Severity.WARNING
    tier = "default"
    tier_reason = "choosing the checkpoint on the test split biases the reported result (a methodology bug)"
    source = "Hastie, Tibshirani & Friedman, 'The Elements of Statistical Learning', 7.2: the test set for the final model only"
    message = "best checkpoint chosen by `{metric}`, measured on the test split{where}: select on a validation split"
    needles = ("best",)

    valid = [
        Example(_EPOCHS.format(split="val")),
        Example(_EPOCHS.format(split="test").replace('            torch.save(model.state_dict(), "best.pt")\n', "")),
        Example(_EPOCHS.format(split="test"), path="tests/test_loop.py"),
    ]
    invalid = [
        Example(_EPOCHS.format(split="test")),
        Example("import torch\nfor epoch in range(10):\n    fit(model)\n    test_acc = accuracy(model, data)\n"
                "    if test_acc >= best:\n        best = test_acc\n        save_checkpoint(model, 'best.pth')\n"),
    ]

    def __init__(self, context, options=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(context, options)
        self._functions: list[cst.FunctionDef] = []
        self._skip = is_test_path(context.path)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._functions.append(node)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._functions.pop()

    def visit_If(self, node: cst.If) -> None:
        if self._skip or not isinstance(node.test, cst.Comparison) or len(node.test.comparisons) != 1:
            return
        sides = [node.test.left, node.test.comparisons[0].comparator]
        names = [s.value for s in sides if isinstance(s, cst.Name)]
        best = [n for n in names if "best" in name_tokens(n)]
        metrics = [n for n in names if "best" not in name_tokens(n)]
        if len(best) != 1 or len(metrics) != 1 or not self._saves(node.body):
            return
        metric = metrics[0]
        if _is_test_name(metric):
            self.report(node.test, self.message.format(metric=metric, where=""))
            return
        scope = self._functions[-1] if self._functions else self.context.module
        for value in assigned_values(scope, metric):
            test_args = [code for code in _argument_names(value) if _is_test_name(code)]
            if test_args:
                self.report(node.test, self.message.format(metric=metric, where=f" (`{test_args[0]}`)"))
                return

    @staticmethod
    def _saves(body: cst.BaseSuite) -> bool:
        for call in calls_in(body):
            func = call.func
            name = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else ""
            if "save" in name.lower():
                return True
        return False


def _argument_names(value: cst.BaseExpression | None) -> list[str]:
    """Names passed to the calls of `value` (`evaluate(model, test_loader)` -> model, test_loader)."""
    if value is None:
        return []
    out = []
    for n in nodes(value):
        if isinstance(n, cst.Call):
            for a in n.args:
                if isinstance(a.value, (cst.Name, cst.Attribute)):
                    last = a.value.value if isinstance(a.value, cst.Name) else a.value.attr.value
                    out.append(last)
    return out
