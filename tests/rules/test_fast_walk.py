"""The fast paths give the answers of the slow ones: children, the batched traversal, text signals."""

from __future__ import annotations

import ast
from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper

from repolens.lint import facts, trainfacts
from repolens.lint.traverse import children_of, visit_batched, walk

ROOT = Path(__file__).resolve().parents[2]

# Syntax the project's own files may not use, so that every node class shows up at least once.
EVERY_FORM = '''
from __future__ import annotations
import os.path as osp, sys
from . import sibling
from ..pkg import (a as b, c)
from torch.nn import *
@decorator(arg)
class A(Base, metaclass=Meta):
    """doc"""
    x: int = 1
    async def f(self, a, /, b: int = 2, *args, c, d=3, **kw) -> None:
        global g
        async with ctx() as (p, q), other:
            async for i in aiter():
                await i
        y = [j async for j in gen() if j]
        z = {k: v for k, v in d.items()}
        s = {e for e in range(3)}
        t = (w for w in range(3))
        lam = lambda u, *v, **w: u
        if (n := len(a)) > 1 and not b or c is None:
            pass
        elif a in b:
            del a[0], b.c
        else:
            raise ValueError("x") from None
        try:
            assert a, "m"
        except* (TypeError, KeyError) as exc:
            pass
        try:
            pass
        except Exception:
            pass
        else:
            pass
        finally:
            return f"{a!r:>{b}} {c=}" + "implicit" 'concat'
        match command:
            case [Point(x=0, y=0), *rest] | {"k": 1, **others} if rest:
                pass
            case str() as s:
                pass
            case _:
                yield from range(3)
        while True:
            a[1:2, ::3] @= -b ** ~c
            break
        else:
            continue
        nonlocal_value = (yield)
        print(*a, **kw); x = 1; x += 1
'''


def _sources() -> list[str]:
    files = sorted((ROOT / "repolens" / "lint").glob("*.py")) + sorted((ROOT / "rules" / "model").glob("*.py"))
    return [EVERY_FORM, *(p.read_text(encoding="utf-8") for p in files)]


def test_children_of_gives_the_same_nodes_in_the_same_order_as_libcst():
    for source in _sources():
        stack: list[cst.CSTNode] = [cst.parse_module(source)]
        while stack:
            node = stack.pop()
            slow = list(node.children)
            fast = children_of(node)
            assert len(fast) == len(slow), type(node).__name__
            assert all(a is b for a, b in zip(fast, slow)), type(node).__name__
            stack.extend(slow)


def test_walk_yields_every_node_once_in_source_order():
    module = cst.parse_module(EVERY_FORM)
    expected: list[cst.CSTNode] = []

    def visit(node: cst.CSTNode) -> None:
        expected.append(node)
        for child in node.children:
            visit(child)

    visit(module)
    assert [id(n) for n in walk(module)] == [id(n) for n in expected]


class _Recorder(cst.BatchableCSTVisitor):
    def __init__(self, events: list[tuple[str, str, int]], tag: str) -> None:
        super().__init__()
        self.events, self.tag = events, tag

    def _note(self, kind: str, node: cst.CSTNode) -> None:
        self.events.append((self.tag, kind, id(node)))

    def visit_Call(self, node: cst.Call) -> None:
        self._note("visit", node)

    def leave_Call(self, original_node: cst.Call) -> None:
        self._note("leave", original_node)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._note("visit", node)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._note("leave", original_node)

    def visit_Name(self, node: cst.Name) -> None:
        self._note("visit", node)

    def visit_Module(self, node: cst.Module) -> None:
        self._note("visit", node)

    def leave_Module(self, original_node: cst.Module) -> None:
        self._note("leave", original_node)


@pytest.mark.parametrize("source", _sources()[:4])
def test_visit_batched_calls_the_visitors_like_libcst(source: str):
    module = cst.parse_module(source)
    ours: list[tuple[str, str, int]] = []
    theirs: list[tuple[str, str, int]] = []
    assert visit_batched(module, [_Recorder(ours, "a"), _Recorder(ours, "b")])
    MetadataWrapper(module, unsafe_skip_copy=True).visit_batched([_Recorder(theirs, "a"), _Recorder(theirs, "b")])
    assert ours == theirs
    assert len(ours) > 10


def test_visit_batched_leaves_attribute_visitors_and_metadata_to_libcst():
    class Attr(cst.BatchableCSTVisitor):
        def visit_Call_func(self, node: cst.Call) -> None:
            pass

    class Meta(cst.BatchableCSTVisitor):
        METADATA_DEPENDENCIES = (cst.metadata.PositionProvider,)

        def visit_Call(self, node: cst.Call) -> None:
            pass

    module = cst.parse_module("f(x)\n")
    assert visit_batched(module, [Attr()]) is False
    assert visit_batched(module, [Meta()]) is False


@pytest.mark.parametrize("text", [
    "scheduler.step()", "ADJUST_LR(opt)", "opt.param_groups[0]['lr'] *= 0.1", "lr_lambda=f", "already done",
    "warm_up = 5", "WarmUp", "early_stopping", "PATIENCE = 3", "logger.info(x)", "self.log('a', 1)", "claim",
    "aim.Run()", "x.log(y)", "torch.backends.cudnn.benchmark = True", "use_deterministic_algorithms(True)",
    "nn.Conv2d(3, 8, 3)", "timm.create_model('x')", "resnet50()", "torch.manual_seed(0)",
    "enable_full_determinism(0)", "seed = 1", "nothing here at all", "",
])
def test_signals_are_what_the_patterns_alone_say(text: str):
    expected = {tag for tag, pattern in trainfacts.SIGNALS.items() if pattern.search(text)}
    assert trainfacts.signals_of(text) == expected


def test_signals_match_the_patterns_on_real_files():
    for source in _sources():
        expected = {tag for tag, pattern in trainfacts.SIGNALS.items() if pattern.search(source)}
        assert trainfacts.signals_of(source) == expected


def test_eval_mode_callees_are_calls_after_a_switch_in_the_same_scope():
    source = (
        "def main(model):\n"
        "    prepare(model)\n"
        "    model.eval()\n"
        "    evaluate(model)\n"
        "    def inner():\n"
        "        nested_call()\n"
        "    helper = lambda: in_lambda()\n"
        "class C:\n"
        "    at_class_level()\n"
        "net.train(False)\n"
        "after_module_switch()\n"
    )
    got = facts.file_facts("m.py", source).eval_mode_callees
    assert got == {"evaluate", "after_module_switch"}


def test_stochastic_classes_are_classes_whose_lines_name_dropout_or_batchnorm():
    source = (
        "import torch.nn as nn\n"
        "class Plain(nn.Module):\n"
        "    pass\n"
        "class Drop(nn.Module):\n"
        "    def __init__(self):\n"
        "        self.d = nn.Dropout(0.1)\n"
        "class Outer(nn.Module):\n"
        "    class Inner(nn.Module):\n"
        "        bn = nn.BatchNorm2d(3)\n"
    )
    assert facts.file_facts("m.py", source).stochastic_classes == {"Drop", "Outer", "Inner"}
    ast.parse(source)
