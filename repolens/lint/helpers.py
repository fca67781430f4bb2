"""Shared syntax helpers for rule authors: arguments, literals, fixes, names and roles.

Rules import these by module name (`from repolens.lint.helpers import keyword_arg`). Everything
here is pure (no I/O) and works on libcst nodes, so rules stay small and read like their docs.
"""

from __future__ import annotations

import ast
import inspect as _inspect
import re
import textwrap as _textwrap
from collections import ChainMap
from typing import Any, Iterator, Mapping, Sequence

import libcst as cst

from repolens.pyindex.aliases import cst_dotted_name

NOT_LITERAL: Any = object()  # sentinel: the expression is not a constant
_EMPTY = cst.Module([])


# -- arguments -----------------------------------------------------------------------------------
def has_star_args(call: cst.Call) -> bool:
    """True when the call passes `*args` or `**kwargs`: any keyword may already be in there."""
    return any(a.star for a in call.args)


def scope_name(function_stack: Sequence[str], class_stack: Sequence[str]) -> str | None:
    """The project model's name of the scope being visited: "<module>", "main", "Trainer.fit";
    None inside a nested function (the model reads top-level functions and methods only)."""
    if not function_stack:
        return "<module>"
    if len(function_stack) == 1:
        return f"{class_stack[-1]}.{function_stack[0]}" if class_stack else function_stack[0]
    return None


def star_kwargs(rule: Any, call: cst.Call) -> Any:
    """The dict a call's single `**name` passes, when the project model read it whole.

    `DataLoader(ds, **train_kwargs)` with `train_kwargs = {"batch_size": 64}` (and any
    `.update({...})` of it in the same scope) gives that `KwargsDict`: its keys, the source of
    their values, and which keys only some paths set. None for `*args`, several `**`, a dict the
    model could not read completely, or a scope it does not read.
    """
    stars = [a for a in call.args if a.star]
    if len(stars) != 1 or stars[0].star != "**" or not isinstance(stars[0].value, cst.Name):
        return None
    scope = scope_name(getattr(rule, "function_stack", ()), getattr(rule, "class_stack", ()))
    if scope is None:
        return None
    found = rule.facts.model.kwargs_dict(rule.context.path, scope, stars[0].value.value)
    return found if found is not None and found.complete else None


def keyword_arg(call: cst.Call, name: str) -> cst.Arg | None:
    for a in call.args:
        if a.keyword is not None and a.keyword.value == name:
            return a
    return None


def positional_args(call: cst.Call) -> list[cst.Arg]:
    return [a for a in call.args if a.keyword is None and not a.star]


def argument(call: cst.Call, name: str, position: int | None = None) -> cst.Arg | None:
    """The argument bound to parameter `name` (by keyword, or by `position` when given)."""
    found = keyword_arg(call, name)
    if found is not None:
        return found
    if position is not None:
        pos = positional_args(call)
        if len(pos) > position:
            return pos[position]
    return None


