"""The Rule API stays compatible: positions on demand, the old PositionProvider style, import styles."""

from __future__ import annotations

import libcst as cst
import pytest
from libcst.metadata import PositionProvider

from repolens.lint import Example, Rule, Severity
from repolens.lint.check import lint_text

DOC = """
## What it does
x
## Why is this bad?
x
## Example
x
## Use instead
x
"""


class LineOfCall(Rule):
    __doc__ = DOC
    code = "TST100"
    name = "line-of-call"
    severity = Severity.INFO
    valid = (Example("x = 1\n"),)
    invalid = (Example("f()\n"),)

    def visit_Call(self, node: cst.Call) -> None:
        line = self.get_metadata(PositionProvider, node).start.line  # undeclared: answered lazily
        self.report(node, f"call on line {line}")


class DeclaresPositions(LineOfCall):
    code = "TST101"
    name = "declares-positions"
    METADATA_DEPENDENCIES = (PositionProvider,)  # the libcst style keeps working


class DataLoaderCall(Rule):
    __doc__ = DOC
    code = "TST102"
    name = "dataloader-call"
    severity = Severity.INFO
    valid = (Example("x = 1\n"),)
    invalid = (Example("f()\n"),)

    def visit_Call(self, node: cst.Call) -> None:
        if self.is_name(node.func, "torch.utils.data.DataLoader"):
            self.report(node)


@pytest.mark.parametrize("rule", [LineOfCall, DeclaresPositions])
def test_positions_work_with_and_without_declaring_the_provider(rule):
    _, reports = lint_text("x = 1\n\nf()\n", "a.py", [rule])
    assert [(r.message, r.position.start.line, r.position.start.column) for r in reports] == [
        ("call on line 3", 3, 0)]


def test_a_file_without_reports_never_computes_positions():
    from repolens.lint.parse import collect_aliases
    from repolens.lint.rulepass import run_rules
    from repolens.lint.rule import FileContext

    module = cst.parse_module("x = 1\n")
    ctx = FileContext(path="a.py", source="x = 1\n", aliases=collect_aliases(module))
    assert run_rules(module, ctx, [DataLoaderCall]) == ()
    assert ctx._positions is None


@pytest.mark.parametrize("source", [
    "import torch\ntorch.utils.data.DataLoader(ds)\n",
    "import torch.utils.data as tud\ntud.DataLoader(ds)\n",
    "from torch.utils import data\ndata.DataLoader(ds)\n",
    "from torch.utils.data import DataLoader as DL\nDL(ds)\n",
    "import torch as t\nt.utils.data.DataLoader(ds)\n",
    "from torch.utils.data import *\nDataLoader(ds)\n",
])
def test_qualified_names_resolve_through_any_import_style(source):
    _, reports = lint_text(source, "a.py", [DataLoaderCall])
    assert len(reports) == 1


def test_an_unrelated_dataloader_is_not_torchs():
    _, reports = lint_text("from mylib import DataLoader\nDataLoader(ds)\n", "a.py", [DataLoaderCall])
    assert reports == ()
