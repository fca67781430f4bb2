"""RL403 debug-api-left-on: anomaly detection or the autograd profiler left on in training code."""

import libcst as cst

from repolens.lint import Example, Severity
from repolens.lint.helpers import keyword_arg, literal
from repolens.lint.scoped import ScopedRule
from repolens.lint.trainflow import is_test_path, training_loops
from repolens.lint.words import name_tokens

ANOMALY_SET = ("torch.autograd.set_detect_anomaly", "torch.autograd.anomaly_mode.set_detect_anomaly")
ANOMALY_CONTEXT = ("torch.autograd.detect_anomaly", "torch.autograd.anomaly_mode.detect_anomaly")
PROFILERS = ("torch.autograd.profiler.profile", "torch.autograd.profile", "torch.profiler.profile",
             "torch.autograd.profiler.emit_nvtx", "torch.autograd.emit_nvtx", "torch.cuda.profiler.profile")
# Words of a function or file name that say it is there to profile or debug: there the API is the point.
DELIBERATE_WORDS = frozenset({"profile", "profiler", "profiling", "benchmark", "benchmarks", "bench", "debug",
                              "debugging", "timing", "throughput", "trace", "tracing"})


class DebugApiLeftOn(ScopedRule):
    """
    ## What it does
    Flags `torch.autograd.set_detect_anomaly(True)`, `torch.autograd.detect_anomaly()` and the
    profilers (`torch.autograd.profiler.profile`, `torch.profiler.profile`, `emit_nvtx`) in a
    file that runs a training loop (a loop with `backward()` and an optimizer step), when they
    are on unconditionally: not under an `if` / `try` (`if args.detect_anomaly:` is a switch,
    not a leftover), and without an `enabled=` argument that decides at run time. Unit tests are
    skipped, and so is a call whose enclosing function or file is named for profiling or
    debugging (`def profile_step(...)`, `benchmark.py`, `debug_nan.py`: the API is what it is
    there for, run on purpose rather than left on), and a `torch.profiler.profile(schedule=...)`,
    which records only the few steps its schedule names (wait, warmup, active) and is otherwise
    idle: a bounded profile the author set up, not a per-step cost. Both are read from what the
    names and the call say; whether a profiling function runs on every training run is not seen.

    ## Why is this bad?
    Anomaly detection records a traceback for every autograd node and checks every backward
    result for NaN: the PyTorch docs warn that it "should be enabled only for debugging as the
    different tests will slow down your program execution". The profilers record every operator.
    Left on in a training script, they cost a large share of the training time (often several
    times slower) and memory, silently.

    ## Example
    ```python
    torch.autograd.set_detect_anomaly(True)
    for x, y in loader:
        optimizer.zero_grad()
        criterion(model(x), y).backward()
        optimizer.step()
    ```

    ## Use instead
    ```python
    torch.autograd.set_detect_anomaly(args.detect_anomaly)  # off unless debugging
    for x, y in loader:
        optimizer.zero_grad()
        criterion(model(x), y).backward()
        optimizer.step()
    ```
    """

    code = "RL403"
    quiet_in_dead_code = True
    quiet_in_tests = True
    name = "debug-api-left-on"
    severity = Severity.WARNING
    tier = "default"
    tier_reason = ('anomaly detection and the profiler left on slow every training step several-fold (a clear '
                   'performance bug)')
    source = ("PyTorch Performance Tuning Guide: \"Disable debugging APIs\" (anomaly detection, autograd profiler, "
              "emit_nvtx, gradcheck)")
    message = "`{api}` left on in training code: every step pays for debugging (anomaly checks / operator profiling)"
    needles = ("anomaly", "profile", "emit_nvtx")

    _LOOP = """
for x, y in loader:
    optimizer.zero_grad()
    loss_fn(model(x), y).backward()
    optimizer.step()
"""
    valid = [
        Example("import torch\n\nif args.detect_anomaly:\n    torch.autograd.set_detect_anomaly(True)\n"
                "torch.autograd.set_detect_anomaly(False)\n" + _LOOP),
        Example("import torch\nfrom torch.profiler import profile\n\n"
                "with profile(enabled=args.profile):\n    pass\n"
                "torch.autograd.set_detect_anomaly(cfg.debug)\n" + _LOOP),
        # A function named for profiling, in a training script: run on purpose.
        Example("import torch\n\ndef profile_step(model, x, y, optimizer):\n"
                "    with torch.profiler.profile(record_shapes=True) as prof:\n"
                "        loss_fn(model(x), y).backward()\n        optimizer.step()\n"
                "    print(prof.key_averages().table())\n" + _LOOP),
        # A scheduled profiler records a few steps and idles otherwise.
        Example("import torch\nfrom torch.profiler import profile, schedule, tensorboard_trace_handler\n\n"
                "with profile(schedule=schedule(wait=1, warmup=1, active=3, repeat=1),\n"
                "             on_trace_ready=tensorboard_trace_handler('./log')) as prof:\n"
                "    for x, y in loader:\n        optimizer.zero_grad()\n        loss_fn(model(x), y).backward()\n"
                "        optimizer.step()\n        prof.step()\n"),
        # A script named for benchmarking.
        Example("import torch\n\ntorch.autograd.set_detect_anomaly(True)\n" + _LOOP, path="benchmark_train.py"),
        # Not a training file: an anomaly-mode unit of a debugging helper.
        Example("import torch\n\ndef check(f, x):\n    with torch.autograd.detect_anomaly():\n        f(x).sum().backward()\n"),
    ]
    invalid = [
        Example("import torch\n\ntorch.autograd.set_detect_anomaly(True)\n" + _LOOP),
        Example("from torch import autograd\n\ndef train(model, loader, optimizer, loss_fn):\n"
                "    with autograd.detect_anomaly():\n"
                "        for x, y in loader:\n            optimizer.zero_grad()\n"
                "            loss_fn(model(x), y).backward()\n            optimizer.step()\n"),
        Example("import torch.autograd.profiler as profiler\n\nwith profiler.profile(use_cuda=True) as prof:\n"
                "    for x, y in loader:\n        optimizer.zero_grad()\n        loss_fn(model(x), y).backward()\n"
                "        optimizer.step()\n"),
    ]

    def visit_Module(self, node: cst.Module) -> None:
        stem = self.context.path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        self._active = not is_test_path(self.context.path, self.context.source) \
            and not DELIBERATE_WORDS.intersection(name_tokens(stem)) and bool(training_loops(node, self.context.source))
        self._conditions = 0

    # libcst collects visitor methods by their __name__: each needs its own def
    def visit_If(self, node: cst.If) -> None:
        self._conditions += 1

    def leave_If(self, original_node: cst.If) -> None:
        self._conditions -= 1

    def visit_Try(self, node: cst.Try) -> None:
        self._conditions += 1

    def leave_Try(self, original_node: cst.Try) -> None:
        self._conditions -= 1

    def visit_IfExp(self, node: cst.IfExp) -> None:
        self._conditions += 1

    def leave_IfExp(self, original_node: cst.IfExp) -> None:
        self._conditions -= 1

    def visit_BooleanOperation(self, node: cst.BooleanOperation) -> None:
        self._conditions += 1

    def leave_BooleanOperation(self, original_node: cst.BooleanOperation) -> None:
        self._conditions -= 1

    def visit_Call(self, node: cst.Call) -> None:
        if not self._active or self._conditions \
                or any(DELIBERATE_WORDS.intersection(name_tokens(f.name.value)) for f in self.function_stack):
            return
        api = self.qualified_name(node.func)
        if api in ANOMALY_SET:
            mode = keyword_arg(node, "mode") or (node.args[0] if node.args and node.args[0].keyword is None else None)
            if mode is None or literal(mode.value) is not True:
                return
        elif api in ANOMALY_CONTEXT or api in PROFILERS:
            enabled = keyword_arg(node, "enabled")
            if enabled is not None and literal(enabled.value) is not True:
                return
            if any(a.star for a in node.args) or keyword_arg(node, "schedule") is not None:
                return  # a schedule records only its active steps: a bounded profile, set up on purpose
        else:
            return
        self.report(node, self.message.format(api=api))