def add_keyword(call: cst.Call, name: str, value: str) -> cst.Call:
    """`call` with `name=value` appended, keeping the call's layout (one line or one arg a line)."""
    new_arg = cst.Arg(
        value=cst.parse_expression(value),
        keyword=cst.Name(name),
        equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")),
    )
    args = list(call.args)
    if not args:
        return call.with_changes(args=[new_arg])
    last = args[-1]
    if not isinstance(last.comma, cst.Comma):
        args[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        args.append(new_arg)
        return call.with_changes(args=args)
    after = last.comma.whitespace_after
    if not isinstance(after, cst.ParenthesizedWhitespace):  # `f(a, b,)` on one line
        args[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        args.append(new_arg.with_changes(comma=last.comma))
        return call.with_changes(args=args)
    # One argument a line with a trailing comma: the new argument goes on its own line, indented
    # like the others; a comment after the old last argument stays on its line.
    line = next((a.comma.whitespace_after for a in reversed(args[:-1])
                 if isinstance(a.comma, cst.Comma) and isinstance(a.comma.whitespace_after, cst.ParenthesizedWhitespace)),
                call.whitespace_before_args)
    indent = line.last_line if isinstance(line, cst.ParenthesizedWhitespace) else cst.SimpleWhitespace("")
    args[-1] = last.with_changes(comma=last.comma.with_changes(whitespace_after=cst.ParenthesizedWhitespace(
        first_line=after.first_line, empty_lines=after.empty_lines, indent=True, last_line=indent)))
    args.append(new_arg.with_changes(comma=cst.Comma(whitespace_after=cst.ParenthesizedWhitespace(
        first_line=cst.TrailingWhitespace(), empty_lines=(), indent=after.indent, last_line=after.last_line))))
    return call.with_changes(args=args)


# -- literals and names --------------------------------------------------------------------------
def literal(node: cst.CSTNode | None) -> Any:
    """The constant value of `node` (True, 0, 0.5, "train", -1 ...), else NOT_LITERAL."""
    if node is None:
        return NOT_LITERAL
    if isinstance(node, cst.Name) and node.value in ("True", "False", "None"):
        return {"True": True, "False": False, "None": None}[node.value]
    if isinstance(node, (cst.Integer, cst.Float, cst.SimpleString, cst.ConcatenatedString)) or (
        isinstance(node, cst.UnaryOperation) and isinstance(node.expression, (cst.Integer, cst.Float))
    ):
        try:
            return ast.literal_eval(code_of(node))
        except (ValueError, SyntaxError):
            return NOT_LITERAL
    return NOT_LITERAL


def code_of(node: cst.CSTNode) -> str:
    return _EMPTY.code_for_node(node).strip()


def dotted(node: cst.CSTNode | None) -> str | None:
    return cst_dotted_name(node)


def last_segment(node: cst.CSTNode | None) -> str | None:
    """`self.train_loader` -> `train_loader`; `loaders["train"]` -> `train`; else the dotted tail."""
    if isinstance(node, cst.Subscript) and len(node.slice) == 1:
        index = node.slice[0].slice
        if isinstance(index, cst.Index):
            key = literal(index.value)
            if isinstance(key, str):
                return key
        return last_segment(node.value)
    name = cst_dotted_name(node)
    return name.rsplit(".", 1)[-1] if name else None


def call_name(call: cst.Call) -> str | None:
    """Last segment of the called name: `T.RandomCrop(...)` -> `RandomCrop`, `x.float().div(2)` -> `div`."""
    func = call.func
    if isinstance(func, cst.Attribute):
        return func.attr.value
    if isinstance(func, cst.Name):
        return func.value
    return None


def root_name(node: cst.CSTNode) -> str | None:
    """The variable an expression hangs off: `batch["x"]`, `batch.x`, `batch[0][1]` -> `batch`."""
    while isinstance(node, (cst.Subscript, cst.Attribute)):
        node = node.value
    return node.value if isinstance(node, cst.Name) else None


def target_names(target: cst.BaseExpression) -> list[str]:
    """Names bound by an assignment / loop target (tuples and lists unpacked, starred included)."""
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        out: list[str] = []
        for el in target.elements:
            value = el.value
            out.extend(target_names(value))
        return out
    if isinstance(target, cst.StarredElement):
        return target_names(target.value)
    return []


def walk(node: cst.CSTNode, *, into_scopes: bool = True) -> Iterator[cst.CSTNode]:
    """Every node under `node` (itself included), depth first, in source order."""
    stack = [node]
    pop, extend = stack.pop, stack.extend
    scopes = (cst.FunctionDef, cst.ClassDef, cst.Lambda)
    while stack:
        n = pop()
        yield n
        if not into_scopes and n is not node and isinstance(n, scopes):
            continue
        fn = _CHILDREN.get(type(n))
        kids = fn(n) if fn is not None else children_of(n)
        kids.reverse()
        extend(kids)


def calls_in(node: cst.CSTNode, *, into_scopes: bool = True) -> Iterator[cst.Call]:
    return (n for n in walk(node, into_scopes=into_scopes) if isinstance(n, cst.Call))


# -- fast children ------------------------------------------------------------------------------
# libcst's `node.children` rebuilds the node through `_visit_and_replace_children` (a new node,
# validated) to learn its children: about 8 us a node, and rules walk subtrees often. The fields
# that method visits, and their order (the lexical order `children` promises), are read once per
# node class from libcst's own source, and compiled into a small function that reads the fields
# directly. A class whose method is not the plain `return Cls(field=visit_x(self, "field", ...),
# ...)` shape falls back to `.children`; tests/rules/test_helpers.py compares both on real code.
_VISIT_KINDS = {"visit_required": "required", "visit_optional": "optional", "visit_sentinel": "sentinel",
                "visit_sequence": "sequence", "visit_body_sequence": "sequence", "visit_iterable": "sequence"}


def _visit_plan(cls: type) -> tuple[tuple[str, str], ...] | None:
    """((field, kind), ...) in visiting order, () for a leaf, None when the method is not plain."""
    owner = next((c for c in cls.__mro__ if "_visit_and_replace_children" in c.__dict__), None)
    if owner is None:
        return None
    try:
        tree = ast.parse(_textwrap.dedent(_inspect.getsource(owner.__dict__["_visit_and_replace_children"])))
    except (OSError, TypeError, SyntaxError):
        return None
    body = tree.body[0].body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # docstring
    if len(body) == 1 and isinstance(body[0], ast.Return) and isinstance(body[0].value, ast.Name) \
            and body[0].value.id == "self":
        return ()
    if not body or not isinstance(body[-1], ast.Return) or not isinstance(body[-1].value, ast.Call) \
            or body[-1].value.args:
        return None
    for stmt in body[:-1]:  # `names = self.names`: a local alias, nothing visited
        if not (isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Attribute)
                and isinstance(stmt.value.value, ast.Name) and stmt.value.value.id == "self"):
            return None
    plan = []
    for kw in body[-1].value.keywords:
        v = kw.value
        if isinstance(v, ast.Attribute) and isinstance(v.value, ast.Name) and v.value.id == "self":
            continue  # a plain value copied as is (`star="*"`): not a node
        visits = [c for c in ast.walk(v) if isinstance(c, ast.Call) and isinstance(c.func, ast.Name)
                  and c.func.id in _VISIT_KINDS]
        fields = {c.args[1].value if len(c.args) >= 3 and isinstance(c.args[1], ast.Constant) else None
                  for c in visits}
        if fields != {kw.arg}:
            return None
        kinds = {_VISIT_KINDS[c.func.id] for c in visits}
        plan.append((kw.arg, kinds.pop() if len(kinds) == 1 and v is visits[0] else "any"))
    return tuple(plan)


def _compile_children(cls: type) -> Any:
    plan = _visit_plan(cls)
    if plan is None:
        return lambda node: node.children
    lines = ["def children(node):", "    out = []"]
    for name, kind in plan:
        lines.append(f"    v = node.{name}")
        if kind == "required":
            lines.append("    out.append(v)")
        elif kind == "sequence":
            lines.append("    out.extend(v)")
        elif kind == "optional":
            lines.append("    if v is not None: out.append(v)")
        else:  # a sentinel, or a field visited one way or another
            lines.append("    if isinstance(v, CSTNode): out.append(v)")
            lines.append("    elif isinstance(v, (list, tuple)): out.extend(v)")
    lines.append("    return out")
    scope: dict[str, Any] = {"CSTNode": cst.CSTNode}
    exec("\n".join(lines), scope)  # our own text, built from field names of libcst's classes
    return scope["children"]


_CHILDREN: dict[type, Any] = {}


# -- the batched traversal, without rebuilding nodes ----------------------------------------------
def visit_batched(module: cst.Module, visitors: Any) -> bool:
    """Call every visitor's `visit_<Node>` / `leave_<Node>` methods over `module`, in libcst's order.

    What `MetadataWrapper(module).visit_batched(visitors)` does for visitors that declare no
    metadata and no attribute visitors (`visit_Call_func`), but walking with `children_of`
    instead of libcst's `visit`, which rebuilds (and re-validates) every node it passes. Returns
    False, having done nothing, when some visitor needs more than that: the caller then uses libcst.
    """
    visit: dict[str, list[Any]] = {}
    leave: dict[str, list[Any]] = {}
    for v in visitors:
        if getattr(v, "METADATA_DEPENDENCIES", ()):
            return False
        for name, method in v.get_visitors().items():
            kind, _, node_type = name.partition("_")
            if "_" in node_type:
                return False  # an attribute visitor: libcst calls it mid-node
            (visit if kind == "visit" else leave).setdefault(node_type, []).append(method)
    stack: list[Any] = [(module, False)]
    pop, append = stack.pop, stack.append
    table = _CHILDREN
    while stack:
        node, leaving = pop()
        name = type(node).__name__
        if leaving:
            for method in leave.get(name, ()):
                method(node)
            continue
        for method in visit.get(name, ()):
            method(node)
        append((node, True))
        fn = table.get(type(node))
        kids = fn(node) if fn is not None else children_of(node)
        for child in reversed(kids):
            append((child, False))
    return True


# -- per-file memo ------------------------------------------------------------------------------
# Several rules ask the same question of the whole file (its training loops, its functions by
# name, its bindings). Nodes are immutable, so the first answer is kept for the file being linted:
# one slot, holding the module itself (so its id cannot be reused by another file's module).
_MEMO_MODULE: list[Any] = [None]
_MEMO: dict[str, Any] = {}


def per_file(module: cst.Module, key: str, compute: Any) -> Any:
    """`compute(module)`, computed once per parsed module and `key`."""
    if _MEMO_MODULE[0] is not module:
        _MEMO_MODULE[0] = module
        _MEMO.clear()
    if key not in _MEMO:
        _MEMO[key] = compute(module)
    return _MEMO[key]


def children_of(node: cst.CSTNode) -> list[cst.CSTNode]:
    """`node.children`, in the same (lexical) order, without rebuilding the node."""
    fn = _CHILDREN.get(type(node))
    if fn is None:
        fn = _CHILDREN[type(node)] = _compile_children(type(node))
    return fn(node)


# -- name roles: is this a training or an evaluation thing? -------------------------------------
_SPLIT = re.compile(r"[^0-9a-zA-Z]+|(?<=[a-z])(?=[A-Z])|(?<=[A-Za-z])(?=[0-9])|(?<=[0-9])(?=[A-Za-z])")
_SUFFIX = r"(?:set|sets|loader|loaders|data|dataset|datasets|ds|dl|transforms?|tfms?|tf|augs?|split|iter)?"
_TRAIN = re.compile(rf"^(?:train|training|trainval|trn){_SUFFIX}$")
_EVAL = re.compile(rf"^(?:val|valid|validation|test|testing|eval|evaluation|holdout|infer|inference"
                   rf"|predict|prediction){_SUFFIX}$")
TRAIN, EVAL = "train", "eval"

SPLIT_KEYWORDS = ("split", "subset", "image_set", "mode", "phase", "stage", "set_name", "partition")
TRAIN_FLAG_KEYWORDS = ("train", "is_train", "is_training", "training")


def name_tokens(name: str) -> list[str]:
    return [t.lower() for t in _SPLIT.split(name) if t]


def role_of_name(name: str | None) -> str | None:
    """TRAIN for `train_loader`, `trainset`, `x_train`; EVAL for `val_tfms`, `testloader`; else None.

    None when both kinds appear (`train_val_split`) or a token says test-time augmentation.
    """
    if not name:
        return None
    tokens = name_tokens(name)
    if "tta" in tokens:  # test-time augmentation: random at evaluation on purpose
        return None
    roles = {TRAIN for t in tokens if _TRAIN.match(t)} | {EVAL for t in tokens if _EVAL.match(t)}
    return roles.pop() if len(roles) == 1 else None


def role_of_split_value(value: Any) -> str | None:
    if isinstance(value, str):
        return role_of_name(value)
    return None


def role_of_call_arguments(call: cst.Call) -> str | None:
    """`train=False` / `split="val"` / `image_set="train"` / `is_training=True` on a dataset call."""
    roles: set[str] = set()
    for kw in TRAIN_FLAG_KEYWORDS:
        arg = keyword_arg(call, kw)
        if arg is not None:
            value = literal(arg.value)
            if value is True:
                roles.add(TRAIN)
            elif value is False:
                roles.add(EVAL)
    for kw in SPLIT_KEYWORDS:
        arg = keyword_arg(call, kw)
        if arg is not None:
            role = role_of_split_value(literal(arg.value))
            if role:
                roles.add(role)
    return roles.pop() if len(roles) == 1 else None


def role_of_expr(expr: cst.CSTNode | None, assigned: Mapping[str, cst.BaseExpression] | None = None,
                 depth: int = 0) -> str | None:
    """Role of a dataset-like expression: its name, its split arguments, or what it was assigned."""
    if expr is None or depth > 3:
        return None
    if isinstance(expr, cst.Call):
        role = role_of_call_arguments(expr)
        if role:
            return role
        return role_of_name(call_name(expr))
    role = role_of_name(last_segment(expr))
    if role:
        return role
    key = cst_dotted_name(expr)
    if assigned is not None and key and key in assigned:
        return role_of_expr(assigned[key], assigned, depth + 1)
    return None


class BindingTracker:
    """Mixin for rules: where does an expression go, and what was a name last assigned?

    - `binding_of(node)`: the name an expression is bound to: an assignment target
      (`train_loader = ...`, `self.val_tfms = ...`), a keyword (`train_dataloader=...`), a dict key
      (`{"val": ...}`), or, for a returned value, the enclosing function's name.
    - `assigned[dotted]`: the last value assigned to a simple name or attribute, in source order,
      scoped like Python's names: a function's locals and parameters hide the module's, and
      vanish when it ends; `self.x` attributes are kept file-wide (set in `__init__` or `setup`,
      read in another method).
    - `function_stack`: names of the enclosing functions.

    Subclasses that define the same visit methods must call super().
    """

    def _ensure_tracker(self) -> None:
        if not hasattr(self, "_bindings"):
            self._bindings: dict[int, str] = {}
            self._self_bound: set[int] = set()  # values assigned to a `self.<attr>`
            self.assigned: ChainMap[str, cst.BaseExpression] = ChainMap()
            self.function_stack: list[str] = []
            self.class_stack: list[str] = []

    def binding_of(self, node: cst.CSTNode) -> str | None:
        self._ensure_tracker()
        return self._bindings.get(id(node))

    def _bind(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        if isinstance(target, (cst.Tuple, cst.List)) and isinstance(value, (cst.Tuple, cst.List)) \
                and len(target.elements) == len(value.elements):
            for t, v in zip(target.elements, value.elements):
                self._bind(t.value, v.value)
            return
        name = last_segment(target)
        if name:
            self._bindings.setdefault(id(value), name)
        key = cst_dotted_name(target)
        if key:
            if key.startswith("self."):
                self._self_bound.add(id(value))
                self.assigned.maps[-1][key] = value
            else:
                self.assigned[key] = value

    def visit_Assign(self, node: cst.Assign) -> None:
        self._ensure_tracker()
        for t in node.targets:
            self._bind(t.target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._ensure_tracker()
        if node.value is not None:
            self._bind(node.target, node.value)

    def visit_Arg(self, node: cst.Arg) -> None:
        self._ensure_tracker()
        if node.keyword is not None:
            self._bindings.setdefault(id(node.value), node.keyword.value)

    def visit_DictElement(self, node: cst.DictElement) -> None:
        self._ensure_tracker()
        key = literal(node.key)
        if isinstance(key, str):
            self._bindings.setdefault(id(node.value), key)

    def visit_Return(self, node: cst.Return) -> None:
        self._ensure_tracker()
        if node.value is not None and self.function_stack:
            self._bindings.setdefault(id(node.value), self.function_stack[-1])

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._ensure_tracker()
        self.function_stack.append(node.name.value)
        self.assigned = self.assigned.new_child()
        params = node.params
        for p in (*params.posonly_params, *params.params, *params.kwonly_params):
            self.assigned[p.name.value] = p.name  # a parameter hides outer assignments

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.function_stack.pop()
        self.assigned = self.assigned.parents

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._ensure_tracker()
        self.class_stack.append(node.name.value)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.class_stack.pop()


# -- DataLoader calls --------------------------------------------------------------------------------
DATALOADER = ("torch.utils.data.DataLoader", "torch.utils.data.dataloader.DataLoader")
# DataLoader's leading positional parameters, for calls that pass them by position.
DATALOADER_POSITIONS = {"dataset": 0, "batch_size": 1, "shuffle": 2, "sampler": 3, "batch_sampler": 4,
                        "num_workers": 5, "collate_fn": 6, "pin_memory": 7}
_SYNTHETIC = re.compile(r"random|dummy|fake|synthetic|boring", re.IGNORECASE)
_FACTORY_TOKENS = frozenset({"loader", "loaders", "dataloader", "dataloaders", "data", "dataset", "datasets"})


def dataloader_arg(call: cst.Call, name: str) -> cst.Arg | None:
    return argument(call, name, DATALOADER_POSITIONS.get(name))


def _resolved_dataset(expr: cst.CSTNode | None, assigned: Mapping[str, cst.BaseExpression]) -> cst.CSTNode | None:
    """Follow a dataset name to the value last assigned to it (one or two hops)."""
    for _ in range(3):
        key = cst_dotted_name(expr) if expr is not None else None
        if key is None or key not in assigned:
            return expr
        expr = assigned[key]
    return expr


def dataloader_role(tracker: BindingTracker, call: cst.Call, *, shuffle_says_train: bool = False) -> str | None:
    """TRAIN / EVAL / None for a DataLoader call, from the strongest evidence available.

    In order: the name it is bound to (`train_loader = ...`, `"val": DataLoader(...)`, returned
    from `train_dataloader()`), the dataset it loads (`train_set`, `CIFAR10(train=False)`,
    `load_dataset(split="validation")`), the enclosing loader factory's name (`get_val_loader`),
    and, only when asked, a literal `shuffle=True`.
    """
    role = role_of_name(tracker.binding_of(call))
    if role:
        return role
    dataset = dataloader_arg(call, "dataset")
    if dataset is not None:
        role = role_of_expr(dataset.value, tracker.assigned)
        if role:
            return role
    for fn in reversed(tracker.function_stack):
        tokens = set(name_tokens(fn))
        if tokens & _FACTORY_TOKENS or any(_TRAIN.match(t) or _EVAL.match(t) for t in tokens if t.endswith(("loader", "set"))):
            role = role_of_name(fn)
            if role:
                return role
    role = _role_from_loops(tracker, call)
    if role:
        return role
    if shuffle_says_train:
        shuffle = dataloader_arg(call, "shuffle")
        if shuffle is not None and literal(shuffle.value) is True:
            return TRAIN
    return None


def _role_from_loops(tracker: BindingTracker, call: cst.Call) -> str | None:
    """TRAIN when a training loop of the project iterates the name the loader is bound to: the
    same file's loops over that name, or, for a `self.<attr>` loader, any file's loops over that
    attribute (`self.loader` set in `__init__`, iterated by `Trainer.fit` elsewhere)."""
    name = tracker.binding_of(call)
    facts = getattr(tracker, "facts", None)
    if not name or facts is None:
        return None
    here = tracker.context.path  # type: ignore[attr-defined]
    attribute = id(call) in tracker._self_bound
    for rel, loop in facts.model.loops_over(name):
        if loop.trains and (rel == here or attribute and loop.attribute):
            return TRAIN
    return None


def dataset_class_name(call: cst.Call, tracker: BindingTracker) -> str | None:
    """The class (or factory) name of the dataset a DataLoader loads, when the file shows it."""
    dataset = dataloader_arg(call, "dataset")
    if dataset is None:
        return None
    expr = _resolved_dataset(dataset.value, tracker.assigned)
    if isinstance(expr, cst.Call):
        return call_name(expr)
    return None


def is_synthetic_dataset(call: cst.Call, tracker: BindingTracker) -> bool:
    """Random/dummy/fake data (demos, tests, benchmarks): order and loading speed don't matter.

    Judged by the dataset's name or class (`RandomDataset`, `FakeData`, `self.random_train`) and
    by the enclosing class (`BoringDataModule`).
    """
    dataset = dataloader_arg(call, "dataset")
    names = list(tracker.class_stack)
    if dataset is not None:
        names += [last_segment(dataset.value) or "", dataset_class_name(call, tracker) or ""]
    return any(_SYNTHETIC.search(n) for n in names)


# -- transform pipelines (torchvision, albumentations) ------------------------------------------------
RANDOM, FIXED, UNKNOWN = "random", "fixed", "unknown"
COMPOSE = ("torchvision.transforms.Compose", "torchvision.transforms.v2.Compose",
           "torchvision.transforms.transforms.Compose", "albumentations.Compose",
           "albumentations.core.composition.Compose")
_TV_PREFIXES = ("torchvision.transforms.", "torchvision.transforms.v2.", "torchvision.transforms.transforms.")
_TV_RANDOM = frozenset({"ColorJitter", "RandAugment", "AutoAugment", "TrivialAugmentWide", "AugMix",
                        "ElasticTransform", "GaussianNoise", "MixUp", "CutMix", "ScaleJitter", "JPEG"})
_TV_FIXED = frozenset({"ToTensor", "PILToTensor", "ToImage", "ToImageTensor", "ToPILImage", "Normalize", "Resize",
                       "CenterCrop", "Pad", "Grayscale", "ConvertImageDtype", "ToDtype", "FiveCrop", "TenCrop",
                       "Identity", "ToPureTensor", "SanitizeBoundingBoxes", "ClampBoundingBoxes",
                       "ConvertBoundingBoxFormat"})
# Transforms whose only randomness is their probability p: p=0 or p=1 makes them fixed (TTA flips).
_P_ONLY = frozenset({"RandomHorizontalFlip", "RandomVerticalFlip", "RandomGrayscale", "RandomInvert",
                     "RandomAutocontrast", "RandomEqualize", "HorizontalFlip", "VerticalFlip", "Transpose",
                     "ToGray", "InvertImg", "Equalize"})
_ALBU_RANDOM = frozenset({
    "HorizontalFlip", "VerticalFlip", "Flip", "Transpose", "RandomRotate90", "Rotate", "SafeRotate",
    "ShiftScaleRotate", "Affine", "Perspective", "ElasticTransform", "GridDistortion", "OpticalDistortion",
    "HueSaturationValue", "RGBShift", "ColorJitter", "CLAHE", "GaussNoise", "GaussianBlur", "MotionBlur",
    "MedianBlur", "Blur", "CoarseDropout", "Cutout", "GridDropout", "OneOf", "SomeOf", "OneOrOther", "Sharpen",
    "Emboss", "ChannelShuffle", "ToGray", "ToSepia", "ImageCompression", "Downscale", "ISONoise",
    "MultiplicativeNoise", "Equalize", "Posterize", "Solarize", "InvertImg", "PixelDropout", "ChannelDropout",
    "CropNonEmptyMaskIfExists", "BBoxSafeRandomCrop", "AdvancedBlur", "ZoomBlur", "Defocus", "GlassBlur"})
_ALBU_FIXED = frozenset({"Normalize", "Resize", "LongestMaxSize", "SmallestMaxSize", "PadIfNeeded", "CenterCrop",
                         "ToFloat", "FromFloat", "ToTensorV2", "Crop", "NoOp"})
# Words in a function name that say it builds a transform pipeline (`get_val_transforms`).
PIPELINE_FUNCTION_TOKENS = frozenset({"transform", "transforms", "tfm", "tfms", "tf", "aug", "augs",
                                      "augment", "augmentation", "augmentations", "preprocess", "pipeline"})


def _library(rule: Any, call: cst.Call) -> tuple[str | None, str]:
    name = call_name(call) or ""
    if not name:
        return None, name
    if rule.is_name(call.func, *(p + name for p in _TV_PREFIXES)):
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
    if name in _P_ONLY and _p_is_fixed(node):
        return FIXED, []
    if lib == "tv":
        if name == "GaussianBlur":
            sigma = argument(node, "sigma", 1)
            fixed_sigma = sigma is not None and isinstance(literal(sigma.value), (int, float))
            return (FIXED, []) if fixed_sigma else (RANDOM, [node])
        if name.startswith("Random") or name in _TV_RANDOM:
            return RANDOM, [node]
        return (FIXED, []) if name in _TV_FIXED else (UNKNOWN, [])
    p = keyword_arg(node, "p")
    if p is not None and literal(p.value) in (0, 0.0):
        return FIXED, []
    if name.startswith("Random") or name in _ALBU_RANDOM:
        return RANDOM, [node]
    return (FIXED, []) if name in _ALBU_FIXED else (UNKNOWN, [])


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


TRANSFORM_KEYWORDS = ("transform", "transforms", "img_transform", "image_transform")


def dataset_transform(call: cst.Call) -> cst.Arg | None:
    """The `transform=` argument of a dataset-like call."""
    for kw in TRANSFORM_KEYWORDS:
        arg = keyword_arg(call, kw)
        if arg is not None:
            return arg
    return None


# Wrappers whose first argument is what a `for` loop really iterates.
ITER_WRAPPERS = frozenset({"enumerate", "tqdm", "iter", "track", "progress_bar", "islice", "auto"})


def unwrap_iter(expr: cst.BaseExpression) -> cst.BaseExpression:
    """`enumerate(tqdm(loader))` -> `loader`."""
    while isinstance(expr, cst.Call) and call_name(expr) in ITER_WRAPPERS and positional_args(expr):
        expr = positional_args(expr)[0].value
    return expr


def moves_to_device(node: cst.CSTNode) -> bool:
    """Does this code call `.to(...)` or `.cuda(...)` anywhere?"""
    return any(isinstance(n, cst.Call) and isinstance(n.func, cst.Attribute) and n.func.attr.value in ("to", "cuda")
               for n in walk(node))
