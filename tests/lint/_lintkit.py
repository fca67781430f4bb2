"""Helpers shared by the engine tests (imported by name: tests/ is not a package)."""

from __future__ import annotations

import textwrap
from pathlib import Path

TINY_RULES = '''
import libcst as cst

from repolens.lint import Example, Rule, Severity


EQ = cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace(""))


def _doc(what):
    return f"""
    ## What it does
    {what}

    ## Why is this bad?
    It is a test.

    ## Example
    ```python
    bad()
    ```

    ## Use instead
    ```python
    good()
    ```
    """


class NoPrint(Rule):
    __doc__ = _doc("Flags print() calls.")
    code = "TST001"
    name = "no-print"
    severity = Severity.WARNING
    message = "print() call"
    needles = ("print",)
    valid = (Example("log('x')\\n"),)
    invalid = (Example("print('x')\\n"),)

    def visit_Call(self, node):
        if self.is_name(node.func, "print"):
            self.report(node)


class LoaderPin(Rule):
    __doc__ = _doc("Flags DataLoader calls without pin_memory; the fix adds pin_memory=True.")
    code = "TST002"
    name = "loader-pin"
    severity = Severity.WARNING
    message = "DataLoader without pin_memory"
    needles = ("DataLoader",)
    fix_safety = "safe"
    valid = (Example("from torch.utils.data import DataLoader\\nDataLoader(ds, pin_memory=True)\\n"),)
    invalid = (Example("from torch.utils.data import DataLoader\\nDataLoader(ds)\\n",
                       fixed="from torch.utils.data import DataLoader\\nDataLoader(ds, pin_memory=True)\\n"),)

    def visit_Call(self, node):
        if self.is_name(node.func, "torch.utils.data.DataLoader") and not any(
                a.keyword is not None and a.keyword.value == "pin_memory" for a in node.args):
            # Deliberately naive: it even "fixes" calls with **kwargs, so the engine's guard is tested.
            new = node.with_changes(args=[*node.args, cst.Arg(keyword=cst.Name("pin_memory"),
                                                               value=cst.Name("True"), equal=EQ)])
            self.report(node, replacement=new)


class UnsafeLoad(Rule):
    __doc__ = _doc("Flags torch.load without weights_only; the fix is unsafe.")
    code = "TST003"
    name = "unsafe-load"
    severity = Severity.ERROR
    message = "torch.load without weights_only"
    needles = ("load",)
    fix_safety = "unsafe"
    valid = (Example("import torch\\ntorch.load(p, weights_only=True)\\n"),)
    invalid = (Example("import torch\\ntorch.load(p)\\n"),)

    def visit_Call(self, node):
        if self.is_name(node.func, "torch.load") and not any(
                a.keyword is not None and a.keyword.value == "weights_only" for a in node.args):
            new = node.with_changes(args=[*node.args, cst.Arg(keyword=cst.Name("weights_only"),
                                                               value=cst.Name("True"), equal=EQ)])
            self.report(node, replacement=new)


class NoteTodo(Rule):
    __doc__ = _doc("Flags names called todo (info, off by default).")
    code = "TST900"
    name = "todo-name"
    severity = Severity.INFO
    default_enabled = False
    message = "a name called todo"
    options = {"word": "todo"}
    valid = (Example("done = 1\\n"),)
    invalid = (Example("todo = 1\\n"),)

    def visit_Name(self, node):
        if node.value == self.settings["word"]:
            self.report(node)


class CudaOnly(Rule):
    __doc__ = _doc("Flags fit() calls, only in a project that uses CUDA (project facts).")
    code = "TST004"
    name = "cuda-fit"
    severity = Severity.INFO
    message = "fit() in a CUDA project"
    needles = ("fit",)
    valid = (Example("fit()\\n"),)
    invalid = (Example("fit()\\n", files={"gpu.py": "x.cuda()\\n"}),)

    def visit_Call(self, node):
        if self.facts.uses_cuda and self.is_name(node.func, "fit"):
            self.report(node)
'''


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path
