"""Local-name bindings: what a name or `self.<attr>` was assigned, in one scope, a class, or a file.

Three views of the same question, for the rules' different needs: `BindingTracker` (a visitor
mixin: the value last assigned so far, in source order), `assigned_values` / `single_value` (every
binding of a name in one scope: "exactly one known value"), and `self_attribute_bindings` /
`file_bindings` (every assignment of a class's attributes, or of the whole file). Conservative: a
binding whose value is unknown is recorded as None.
"""

from __future__ import annotations

from collections import ChainMap
from typing import Mapping

import libcst as cst

from repolens.lint.helpers import class_methods, last_segment, literal, self_attribute, target_names
from repolens.lint.traverse import nodes, per_file, statement_nodes, walk
from repolens.pyindex.aliases import cst_dotted_name


class BindingTracker:
    """Mixin for rules: where does an expression go, and what was a name last assigned?

    - `binding_of(node)`: the name an expression is bound to: an assignment target
      (`train_loader = ...`, `self.val_tfms = ...`), a keyword (`train_dataloader=...`), a dict key
      (`{"val": ...}`), or, for a returned value, the enclosing function's name.
    - `assigned[dotted]`: the last value assigned to a simple name or attribute, in source order,
      scoped like Python's names: a function's locals and parameters hide the module's, and
      vanish when it ends; `self.x` attributes are kept file-wide (set in `__init__` or `setup`,
      read in another method).
    - `unpacked[dotted]`: (call, index) for a name unpacked from a call's result
      (`train_set, val_set = get_cifar10(...)`), scoped like `assigned`.
    - `function_stack`: names of the enclosing functions.

    Subclasses that define the same visit methods must call super().
    """

    def _ensure_tracker(self) -> None:
        if not hasattr(self, "_bindings"):
            self._bindings: dict[int, str] = {}
            self._self_bound: set[int] = set()  # values assigned to a `self.<attr>`
            self.assigned: ChainMap[str, cst.BaseExpression] = ChainMap()
            # names unpacked from a call's result, with their index: `train_set, val_set = get_data()`
            self.unpacked: ChainMap[str, tuple[cst.Call, int]] = ChainMap()
            self.function_stack: list[str] = []
            self.function_nodes: list[cst.FunctionDef] = []  # the same functions, as nodes
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
        if isinstance(target, (cst.Tuple, cst.List)):
            starred = any(isinstance(e, cst.StarredElement) for e in target.elements)
            split = _split_of(value, self.assigned)
            for i, element in enumerate(target.elements):
                key = cst_dotted_name(element.value)
                if key and not key.startswith("self."):
                    # like a parameter, the name hides what it was before; the parts of a
                    # `random_split(ds, ...)` are parts of `ds` (what it was assigned, read before
                    # the names are rebound: `train_data, valid_data = random_split(train_data, ...)`)
                    self.assigned[key] = split if split is not None else element.value
                    if isinstance(value, cst.Call) and not starred and split is None:
                        self.unpacked[key] = (value, i)
                    else:
                        self.unpacked.pop(key, None)
            return
        self.note_binding(target, value)
        key = cst_dotted_name(target)
        if key:
            if key.startswith("self."):
                self._self_bound.add(id(value))
                self.assigned.maps[-1][key] = value
            else:
                self.assigned[key] = value
                self.unpacked.pop(key, None)

    def note_binding(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        """Record the name `value` is bound to, for `binding_of`; a rule that reads assignments ahead
        of the visit (module-level loaders, before the functions above them) calls it first."""
        self._ensure_tracker()
        name = last_segment(target)
        if name:
            self._bindings.setdefault(id(value), name)

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
        self.function_nodes.append(node)
        self.assigned = self.assigned.new_child()
        self.unpacked = self.unpacked.new_child()
        params = node.params
        for p in (*params.posonly_params, *params.params, *params.kwonly_params):
            self.assigned[p.name.value] = p.name  # a parameter hides outer assignments

    def argument_slot(self, expr: cst.CSTNode | None, module: cst.Module | None) -> tuple[str, int, str] | None:
        """(function or class, position, name) of the parameter whose argument `expr` holds, so that
        what every call (construction) in the project passes there is the project model's to say
        (`ProjectModel.argument_builder`): a parameter of the module-level function `expr` sits in
        (its own name node, or a name `assigned` binds to it), or `self.<attr>` in a method of a
        module-level class whose `__init__` sets it from a parameter (`self.train_dataset =
        train_dataset`; the position counts after `self`)."""
        self._ensure_tracker()
        if isinstance(expr, cst.Name) and len(self.function_nodes) == 1 and not self.class_stack:
            node = self.assigned.get(expr.value)
            params = self.function_nodes[0].params
            for i, p in enumerate((*params.posonly_params, *params.params)):
                if p.name is node:
                    return self.function_stack[-1], i, p.name.value
            return None
        if not (isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name) and expr.value.value == "self") \
                or len(self.class_stack) != 1 or module is None:
            return None
        cls = next((c for c in module.body if isinstance(c, cst.ClassDef) and c.name.value == self.class_stack[0]), None)
        body = cls.body.body if cls is not None and isinstance(cls.body, cst.IndentedBlock) else ()
        init = next((f for f in body if isinstance(f, cst.FunctionDef) and f.name.value == "__init__"), None)
        if init is None:
            return None
        names = [p.name.value for p in (*init.params.posonly_params, *init.params.params)][1:]
        for n in walk(init):
            if isinstance(n, cst.Assign) and len(n.targets) == 1 and isinstance(n.value, cst.Name) \
                    and cst_dotted_name(n.targets[0].target) == f"self.{expr.attr.value}" and n.value.value in names:
                return self.class_stack[0], names.index(n.value.value), n.value.value
        return None

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.function_stack.pop()
        self.function_nodes.pop()
        self.assigned = self.assigned.parents
        self.unpacked = self.unpacked.parents

    def current_scope(self, module: cst.Module) -> cst.CSTNode:
        """The innermost enclosing function, else the module."""
        self._ensure_tracker()
        return self.function_nodes[-1] if self.function_nodes else module

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._ensure_tracker()
        self.class_stack.append(node.name.value)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.class_stack.pop()


