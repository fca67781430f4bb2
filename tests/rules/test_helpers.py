"""The shared rule helpers: fixes keep the call's layout, roles read names like a person would."""

from __future__ import annotations

import libcst as cst
import pytest

from repolens.lint.helpers import add_keyword, has_star_args, literal

from repolens.lint.roles import EVAL, TRAIN, role_of_name


def _added(code: str) -> str:
    call = cst.parse_expression(code)
    assert isinstance(call, cst.Call)
    return cst.Module([]).code_for_node(add_keyword(call, "pin_memory", "True"))


@pytest.mark.parametrize(("before", "after"), [
    ("DataLoader(ds)", "DataLoader(ds, pin_memory=True)"),
    ("DataLoader()", "DataLoader(pin_memory=True)"),
    ("DataLoader(ds, batch_size=4,)", "DataLoader(ds, batch_size=4, pin_memory=True,)"),
    ("DataLoader(ds,\n           batch_size=4)", "DataLoader(ds,\n           batch_size=4, pin_memory=True)"),
    ("DataLoader(\n    ds,\n    batch_size=4,\n)", "DataLoader(\n    ds,\n    batch_size=4,\n    pin_memory=True,\n)"),
    ("DataLoader(\n    ds,\n)", "DataLoader(\n    ds,\n    pin_memory=True,\n)"),
    # The closing parenthesis on its own line stays there (vq-vae-2's loaders).
    ("DataLoader(\n    ds, batch_size=4\n)", "DataLoader(\n    ds, batch_size=4, pin_memory=True\n)"),
    ("DataLoader(\n    ds,  # the set\n    batch_size=4,  # small\n)",
     "DataLoader(\n    ds,  # the set\n    batch_size=4,  # small\n    pin_memory=True,\n)"),
])
def test_add_keyword_keeps_the_layout_of_the_call(before: str, after: str):
    assert _added(before) == after
    cst.parse_expression(after)


def test_star_arguments_are_detected():
    assert has_star_args(cst.parse_expression("f(a, **kw)"))
    assert has_star_args(cst.parse_expression("f(*args)"))
    assert not has_star_args(cst.parse_expression("f(a, b=1)"))


def test_literal_reads_constants_only():
    assert literal(cst.parse_expression("True")) is True
    assert literal(cst.parse_expression("-1")) == -1
    assert literal(cst.parse_expression("'val'")) == "val"
    assert literal(cst.parse_expression("args.x")) is not True


@pytest.mark.parametrize(("name", "role"), [
    ("train_loader", TRAIN), ("trainloader", TRAIN), ("x_train", TRAIN), ("trainLoader", TRAIN),
    ("train2017", TRAIN), ("val_tfms", EVAL), ("testset", EVAL), ("valid_dl", EVAL), ("eval_transforms", EVAL),
    ("train_val_split", None), ("tta_transform", None), ("trainer", None), ("interval", None),
    ("values", None), ("pretrained", None), ("loader", None), ("device", None),
])
def test_role_of_name_reads_words_not_substrings(name: str, role):
    assert role_of_name(name) == role
