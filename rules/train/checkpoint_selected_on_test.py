"""RL326 checkpoint-selected-on-test: the "best" model is chosen by a metric computed on the test split."""

import libcst as cst

from repolens.lint import Example, Severity
from repolens.lint.bindings import assigned_values
from repolens.lint.helpers import literal, target_names, unwrap_iter
from repolens.lint.roles import EVAL, name_tokens, role_of_name
from repolens.lint.scoped import ScopedRule
from repolens.lint.traverse import calls_in, nodes
from repolens.lint.trainflow import is_test_path
from repolens.pyindex.aliases import cst_dotted_name

_TEST_WORDS = frozenset({"test", "testing", "testset", "testloader", "testdata"})
_DATA_WORDS = frozenset({"loader", "dataloader", "data", "dataset", "ds", "dl", "set", "split", "iter",
                         "iterator", "batches", "samples"})
_VAL_WORDS = frozenset({"val", "valid", "validation", "dev", "holdout"})
# Keywords whose values say how samples are transformed or batched, not which split is loaded.
_NOT_SPLIT_KEYWORDS = frozenset({"transform", "transforms", "target_transform", "collate_fn", "tokenizer",
                                 "preprocess", "augment", "augmentation"})

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

_FLAG = """
import torch
def main(encoder, decoder, data_folder, data_name, normalize):
    val_loader = torch.utils.data.DataLoader(
        CaptionDataset(data_folder, data_name, '{split}', transform=normalize), batch_size=32)
    for epoch in range(120):
        train(encoder, decoder)
        recent_bleu4 = validate(val_loader=val_loader, encoder=encoder, decoder=decoder)
        is_best = recent_bleu4 > best_bleu4
        best_bleu4 = max(recent_bleu4, best_bleu4)
        save_checkpoint(data_name, epoch, encoder, decoder, recent_bleu4, is_best)
"""


def _is_test_name(name: str) -> bool:
    tokens = name_tokens(name)
    return any(t in _TEST_WORDS for t in tokens)


class CheckpointSelectedOnTest(ScopedRule):
    """
    ## What it does
    Flags model selection on the test split. The selection is a "best so far" comparison
    (`<`, `>`, `<=`, `>=`) of a metric with a running best that either
    - is an `if` that saves a checkpoint in its body (`torch.save`, a call named `save...`), the
      best named as such (`if acc > best_acc:`) or recorded in the body (`if val_loss <
      stored_loss: model_save(path); stored_loss = val_loss`, as in awd-lstm-lm), or
    - is assigned to a flag that a save call takes or an `if` around a save tests
      (`is_best = bleu4 > best_bleu4; save_checkpoint(..., is_best)`, the ImageNet-example style).

    The metric is on the test split when it is named for it (`test_acc`), or when it was
    computed, in the same function, by a call given a test-named loader or dataset
    (`acc = evaluate(model, test_loader)`), or a loader/dataset name whose value was built on a
    test split literal (`val_loader = DataLoader(CaptionDataset(folder, name, 'TEST'))`, two
    hops at most; strings in transform arguments and conditional values are not read, and a
    validation-split string next to it silences it). Validation data (`val_loader`, `valid_acc`,
    `split="val"`) is the right way and never flagged; a test-best kept in the same function beside a
    best chosen on a validation-named metric (`val_best` and `test_best` checkpoints side by side,
    deep_gcns_torch: two judged not worth a change) is an extra figure, not the protocol, and is not
    flagged either. Nor is data named "test" that the
    scope's loops read from a dataset built on a validation-split string
    (`testloader` over `ListDataset(list_file="./data/voc12_val.txt")`: kuangliu's
    pytorch-retinanet, judged wrong before), nor a test-named metric computed by a call given
    data named for validation (`test_acc, _ = validate(val_loader, model)`: the names disagree and
    the rule cannot see which is right; RepDistiller's two findings, on CIFAR-100's only held-out
    split, judged not worth a change); neither is `train=False` (torchvision's
    flag for the test split of datasets that have no validation split: too common a choice in
    tutorials to report by default). Unit tests are skipped.

    Tried on real code (the 22 repositories of the benchmark corpus, plus timm's train.py,
    pytorch-cifar100, resnet-cifar10, CutMix and sgrvinod's super-resolution tutorial): no finding
    on unmodified code; it finds the two mistakes planted in the corpus (the captioning
    tutorial's "val" loader switched to the 'TEST' split, awd-lstm-lm's epoch loop evaluating
    `test_data`). resnet-cifar10 and CutMix select on CIFAR's `train=False` loader (left alone, see
    above); pytorch-cifar100 selects on a test loader its `eval_training()` reads as a global
    (not followed). bearpaw/pytorch-classification (`is_best = test_acc > best_acc`) is Python 2
    and does not parse.

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
    quiet_in_dead_code = True
    quiet_in_tests = True
    name = "checkpoint-selected-on-test"
    severity = Severity.WARNING
    tier = "default"
    tier_reason = "choosing the checkpoint on the test split biases the reported result (a methodology bug)"
    source = "Hastie, Tibshirani & Friedman, 'The Elements of Statistical Learning', 7.2: the test set for the final model only"
    message = "best checkpoint chosen by `{metric}`, measured on the test split{where}: select on a validation split"
    needles = ("save",)  # every selection saves something; the running best may be named `stored_loss`

    valid = [
        # a test-best beside a validation-best (deep_gcns_torch's examples): the val_best is the release
        Example("for epoch in range(10):\n    train()\n    val_value = test(model, valid_loader)\n"
                "    test_value = test(model, test_loader)\n    if val_value > best_val_value:\n"
                "        best_val_value = val_value\n        save_ckpt(model, name_post='val_best')\n"
                "    if test_value > best_test_value:\n        best_test_value = test_value\n"
                "        save_ckpt(model, name_post='test_best')\n"),
        # "test" names over a validation split (kuangliu's pytorch-retinanet: voc12_val.txt).
        Example("""
