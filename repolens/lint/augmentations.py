"""Augmentations: is a transform call or a `Compose` pipeline random, fixed or unknown, and is it
a training or an evaluation pipeline?

`transform_kind` / `pipeline_kind` judge a transform call or a `Compose` from the tables of
`repolens.lint.knowledge.transforms`: RANDOM when some element is random, FIXED when every
element is a known fixed transform, UNKNOWN otherwise.
"""

from __future__ import annotations

from typing import Any

import libcst as cst

from repolens.lint.bindings import BindingTracker
from repolens.lint.helpers import argument, call_name, keyword_arg, literal, positional_args
from repolens.lint.knowledge.transforms import (ALBU_FIXED, ALBU_RANDOM, COMPOSE, FIXED, P_ONLY, PIPELINE_FUNCTION_TOKENS,
                                                RANDOM, TRANSFORM_KEYWORDS, TV_FIXED, TV_PREFIXES, TV_RANDOM,
                                                UNKNOWN)
from repolens.lint.roles import name_tokens, role_of_name


def _library(rule: Any, call: cst.Call) -> tuple[str | None, str]:
    name = call_name(call) or ""
    if not name:
        return None, name
    if rule.is_name(call.func, *(p + name for p in TV_PREFIXES)):
        return "tv", name
    qualified = rule.qualified_name(call.func) or ""
    if qualified.startswith("albumentations."):
        return "albu", name
    return None, name


def _p_is_fixed(call: cst.Call) -> bool:
    arg = argument(call, "p", 0) if call_name(call) in ("RandomHorizontalFlip", "RandomVerticalFlip") \
        else keyword_arg(call, "p")
    return arg is not None and literal(arg.value) in (0, 1, 0.0, 1.0)


def transform_kind(rule: Any, node: cst.BaseExpression) -> tuple[str, list[cst.Call]]:
    """RANDOM / FIXED / UNKNOWN for one pipeline element, with the random calls found in it."""
    if not isinstance(node, cst.Call):
        return UNKNOWN, []
    lib, name = _library(rule, node)
    if lib is None:
        return UNKNOWN, []
    if name == "Compose":
        return pipeline_kind(rule, node)
    if name in P_ONLY and _p_is_fixed(node):
        return FIXED, []
    if lib == "tv":
        if name == "GaussianBlur":
            sigma = argument(node, "sigma", 1)
            fixed_sigma = sigma is not None and isinstance(literal(sigma.value), (int, float))
            return (FIXED, []) if fixed_sigma else (RANDOM, [node])
        if name.startswith("Random") or name in TV_RANDOM:
            return RANDOM, [node]
        return (FIXED, []) if name in TV_FIXED else (UNKNOWN, [])
    p = keyword_arg(node, "p")
    if p is not None and literal(p.value) in (0, 0.0):
        return FIXED, []
    if name.startswith("Random") or name in ALBU_RANDOM:
        return RANDOM, [node]
    return (FIXED, []) if name in ALBU_FIXED else (UNKNOWN, [])


def is_compose(rule: Any, call: cst.Call) -> bool:
    return rule.is_name(call.func, *COMPOSE)


def pipeline_kind(rule: Any, compose: cst.Call) -> tuple[str, list[cst.Call]]:
    """RANDOM if any element is random; FIXED if every element is a known fixed transform."""
    args = positional_args(compose) or ([keyword_arg(compose, "transforms")] if keyword_arg(compose, "transforms") else [])
    if not args or not isinstance(args[0].value, (cst.List, cst.Tuple)) or not args[0].value.elements:
        return UNKNOWN, []
    randoms: list[cst.Call] = []
    kinds = set()
    for el in args[0].value.elements:
        if isinstance(el, cst.StarredElement):
            kinds.add(UNKNOWN)
            continue
        kind, found = transform_kind(rule, el.value)
        kinds.add(kind)
        randoms.extend(found)
    if randoms:
        return RANDOM, randoms
    return (FIXED, []) if kinds == {FIXED} else (UNKNOWN, [])


def pipeline_role(tracker: BindingTracker, compose: cst.Call) -> str | None:
    """TRAIN / EVAL for a Compose from its bound name, or the pipeline factory it is built in."""
    role = role_of_name(tracker.binding_of(compose))
    if role:
        return role
    for fn in reversed(tracker.function_stack):
        if set(name_tokens(fn)) & PIPELINE_FUNCTION_TOKENS:
            return role_of_name(fn)
    return None


def dataset_transform(call: cst.Call) -> cst.Arg | None:
    """The `transform=` argument of a dataset-like call."""
    for kw in TRANSFORM_KEYWORDS:
        arg = keyword_arg(call, kw)
        if arg is not None:
            return arg
    return None