def _split_of(value: cst.BaseExpression, assigned: Mapping[str, cst.BaseExpression]) -> cst.BaseExpression | None:
    """`random_split(ds, ...)`: the dataset it splits (what `ds` was assigned, else `ds`); else None."""
    if not (isinstance(value, cst.Call) and last_segment(value.func) == "random_split" and value.args):
        return None
    source = value.args[0].value
    key = cst_dotted_name(source)
    return assigned.get(key, source) if key else source


def assigned_values(scope: cst.CSTNode, name: str) -> list[cst.BaseExpression | None]:
    """Every binding of the simple name `name` in `scope` (not nested scopes), in source order.

    A binding whose value is unknown (a loop target, `with ... as`, an augmented assignment, a
    tuple unpacking, a parameter, `global`) is recorded as None, so "exactly one known value"
    is easy to ask for.
    """
    out: list[cst.BaseExpression | None] = []
    if isinstance(scope, cst.FunctionDef):
        params = scope.params
        every = [*params.posonly_params, *params.params, *params.kwonly_params]
        every += [p for p in (params.star_arg, params.star_kwarg) if isinstance(p, cst.Param)]
        if any(p.name.value == name for p in every):
            out.append(None)
    for n in nodes(scope.body if isinstance(scope, cst.FunctionDef) else scope):
        if isinstance(n, cst.Assign):
            for t in n.targets:
                if isinstance(t.target, cst.Name) and t.target.value == name:
                    out.append(n.value)
                elif name in target_names(t.target):
                    out.append(None)
        elif isinstance(n, cst.AnnAssign) and isinstance(n.target, cst.Name) and n.target.value == name:
            out.append(n.value)
        elif isinstance(n, cst.AugAssign) and isinstance(n.target, cst.Name) and n.target.value == name:
            out.append(None)
        elif isinstance(n, cst.NamedExpr) and isinstance(n.target, cst.Name) and n.target.value == name:
            out.append(n.value)
        elif isinstance(n, (cst.For, cst.CompFor)) and name in target_names(n.target):
            out.append(None)
        elif isinstance(n, cst.WithItem) and n.asname is not None and name in target_names(n.asname.name):
            out.append(None)
        elif isinstance(n, (cst.Global, cst.Nonlocal)) and any(g.name.value == name for g in n.names):
            out.append(None)
        elif isinstance(n, cst.ExceptHandler) and n.name is not None and name in target_names(n.name.name):
            out.append(None)
    return out