import torch

testset = ListDataset(root="images", list_file="./data/voc12_val.txt", train=False, input_size=600)
testloader = torch.utils.data.DataLoader(testset, batch_size=16, shuffle=False)
best_loss = float("inf")


def test(epoch):
    global best_loss
    net.eval()
    test_loss = 0
    for batch_idx, (inputs, loc_targets, cls_targets) in enumerate(testloader):
        test_loss += criterion(net(inputs), loc_targets, cls_targets).item()
    test_loss /= len(testloader)
    if test_loss < best_loss:
        torch.save({"net": net.state_dict(), "loss": test_loss}, "./checkpoint/ckpt.pth")
        best_loss = test_loss
"""),
        Example(_EPOCHS.format(split="val")),
        Example(_EPOCHS.format(split="test").replace('            torch.save(model.state_dict(), "best.pt")\n', "")),
        Example(_EPOCHS.format(split="test"), path="tests/test_loop.py"),
        Example(_FLAG.format(split="VAL")),
        Example(_FLAG.format(split="VAL").replace("'VAL', transform=normalize", "split='val', transform=build_transform('test')")),
        Example("for epoch in range(10):\n    train()\n    loss = evaluate(model_for('test'), val_data)\n"
                "    if loss < stored_loss:\n        model_save(path)\n        stored_loss = loss\n"),
        # The metric says test, the data says validation (RepDistiller): the names disagree.
        Example("import torch\nfor epoch in range(240):\n    train(epoch, train_loader, model)\n"
                "    test_acc, test_acc_top5, test_loss = validate(val_loader, model, criterion, opt)\n"
                "    if test_acc > best_acc:\n        best_acc = test_acc\n        torch.save(model.state_dict(), 'best.pth')\n"),
    ]
    invalid = [
        Example(_EPOCHS.format(split="test")),
        # a-PyTorch-Tutorial-to-Image-Captioning's style: a flag, and a "val" loader on the TEST split
        Example(_FLAG.format(split="TEST")),
        # awd-lstm-lm's style: the running best is `stored_loss`, the data `test_data`
        Example("for epoch in range(1, args.epochs + 1):\n    train()\n    val_loss = evaluate(test_data, test_batch_size)\n"
                "    if val_loss < stored_loss:\n        model_save(args.save)\n        stored_loss = val_loss\n"),
        Example("import torch\nfor epoch in range(10):\n    fit(model)\n    test_acc = accuracy(model, data)\n"
                "    if test_acc >= best:\n        best = test_acc\n        save_checkpoint(model, 'best.pth')\n"),
    ]

    def __init__(self, context, options=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(context, options)
        self._skip = is_test_path(context.path, context.source)


    def visit_If(self, node: cst.If) -> None:
        """`if acc > best_acc:` (or `if val_loss < stored_loss: ... stored_loss = val_loss`) that saves."""
        if self._skip:
            return
        metric = _selected_metric(node.test, node.body)
        if metric is not None and _saves(node.body):
            self._check(node.test, metric)

    def visit_Assign(self, node: cst.Assign) -> None:
        """`is_best = acc > best_acc`, the flag then given to a save call (`save_checkpoint(state, is_best)`)."""
        if self._skip or len(node.targets) != 1 or not isinstance(node.targets[0].target, cst.Name):
            return
        metric = _selected_metric(node.value, None)
        if metric is not None and _flag_saves(self.enclosing_scope, node.targets[0].target.value):
            self._check(node.value, metric)

    def _check(self, test: cst.CSTNode, metric: str) -> None:
        if _is_test_name(metric):
            # a test-best kept beside a validation-best is an extra figure: the protocol is there
            if not _selects_on_validation_too(self.enclosing_scope) and not self._loops_over_validation_split() \
                    and not _measured_on_validation(self.enclosing_scope, metric):
                self.report(test, self.message.format(metric=metric, where=""))
            return
        for value in assigned_values(self.enclosing_scope, metric):
            where = _test_argument(self.enclosing_scope, value)
            if where:
                self.report(test, self.message.format(metric=metric, where=f" ({where})"))
                return


    def _loops_over_validation_split(self) -> bool:
        """The scope's loops read data built on a validation-split literal, whatever the names say
        (kuangliu's pytorch-retinanet: `testloader` over `ListDataset(list_file='./data/voc12_val.txt')`,
        so its "test_loss" is a validation loss). Loader and dataset names are followed to their
        values in this scope, else at module level, two hops."""
        module = self.context.module
        loops = [n for n in nodes(self.enclosing_scope) if isinstance(n, cst.For)]
        todo = [(unwrap_iter(loop.iter), 0) for loop in loops]
        while todo:
            expr, depth = todo.pop()
            if isinstance(expr, cst.Name) and depth <= 2:
                for scope in (self.enclosing_scope, module):
                    values = [v for v in assigned_values(scope, expr.value) if v is not None] if scope is not None else []
                    if values:
                        todo.extend((v, depth + 1) for v in values)
                        break
            elif isinstance(expr, cst.Call):
                if _split_strings(expr, _VAL_WORDS):
                    return True
                todo.extend((a.value, depth + 1) for a in expr.args if isinstance(a.value, cst.Name) and depth < 2)
        return False


def _selects_on_validation_too(scope: cst.CSTNode | None) -> bool:
    """The same scope also keeps a best checkpoint chosen on a metric named for validation
    (`if val_value > best_val_value: save_ckpt(..., name_post='val_best')` beside the same for
    `test_value`: deep_gcns_torch's PPI and part-segmentation examples, whose READMEs release and test
    the `val_best` files; two judged findings, not worth a change)."""
    if scope is None:
        return False
    for n in nodes(scope):
        if isinstance(n, cst.If):
            metric = _selected_metric(n.test, n.body)
            if metric is not None and set(name_tokens(metric)) & _VAL_WORDS and _saves(n.body):
                return True
    return False


def _measured_on_validation(scope: cst.CSTNode, metric: str) -> bool:
    """The test-named metric is computed, in this scope, by a call given data named for validation
    (`test_acc, test_loss = validate(val_loader, model)`): the names disagree on the split, and
    which one is right the rule cannot see (RepDistiller's `val_loader` is CIFAR-100's
    `train=False` split, which the rule leaves alone as torchvision's only held-out split)."""
    for n in nodes(scope):
        if isinstance(n, cst.Assign) and isinstance(n.value, cst.Call) \
                and any(metric in target_names(t.target) for t in n.targets):
            for a in n.value.args:
                name = cst_dotted_name(a.value) or ""
                if set(name_tokens(name.rsplit(".", 1)[-1])) & _VAL_WORDS:
                    return True
    return False


def _split_strings(call: cst.Call, words: frozenset[str]) -> bool:
    """A string argument of `call` (transforms left out) naming one of `words` (`'./data/voc12_val.txt'`)."""
    return any(isinstance(a.value, cst.SimpleString) and isinstance(literal(a.value), str)
               and set(name_tokens(literal(a.value))) & words
               for a in call.args if a.keyword is None or a.keyword.value not in _NOT_SPLIT_KEYWORDS)


def _selected_metric(test: cst.BaseExpression, body: cst.BaseSuite | None) -> str | None:
    """The metric a "best so far" comparison selects on: `acc` in `acc > best_acc`, and `val_loss`
    in `val_loss < stored_loss` when the body records it (`stored_loss = val_loss`)."""
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return None
    if not isinstance(test.comparisons[0].operator, (cst.LessThan, cst.GreaterThan, cst.LessThanEqual,
                                                      cst.GreaterThanEqual)):
        return None
    sides = [test.left, test.comparisons[0].comparator]
    if not all(isinstance(s, cst.Name) for s in sides):
        return None
    names = [s.value for s in sides]  # type: ignore[union-attr]
    best = [n for n in names if "best" in name_tokens(n)]
    if len(best) == 1 and names[0] != names[1]:
        return next(n for n in names if n != best[0])
    if body is None or best:
        return None
    recorded = [m for m, kept in (names, names[::-1]) if _records(body, kept, m)]
    return recorded[0] if len(recorded) == 1 else None


def _records(body: cst.BaseSuite, kept: str, metric: str) -> bool:
    """Does `body` assign `kept = metric` (the running best takes the new value)?"""
    return any(isinstance(n, cst.Assign) and isinstance(n.value, cst.Name) and n.value.value == metric
               and any(isinstance(t.target, cst.Name) and t.target.value == kept for t in n.targets)
               for n in nodes(body))


def _saves(body: cst.CSTNode, flag: str | None = None) -> bool:
    """Does `body` call a `save...` function (given the argument `flag`, when named)?"""
    for call in calls_in(body):
        func = call.func
        name = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else ""
        if "save" in name.lower() and (flag is None or any(
                isinstance(a.value, cst.Name) and a.value.value == flag for a in call.args)):
            return True
    return False


def _flag_saves(scope: cst.CSTNode, flag: str) -> bool:
    """The flag chooses what is saved: passed to a save call, or `if flag:` around one."""
    return _saves(scope, flag) or any(
        isinstance(n, cst.If) and isinstance(n.test, cst.Name) and n.test.value == flag and _saves(n.body)
        for n in nodes(scope))


def _test_argument(scope: cst.CSTNode, value: cst.BaseExpression | None, depth: int = 0) -> str | None:
    """Why the metric's computation reads the test split: a test-named argument of its calls
    (`evaluate(model, test_loader)`), or a name passed to them whose value was built on a test
    split (`val_loader = DataLoader(CaptionDataset(folder, name, 'TEST'))`), two hops at most."""
    for name in _argument_names(value):
        if _is_test_name(name):
            return f"`{name}`"
    if depth >= 2:
        return None
    for name in dict.fromkeys(_argument_names(value, bare=True)):
        if not _is_data_name(name):
            continue  # `model = build("configs/test.yaml")` says nothing about the evaluated samples
        for bound in assigned_values(scope, name):
            if bound is None:
                continue
            split = _test_split_literal(bound)
            if split is not None:
                return f"`{name}` is built on {split}"
            deeper = _test_argument(scope, bound, depth + 1)
            if deeper:
                return f"`{name}`: {deeper}"
    return None


def _is_data_name(name: str) -> bool:
    """`val_loader`, `eval_set`, `dataset`, `batches`: a name for samples, not a model or a setting."""
    return role_of_name(name) == EVAL or bool(set(name_tokens(name)) & _DATA_WORDS)


def _test_split_literal(value: cst.BaseExpression) -> str | None:
    """A string naming the test split among the arguments of the calls that build `value` (the
    dataset's `'TEST'`, `split="test"`, `os.path.join(root, "test")`), when no string of the same
    calls names a validation split. Transforms are not read (`build_transform("test")` is about
    augmentation, not about which samples are loaded), nor conditional values."""
    strings: list[str] = []

    def collect(call: cst.Call) -> None:
        for a in call.args:
            if a.keyword is not None and a.keyword.value in _NOT_SPLIT_KEYWORDS:
                continue
            v = a.value
            if isinstance(v, cst.SimpleString) and isinstance(literal(v), str):
                strings.append(literal(v))
            elif isinstance(v, cst.Call):
                collect(v)

    if not isinstance(value, cst.Call):
        return None
    collect(value)
    tokens = [set(name_tokens(s)) for s in strings]
    if any(t & _VAL_WORDS for t in tokens):
        return None
    tests = [s for s, t in zip(strings, tokens) if t & _TEST_WORDS]
    return f"'{tests[0]}'" if tests else None


def _argument_names(value: cst.BaseExpression | None, bare: bool = False) -> list[str]:
    """Names passed to the calls of `value` (`evaluate(model, test_loader)` -> model, test_loader);
    `bare`: only plain names (those a scope binds)."""
    if value is None:
        return []
    out = []
    for n in nodes(value):
        if isinstance(n, cst.Call):
            for a in n.args:
                if isinstance(a.value, cst.Name):
                    out.append(a.value.value)
                elif isinstance(a.value, cst.Attribute) and not bare:
                    out.append(a.value.attr.value)
    return out
