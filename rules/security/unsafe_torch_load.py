import libcst as cst

from repolens.lint import Example, Expected, Rule, Severity
from repolens.lint.bindings import BindingTracker
from repolens.lint.helpers import (add_keyword, argument, call_name, code_of, dotted, has_star_args, keyword_arg,
                                   literal)
from repolens.lint.traverse import calls_in

TORCH_LOAD = ("torch.load", "torch.serialization.load")
# torch.load's default became weights_only=True in this release.
SAFE_DEFAULT_SINCE = (2, 6)


class UnsafeTorchLoad(BindingTracker, Rule):
    """
    ## What it does
    Flags `torch.load(...)` without `weights_only=True`, and, with its own message, an explicit
    `weights_only=False`.

    When the project's torch version is 2.6 or newer, a missing keyword is fine (the default is
    already `True`) and only an explicit `weights_only=False` is reported. The version is
    `target-version` in `[tool.repolens]` when set, else the lowest torch the project declares
    (requirements*.txt, pyproject, setup.py/cfg, environment.yml) or whose APIs it uses
    (`torch.accelerator` needs 2.6). A project that registers types with
    `torch.serialization.add_safe_globals` / `safe_globals` is written for weights-only loading
    and is treated the same way. With no version known the rule assumes an older torch.

    It stays silent when `weights_only` is a non-literal expression (the caller decides), when the
    call passes `*args` / `**kwargs` (the keyword may be in there: adding it would raise
    `TypeError: got multiple values`), when a `pickle_module` is passed (incompatible with
    `weights_only=True`), inside an `except TypeError:` handler (the usual fallback for old
    torch releases that do not know the keyword), and for an in-memory buffer made from a tensor
    (`torch.load(io.BytesIO(t.cpu().numpy()))`: objects broadcast between ranks of one job,
    not a file from elsewhere).

    ## Why is this bad?
    `torch.load` unpickles: a checkpoint can carry code that runs on load. A checkpoint downloaded
    from a model hub or a shared drive is untrusted input. `weights_only=True` restricts
    unpickling to tensors, primitive containers and allow-listed types.

    ## Example
    ```python
    state = torch.load("model.pt", map_location="cpu")
    ```

    ## Use instead
    ```python
    state = torch.load("model.pt", map_location="cpu", weights_only=True)
    ```

    The fix adds `weights_only=True` and is **unsafe** (applied with `--unsafe-fixes` only): a
    checkpoint that pickles whole modules, optimizers or custom classes (an `argparse.Namespace`
    of training arguments is common) no longer loads until those types are allow-listed with
    `torch.serialization.add_safe_globals`. An explicit `weights_only=False` is never rewritten.
    """

    code = "RL501"
    name = "unsafe-torch-load"
    severity = Severity.WARNING
    tier = "default"
    tier_reason = 'loading a pickle executes code: a security bug with a one-keyword fix'
    source = ("PyTorch docs, torch.load: 'weights_only=False ... can result in arbitrary code execution'; "
              "TorchFix TOR102")
    message = "torch.load without weights_only=True unpickles arbitrary objects: a malicious checkpoint runs code on load"
    needles = ("load(",)
    fix_safety = "unsafe"
    valid = (
        Example("import torch\nsd = torch.load('m.pt', weights_only=True)\n"),
        Example("import torch\ndef load(path, **kw):\n    return torch.load(path, **kw)\n"),
        Example("import torch as t\nsd = t.load('m.pt', weights_only=args.safe)\n"),
        Example("import torch\nimport dill\nsd = torch.load('m.pt', pickle_module=dill)\n"),
        Example("import torch\ntry:\n    sd = torch.load(p, weights_only=True)\n"
                "except TypeError:  # torch < 1.13\n    sd = torch.load(p)\n"),
        Example("import io\nimport torch\ndef recv(t):\n    buf = io.BytesIO(t.cpu().byte().numpy())\n"
                "    return torch.load(buf)\n"),
        # torch >= 2.6: the default is already safe.
        Example("import torch\nsd = torch.load('m.pt')\n", options={"target_version": "2.6"}),
        # Another library's load.
        Example("import numpy as np\nx = np.load('a.npy')\n"),
    )
    invalid = (
        Example("import torch\nsd = torch.load('m.pt', map_location='cpu')\n",
                fixed="import torch\nsd = torch.load('m.pt', map_location='cpu', weights_only=True)\n"),
        Example("from torch import load\nsd = load(\n    path,\n    map_location=dev,\n)\n",
                fixed="from torch import load\nsd = load(\n    path,\n    map_location=dev,\n    weights_only=True,\n)\n"),
        Example("import torch as t\nsd = t.load('m.pt', weights_only=False)\n",
                expect=[Expected(2, r"^torch\.load\(weights_only=False\).*\(no fix offered\)$", regex=True)]),
        # A suppressed call is neither reported nor fixed (the per-file pipeline's suppressions).
        Example("import torch\nold = torch.load('old.pt')  # repolens: ignore[RL501]\nsd = torch.load('m.pt')\n",
                fixed="import torch\nold = torch.load('old.pt')  # repolens: ignore[RL501]\n"
                "sd = torch.load('m.pt', weights_only=True)\n",
                expect=[(3, "torch.load without weights_only=True")]),
        Example("import torch\nsd = torch.load('m.pt', weights_only=False)\n", options={"target_version": "2.6"}),
    )
    options = {"target_version": None}

    def __init__(self, context, options=None) -> None:
        super().__init__(context, options)
        self._type_error_handlers = 0

    def _target(self) -> tuple[int, ...] | None:
        configured = self.settings.get("target_version")
        if configured:
            return tuple(int(p) for p in str(configured).split(".")[:2] if p.isdigit())
        return self.context.target_version

    def _tensor_buffer(self, node: cst.Call) -> bool:
        """`torch.load(buf)` where `buf = io.BytesIO(<tensor>.numpy())`: a process-internal payload."""
        arg = argument(node, "f", 0)
        if arg is None:
            return False
        value = arg.value
        key = dotted(value)
        if key and key in self.assigned:
            value = self.assigned[key]
        if not (isinstance(value, cst.Call) and call_name(value) == "BytesIO"):
            return False
        return any(call_name(c) in ("numpy", "cpu", "tobytes") for c in calls_in(value) if c is not value)

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if node.type is not None and "TypeError" in code_of(node.type):
            self._type_error_handlers += 1

    def leave_ExceptHandler(self, original_node: cst.ExceptHandler) -> None:
        if original_node.type is not None and "TypeError" in code_of(original_node.type):
            self._type_error_handlers -= 1

    def visit_Call(self, node: cst.Call) -> None:
        if not self.is_name(node.func, *TORCH_LOAD) or has_star_args(node):
            return
        arg = keyword_arg(node, "weights_only")
        if arg is not None:
            if literal(arg.value) is False:
                self.report(arg, "torch.load(weights_only=False) unpickles arbitrary objects: "
                                 "only load checkpoints you trust (no fix offered)")
            return
        target = self._target()
        if target is not None and target >= SAFE_DEFAULT_SINCE:
            return
        if self.facts.model.registers_safe_globals.value:
            return  # the project allow-lists types for weights_only loading: it is written for torch >= 2.6
        if argument(node, "pickle_module", 2) is not None or self._type_error_handlers:
            return
        if self._tensor_buffer(node):
            return
        self.report(node, replacement=add_keyword(node, "weights_only", "True"))
