"""RL406 tensor-format-in-loop: a CUDA tensor formatted into a per-step progress message (an implicit sync)."""

import libcst as cst

from repolens.lint import Example, Severity
from repolens.lint.helpers import method_name
from repolens.lint.knowledge.training import BACKWARD, backpropagated
from repolens.lint.loops import TrainingLoopRule
from repolens.lint.helpers import target_names
from repolens.lint.trainflow import every_step_nodes, is_test_path, reads_to_host_every_step

# Calls that show a message every step: print, a progress bar, a logger.
_SHOW = frozenset({"print", "set_postfix", "set_description", "set_postfix_str", "write", "info", "debug", "warning",
                   "log"})

_LOOP = """
import torch
from tqdm import tqdm
def train(model, loader, optimizer, criterion):
    pbar = tqdm(loader)
    for x, y in pbar:
        optimizer.zero_grad()
        loss = criterion(model(x.cuda()), y.cuda())
        loss.backward()
        optimizer.step()
"""


class TensorFormatInLoop(TrainingLoopRule):
    """
    ## What it does
    Flags the loss tensor of a training loop (the tensor its `backward()` differentiates:
    `loss.backward()`, `scaler.scale(loss).backward()`, `accelerator.backward(loss)`; or a name
    the loop assigns from it) formatted into a message on every step: an f-string field
    (`f"{loss}"`, `f"{loss:.4f}"`), a `%` or `.format(...)` argument, or a keyword of a progress
    bar's `set_postfix(loss=loss)`, inside `print`, `tqdm.set_postfix/set_description/write`, or a
    logger's `info/debug/log`. Only code that runs on every iteration counts (not under an `if`,
    a nested loop, or a nested function), in a file that moves tensors to CUDA (itself or within
    two imports of it: a CPU-only lecture script next to GPU ones is left alone); unit tests
    are skipped. `loss.item()` is not this rule's (RL321 reports a per-step `.item()`). Nor is a
    loop that copies some value to the host on every step anyway (`meter.update(loss.item())`,
    `.cpu()`, `.tolist()`): the step already waits for the GPU there, and formatting the tensor adds
    no sync (RL405's reasoning for `synchronize()`; MC-Net's per-step `%f` of the loss, judged not
    worth a change, copies its outputs to the host the same step, a way the rule does not see).

    Tried on real code (the 22 repositories of the benchmark corpus, plus timm's train.py,
    pytorch-cifar100, resnet-cifar10, CutMix and sgrvinod's super-resolution tutorial): no finding
    on unmodified code (they format `loss.item()` or an `AverageMeter`). The two mistakes first
    planted in the corpus (UNet's AMP loop, PyTorch-YOLOv3's per-batch `tqdm.write`) sit in loops
    that read the loss to the host every step anyway, so they cost nothing and are retired; the plant
    that replaces them (awd-lstm-lm's per-batch `print` of the loss, in a loop that reads it only
    every `log_interval` batches) is found.

    Tier: advice since the twelfth session (`--select ADVICE` or `--select RL406`), beside RL321.
    Judged on real training code, none of its 6 findings (4 tuned, 2 held out) was worth a change:
    a 25-epoch XOR toy printing once per epoch, semi-supervised loops that copy their outputs to
    the host every step anyway. The cost is real only on a small, fast model stepping with nothing
    else that syncs; that is a profiling question, not a default finding.

    ## Why is this bad?
    Formatting a CUDA tensor copies its value to the host: an implicit `.item()`, a CPU-GPU
    synchronisation hidden in a string. On every step it stops the CPU from queueing the next
    step while the GPU computes. It also prints `tensor(0.6931, device='cuda:0',
    grad_fn=<NllLossBackward0>)` where a number was meant.

    ## Example
    ```python
    for x, y in pbar:
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
        pbar.set_description(f"loss {loss:.4f}")
    ```

    ## Use instead
    ```python
    for step, (x, y) in enumerate(pbar):
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
        if step % log_every == 0:
            pbar.set_description(f"loss {loss.item():.4f}")
    ```
    """

    code = "RL406"
    quiet_in_dead_code = True
    quiet_in_tests = True
    name = "tensor-format-in-loop"
    severity = Severity.INFO
    tier = "advice"
    tier_reason = ("a hidden CPU-GPU sync per step, like RL321's .item(): judged on real code, 0 of 6 findings were "
                   "worth a change (toy loops, steps that sync anyway); select it (ADVICE) when profiling")
    source = "PyTorch Performance Tuning Guide: 'Avoid unnecessary CPU-GPU synchronization' (print of a CUDA tensor)"
    message = "`{name}` (a CUDA tensor) formatted into a message on every training step: an implicit sync; log `.item()` under a condition"
    needles = ("backward",)

    valid = [
        Example(_LOOP + "        pbar.set_description(f'loss {loss.item():.4f}')\n"),  # RL321's, not this rule's
        # The step reads the loss to the host anyway (UNet's wandb log of `loss.item()`): no added sync.
        Example(_LOOP + "        experiment.log({'train loss': loss.item()})\n        pbar.set_description(f'loss {loss:.4f}')\n"),
        Example(_LOOP + "        if step % 10 == 0:\n            print(f'loss {loss}')\n"),
        Example(_LOOP.replace("model(x.cuda()), y.cuda()", "model(x), y") + "        print(f'loss {loss}')\n"),  # a CPU project
        Example(_LOOP + "        print(f'epoch {epoch} lr {lr}')\n"),
    ]
    invalid = [
        Example(_LOOP + "        pbar.set_description(f'loss {loss:.4f}')\n"),
        Example(_LOOP + "        print('loss %.3f' % loss)\n"),
        Example(_LOOP + "        pbar.set_postfix(loss=loss)\n"),
        # UNet's AMP loop: the loss reaches backward() through the GradScaler
        Example(_LOOP.replace("        loss.backward()", "        grad_scaler.scale(loss).backward()")
                + "        pbar.set_description(f'Epoch {epoch} loss {loss:.4f}')\n"),
        Example(_LOOP + "        total = loss * 2\n        logger.info('step loss {}'.format(total))\n"),
    ]

    def visit_Module(self, node: cst.Module) -> None:
        self._skip = is_test_path(self.context.path, self.context.source) or not self.facts.uses_cuda_at(self.context.path)

    def check_loop(self, flow) -> None:
        if self._skip:
            return
        # `loss.backward()`, `scaler.scale(loss).backward()`, `accelerator.backward(loss)`: the loss tensors
        tensors = {name for e in flow.of(BACKWARD) for name in backpropagated(e.node)}
        if not tensors or reads_to_host_every_step(flow.loop):
            return  # no loss, or the step copies a value to the host anyway (`loss.item()` for a meter): no added sync
        for n in every_step_nodes(flow.loop):
            if isinstance(n, cst.Assign) and _names(n.value) & tensors:
                for t in n.targets:
                    tensors.update(target_names(t.target))
            elif isinstance(n, cst.Call) and _shows(n):
                for arg in n.args:
                    shown = _formatted(arg.value) if arg.keyword is None or method_name(n) != "set_postfix" \
                        else _names(arg.value, bare=True)
                    hit = sorted(shown & tensors)
                    if hit:
                        self.report(n, self.message.format(name=hit[0]))
                        break


