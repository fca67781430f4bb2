"""Augmentations: is a transform call or a `Compose` pipeline random, fixed or unknown, and is it
a training or an evaluation pipeline?

`transform_kind` / `pipeline_kind` judge a transform call or a `Compose` from the tables of
`repolens.lint.knowledge.transforms`: RANDOM when some element is random, FIXED when every
element is a known fixed transform, UNKNOWN otherwise.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import libcst as cst

from repolens.lint.bindings import BindingTracker
from repolens.lint.helpers import (argument, call_name, dotted, keyword_arg, last_segment, literal, method_name,
                                   positional_args, receiver)
from repolens.lint.knowledge.transforms import (ALBU_FIXED, ALBU_RANDOM, COMPOSE, FIXED, P_ONLY, PIPELINE_FUNCTION_TOKENS,
                                                RANDOM, TRANSFORM_KEYWORDS, TV_FIXED, TV_PREFIXES, TV_RANDOM,
                                                UNKNOWN)
from repolens.lint.roles import EVAL, SPLIT_KEYWORDS, TRAIN, TRAIN_FLAG_KEYWORDS, name_tokens, role_of_name


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


def _named_random(name: str) -> bool:
    """A class name that says it augments at random: `ExtRandomScale`, `MyColorJitter`. Drawing random
    numbers alone is not enough: timm's `ResizeKeepRatio` draws them only when given a random-scale
    probability (0 by default) and sits in evaluation pipelines on purpose."""
    return "Random" in name or name.endswith(_RANDOM_NAMES)


_RANDOM_NAMES = tuple(sorted(TV_RANDOM | ALBU_RANDOM))


def _p_is_fixed(call: cst.Call) -> bool:
    arg = argument(call, "p", 0) if (call_name(call) or "").endswith(("RandomHorizontalFlip", "RandomVerticalFlip")) \
        else keyword_arg(call, "p")
    return arg is not None and literal(arg.value) in (0, 1, 0.0, 1.0)


# Words of a project transform that draws one of the values it is given (DETR's `RandomResize(sizes)`).
_CHOOSES_FROM = ("Resize", "Rescale", "Scale", "Choice", "Select")


def _one_choice(name: str, call: cst.Call) -> bool:
    """`RandomResize([800], max_size=1333)`: a project transform that draws from the values it is
    given, given one. DETR-style evaluation pipelines resize this way on purpose (ByteTrack's
    vendored MOTR: two judged wrong). A `RandomCrop([512])` still draws a position: not read so."""
    first = call.args[0].value if call.args and call.args[0].keyword is None else None
    return any(w in name for w in _CHOOSES_FROM) and isinstance(first, (cst.List, cst.Tuple)) \
        and len(first.elements) == 1 and not isinstance(first.elements[0], cst.StarredElement)


def transform_kind(rule: Any, node: cst.BaseExpression) -> tuple[str, list[cst.Call]]:
    """RANDOM / FIXED / UNKNOWN for one pipeline element, with the random calls found in it."""
    if not isinstance(node, cst.Call):
        return UNKNOWN, []
    lib, name = _library(rule, node)
    if lib is None:
        if name and name in rule.facts.random_transform_classes and _named_random(name) and not _p_is_fixed(node) \
                and not _one_choice(name, node):
            return RANDOM, [node]  # the project's own random transform (its call draws random numbers)
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
    """torchvision's / albumentations' `Compose`, or a project class that composes like it."""
    if rule.is_name(call.func, *COMPOSE):
        return True
    name = call_name(call)
    return bool(name) and name in rule.facts.compose_transform_classes and _library(rule, call)[0] is None


def pipeline_items(compose: cst.Call) -> cst.BaseExpression | None:
    """The expression a `Compose` gets its transforms from (`[...]`, or a name such as `t`)."""
    args = positional_args(compose) or ([keyword_arg(compose, "transforms")] if keyword_arg(compose, "transforms") else [])
    return args[0].value if args else None


def pipeline_kind(rule: Any, compose: cst.Call,
                  elements: list[cst.CSTNode] | None = None) -> tuple[str, list[cst.Call]]:
    """RANDOM if any element is random; FIXED if every element is a known fixed transform.

    `elements`: the transforms when the caller knows them otherwise (a list built step by step);
    by default, those of the `Compose`'s literal list.
    """
    if elements is None:
        items = pipeline_items(compose)
        if not isinstance(items, (cst.List, cst.Tuple)):
            return UNKNOWN, []
        elements = [el.value if not isinstance(el, cst.StarredElement) else el for el in items.elements]
    if not elements:
        return UNKNOWN, []
    randoms: list[cst.Call] = []
    kinds = set()
    for el in elements:
        if isinstance(el, cst.StarredElement):
            kinds.add(UNKNOWN)
            continue
        kind, found = transform_kind(rule, el)
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


# -- pipelines built in a function: `t = []; t.append(...)`, and branches on a train flag ----------
def _opposite(role: str | None) -> str | None:
    return {TRAIN: EVAL, EVAL: TRAIN}.get(role or "")


def flag_role(test: cst.BaseExpression) -> str | None:
    """TRAIN / EVAL for the path on which `test` is true, when it tests a train flag or a split:
    `is_train`, `args.training`, `not is_train`, `split == "val"`, `mode != "train"`, `phase in ("val", "test")`."""
    if isinstance(test, (cst.Name, cst.Attribute)):
        return TRAIN if last_segment(test) in TRAIN_FLAG_KEYWORDS else None
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not) \
            and isinstance(test.expression, (cst.Name, cst.Attribute)):
        return _opposite(flag_role(test.expression))
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1 \
            and last_segment(test.left) in (*SPLIT_KEYWORDS, *TRAIN_FLAG_KEYWORDS, "split_name", "set"):
        op, right = test.comparisons[0].operator, test.comparisons[0].comparator
        if isinstance(op, (cst.Equal, cst.NotEqual)):
            role = role_of_name(value) if isinstance(value := literal(right), str) else None
            return role if isinstance(op, cst.Equal) else (EVAL if role == TRAIN else None)
        if isinstance(op, cst.In) and isinstance(right, (cst.Tuple, cst.List, cst.Set)) and right.elements:
            roles = {role_of_name(v) if isinstance(v := literal(e.value), str) else None for e in right.elements}
            return roles.pop() if len(roles) == 1 else None
    return None


def _else_role(test: cst.BaseExpression, own: str | None) -> str | None:
    """The role of the path on which `test` is false: what is not training is evaluation; what is not
    evaluation is training only when the test negated a flag (`not is_train`, `split != "train"`),
    not after `split == "val"` (the rest may be training or test)."""
    if own == TRAIN:
        return EVAL
    negated = isinstance(test, cst.UnaryOperation) or (
        isinstance(test, cst.Comparison) and isinstance(test.comparisons[0].operator, cst.NotEqual))
    return TRAIN if own == EVAL and negated else None


def _block(node: cst.CSTNode | None) -> Sequence[cst.BaseStatement]:
    body = getattr(node, "body", None)
    return body.body if isinstance(body, cst.IndentedBlock) else ()


def _ends_path(stmts: Sequence[cst.BaseStatement]) -> bool:
    last = stmts[-1] if stmts else None
    return isinstance(last, cst.SimpleStatementLine) and isinstance(last.body[-1], (cst.Return, cst.Raise))


def branch_roles(fn: cst.FunctionDef) -> list[tuple[cst.BaseStatement, str]]:
    """(statement, TRAIN / EVAL) for the statements of `fn` that run only on one side of a train flag
    or split test: the body or `else` of `if is_train:`, or what follows `if is_train: ... return`.
    Outer statements come before the statements nested in them; empty when no such test is made."""
    roles: dict[int, tuple[cst.BaseStatement, str]] = {}

    def mark(stmts: Sequence[cst.BaseStatement], role: str | None) -> None:
        if role:
            for s in stmts:
                roles.setdefault(id(s), (s, role))

    def visit_if(node: cst.If, inherited: str | None) -> None:
        own = flag_role(node.test)
        mark(_block(node), own or inherited)
        other = _else_role(node.test, own) or inherited
        if isinstance(node.orelse, cst.If):
            visit_if(node.orelse, other)
        elif isinstance(node.orelse, cst.Else):
            mark(_block(node.orelse), other)

    def visit_block(stmts: Sequence[cst.BaseStatement]) -> None:
        for i, stmt in enumerate(stmts):
            if isinstance(stmt, cst.If):
                visit_if(stmt, None)
                if stmt.orelse is None and _ends_path(_block(stmt)):
                    mark(stmts[i + 1:], _else_role(stmt.test, flag_role(stmt.test)))
            if not isinstance(stmt, cst.SimpleStatementLine):
                for part in (stmt, getattr(stmt, "orelse", None), getattr(stmt, "finalbody", None),
                             *getattr(stmt, "handlers", ())):
                    visit_block(_block(part))

    visit_block(_block(fn))
    return list(roles.values())


def built_list(fn: cst.FunctionDef, name: str, skip: Callable[[cst.BaseStatement], bool]) -> list[cst.CSTNode] | None:
    """The items a list `name` is given in `fn`: `name = [...]`, then `name.append(x)`,
    `name.extend([...])`, `name += [...]`, in source order, leaving out statements `skip` says
    (another branch's). None when `name` is bound otherwise (a parameter, a call's result)."""
    params = fn.params
    if any(p.name.value == name for p in (*params.posonly_params, *params.params, *params.kwonly_params)):
        return None
    items: list[cst.CSTNode] = []
    bound = False

    def elements(value: cst.BaseExpression) -> list[cst.CSTNode] | None:
        if isinstance(value, (cst.List, cst.Tuple)):
            return [e.value if not isinstance(e, cst.StarredElement) else e for e in value.elements]
        return None

    def visit(stmts: Sequence[cst.BaseStatement]) -> bool:
        nonlocal bound
        for stmt in stmts:
            if skip(stmt):
                continue
            if not isinstance(stmt, cst.SimpleStatementLine):
                for part in (stmt, getattr(stmt, "orelse", None), getattr(stmt, "finalbody", None),
                             *getattr(stmt, "handlers", ())):
                    if not visit(_block(part)):
                        return False
                continue
            for small in stmt.body:
                if isinstance(small, cst.Assign) and any(dotted(t.target) == name for t in small.targets):
                    got = elements(small.value)
                    if got is None:
                        return False
                    items.clear()
                    items.extend(got)
                    bound = True
                elif isinstance(small, cst.AugAssign) and dotted(small.target) == name:
                    got = elements(small.value)
                    if got is None:
                        return False
                    items.extend(got)
                elif isinstance(small, cst.Expr) and isinstance(small.value, cst.Call) \
                        and dotted(receiver(small.value)) == name and small.value.args:
                    method, value = method_name(small.value), small.value.args[-1].value
                    if method in ("append", "insert"):
                        items.append(value)
                    elif method == "extend" and elements(value) is not None:
                        items.extend(elements(value) or ())
                    else:
                        return False
        return True

    return items if visit(_block(fn)) and bound else None
