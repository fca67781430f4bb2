"""RL405 cuda-synchronize-in-loop: an explicit device synchronisation on every training step."""

import libcst as cst

from repolens.lint import Example, Severity
from repolens.lint.loops import TrainingLoopRule
from repolens.lint.trainflow import every_step_nodes, is_test_path, reads_to_host_every_step

SYNCHRONIZE = ("torch.cuda.synchronize", "torch.accelerator.synchronize", "torch.mps.synchronize",
               "torch.xpu.synchronize")
STREAMS = ("torch.cuda.current_stream", "torch.cuda.default_stream")  # `<stream>.synchronize()`

_TIMED = """
import time, torch
def train(model, loader, optimizer, criterion):
    for x, y in loader:
        start = time.time()
        optimizer.zero_grad()
        loss = criterion(model(x.cuda()), y.cuda())
        loss.backward()
        optimizer.step()
"""


class CudaSynchronizeInLoop(TrainingLoopRule):
    """
    ## What it does
    Flags `torch.cuda.synchronize()` (and `torch.accelerator.synchronize()`,
    `torch.cuda.current_stream().synchronize()`, the mps/xpu forms) that runs unconditionally on
    every iteration of a training loop (a loop whose own body calls `backward()` and an optimizer
    step). A call under an `if` (`if step % log_every == 0:`), in a nested loop, or in a nested
    function is not flagged; nor are unit tests; nor a loop that reads a value to the host on every
    step anyway (`loss.item()`, `.cpu()`, `.tolist()`: those wait for the GPU too, so removing the
    synchronize alone gains nothing: seen in dino's training and linear-eval loops).

    Tried on real code (the 22 repositories of the benchmark corpus, plus timm's train.py,
    pytorch-cifar100, resnet-cifar10, CutMix and sgrvinod's super-resolution tutorial): the only
    per-step synchronizes found (dino `main_dino.py`, `eval_linear.py`; Swin's SimMIM scripts)
    sit right before a `loss.item()`, so no finding. The two synchronizes first planted in the
    corpus (UNet, DiT) are in the same place, right before the loop's `loss.item()`, and stay
    unreported for the same reason: the `.item()` already waits for all queued work, so the
    synchronize costs nothing there (retired as plants). The plant that replaces them, a
    synchronize after barlowtwins' AMP step in a loop that reads the loss only every `print_freq`
    steps, is found.

    ## Why is this bad?
    A synchronisation makes the CPU wait until every queued GPU kernel has finished. Once per
    step, the CPU can no longer queue step N+1 while the GPU runs step N, so the GPU idles while
    Python prepares each step. It is usually left over from timing code (`synchronize()` then
    `time.time()`); time a window of steps with CUDA events or under a condition instead.

    ## Example
    ```python
    for x, y in loader:
        torch.cuda.synchronize()
        start = time.time()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
    ```

    ## Use instead
    ```python
    for step, (x, y) in enumerate(loader):
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
        if step % log_every == 0:
            torch.cuda.synchronize()
            print(f"{(time.time() - start) / log_every:.3f}s/step")
            start = time.time()
    ```
    """

    code = "RL405"
    quiet_in_dead_code = True
    quiet_in_tests = True
    name = "cuda-synchronize-in-loop"
    severity = Severity.WARNING
    tier = "default"
    tier_reason = "an explicit sync on every step stalls the GPU pipeline: a clear performance win to remove"
    source = "PyTorch Performance Tuning Guide: 'Avoid unnecessary CPU-GPU synchronization'"
    message = "{call} on every training step: the CPU waits for the GPU each iteration (time under a condition or with CUDA events)"
    needles = ("synchronize",)

    valid = [
        Example(_TIMED.replace("        optimizer.step()\n", "        optimizer.step()\n        if step % 100 == 0:\n"
                               "            torch.cuda.synchronize()\n")),
        Example("import torch\nfor x in loader:\n    torch.cuda.synchronize()\n    out = model(x)\n"),  # no training step
        Example(_TIMED.replace("        start", "        torch.cuda.synchronize()\n        start"), path="tests/test_speed.py"),
        # dino's loop: the per-step `loss.item()` waits for the GPU anyway
        Example(_TIMED.replace("        start", "        torch.cuda.synchronize()\n        meter.update(loss.item())\n"
                               "        start")),
    ]
    invalid = [
        Example(_TIMED.replace("        start", "        torch.cuda.synchronize()\n        start")),
        Example(_TIMED.replace("        optimizer.step()\n", "        optimizer.step()\n"
                               "        torch.cuda.current_stream().synchronize()\n")),
        Example(_TIMED.replace("import time, torch", "import time\nimport torch as T").replace(
            "        start", "        T.accelerator.synchronize()\n        start")),
    ]

    def visit_Module(self, node: cst.Module) -> None:
        self._skip = is_test_path(self.context.path, self.context.source)

    def check_loop(self, flow) -> None:
        if self._skip:
            return
        if reads_to_host_every_step(flow.loop):
            return  # the step reads a value to the host anyway (`loss.item()`): that syncs, this adds nothing
        for n in (n for n in every_step_nodes(flow.loop) if isinstance(n, cst.Call)):
            func = n.func
            if self.is_name(func, *SYNCHRONIZE):
                self.report(n, self.message.format(call=(self.qualified_name(func) or "synchronize") + "()"))
            elif isinstance(func, cst.Attribute) and func.attr.value == "synchronize" and isinstance(func.value, cst.Call) \
                    and self.is_name(func.value.func, *STREAMS):
                self.report(n, self.message.format(call="stream.synchronize()"))