def _shows(call: cst.Call) -> bool:
    func = call.func
    name = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else ""
    return name in _SHOW


def _names(expr: cst.BaseExpression, bare: bool = False) -> set[str]:
    """Names an expression computes from (`loss * 2` -> {loss}); `bare`: only a plain name.
    A value read through a method call (`loss.item()`, `float(loss)`) is no longer the tensor."""
    if isinstance(expr, cst.Name):
        return {expr.value}
    if bare:
        return set()
    if isinstance(expr, cst.BinaryOperation):
        return _names(expr.left) | _names(expr.right)
    if isinstance(expr, cst.UnaryOperation):
        return _names(expr.expression)
    return set()


def _formatted(expr: cst.BaseExpression) -> set[str]:
    """The names a string expression formats: f-string fields, `%` operands, `.format` args."""
    if isinstance(expr, cst.FormattedString):
        return {n for part in expr.parts if isinstance(part, cst.FormattedStringExpression)
                for n in _names(part.expression, bare=True)}
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Modulo) \
            and isinstance(expr.left, (cst.SimpleString, cst.ConcatenatedString)):
        right = expr.right
        items = [e.value for e in right.elements] if isinstance(right, cst.Tuple) else [right]
        return {n for item in items for n in _names(item, bare=True)}
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and expr.func.attr.value == "format" \
            and isinstance(expr.func.value, (cst.SimpleString, cst.ConcatenatedString)):
        return {n for a in expr.args for n in _names(a.value, bare=True)}
    if isinstance(expr, cst.ConcatenatedString):
        return _formatted(expr.left) | _formatted(expr.right)
    return set()