def single_value(scope: cst.CSTNode, name: str) -> cst.BaseExpression | None:
    """The value of `name` when `scope` binds it exactly once, from a known expression."""
    values = assigned_values(scope, name)
    return values[0] if len(values) == 1 else None


def self_attribute_values(node: cst.ClassDef, attr: str) -> list[cst.BaseExpression | None]:
    """Every assignment `self.<attr> = value` in the class's methods (None for unknown bindings)."""
    return list(self_attribute_bindings(node).get(attr, ()))


# class id -> (class, bindings); rules ask about many attributes of the same class
_BINDINGS: dict[int, tuple[cst.ClassDef, dict[str, list[cst.BaseExpression | None]]]] = {}
# class id -> (class, uses): the other side, where each attribute is read (or written)
Use = tuple[cst.BaseStatement | None, cst.BaseStatement, cst.Attribute]  # (previous statement, statement, node)
_USES: dict[int, tuple[cst.ClassDef, dict[str, list[Use]]]] = {}


def clear_class_bindings() -> None:
    """Forget the previous file's classes (called when a file's rules are made)."""
    _BINDINGS.clear()
    _USES.clear()


def self_attribute_uses(node: cst.ClassDef) -> dict[str, list[Use]]:
    """attr -> (previous statement, statement, node) of every `self.<attr>` in the statements of
    the class's methods, in source order (assignment targets included: `is_assignment_target`
    tells them apart). One walk per class, however many attributes a rule asks about."""
    cached = _USES.get(id(node))
    if cached is not None and cached[0] is node:
        return cached[1]
    out: dict[str, list[Use]] = {}
    for method in class_methods(node):
        for block in (n for n in nodes(method) if isinstance(n, cst.IndentedBlock)):
            for prev, stmt in zip([None, *block.body], block.body):
                for n in statement_nodes(stmt):
                    attr = self_attribute(n)
                    if attr is not None:
                        out.setdefault(attr, []).append((prev, stmt, n))  # type: ignore[arg-type]
    if len(_USES) > 512:  # a cache for the file at hand (cleared per file), not a store
        _USES.clear()
    _USES[id(node)] = (node, out)
    return out


def self_attribute_bindings(node: cst.ClassDef) -> dict[str, list[cst.BaseExpression | None]]:
    """`self_attribute_values` for every attribute of the class at once: one walk per class."""
    cached = _BINDINGS.get(id(node))
    if cached is not None and cached[0] is node:
        return cached[1]
    out: dict[str, list[cst.BaseExpression | None]] = {}
    for method in class_methods(node):
        for n in nodes(method.body):
            if isinstance(n, cst.Assign):
                for t in n.targets:
                    attr = self_attribute(t.target)
                    if attr is not None:
                        out.setdefault(attr, []).append(n.value)
                        continue
                    # `self.a, self.b = ...`: each attribute once per target, value unknown
                    for inner in dict.fromkeys(self_attribute(e.value) for e in getattr(t.target, "elements", ())):
                        if inner is not None:
                            out.setdefault(inner, []).append(None)
            elif isinstance(n, (cst.AnnAssign, cst.AugAssign)):
                attr = self_attribute(n.target)
                if attr is not None:
                    out.setdefault(attr, []).append(n.value if isinstance(n, cst.AnnAssign) else None)
    if len(_BINDINGS) > 512:  # a cache for the file at hand (cleared per file), not a store
        _BINDINGS.clear()
    _BINDINGS[id(node)] = (node, out)
    return out


def file_bindings(module: cst.Module) -> dict[str, list[cst.BaseExpression]]:
    """Every `dotted = value` assignment in the file (all scopes), keyed by the dotted target."""
    return per_file(module, "file_bindings", _file_bindings)


def _file_bindings(module: cst.Module) -> dict[str, list[cst.BaseExpression]]:
    out: dict[str, list[cst.BaseExpression]] = {}
    for n in walk(module):
        if isinstance(n, cst.Assign):
            for t in n.targets:
                key = cst_dotted_name(t.target)
                if key:
                    out.setdefault(key, []).append(n.value)
        elif isinstance(n, cst.AnnAssign) and n.value is not None:
            key = cst_dotted_name(n.target)
            if key:
                out.setdefault(key, []).append(n.value)
    return out
