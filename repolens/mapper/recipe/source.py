"""One Python file of the recipe, parsed once, with the indexes that resolving its expressions needs:
parents, enclosing scopes, assignments per scope (and to `self.x` per class), parameter defaults."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from repolens.pyindex.aliases import ast_dotted_name

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")  # lines as Python's tokenizer counts them


@dataclass
class SourceFile:
    """One parsed Python file of the recipe, with the lookups its expressions need."""

    rel: str
    text: str
    tree: ast.Module
    aliases: dict[str, str]
    level: int
    parents: dict[int, ast.AST] = field(default_factory=dict)
    scopes: dict[int, ast.AST] = field(default_factory=dict)  # node id -> enclosing function / module
    assigns: dict[int, dict[str, list[tuple[int, ast.expr]]]] = field(default_factory=dict)  # scope -> name -> [(line, value)]
    self_assigns: dict[int, dict[str, list[tuple[int, ast.expr]]]] = field(default_factory=dict)  # class -> attr -> ...
    params: dict[int, dict[str, ast.expr | None]] = field(default_factory=dict)  # function -> param -> default

    lines: list[bytes] = field(default_factory=list, repr=False)

    def segment(self, node: ast.AST, limit: int = 120) -> str:
        """The source of a node, on one line. (`ast.get_source_segment` splits the whole file on
        every call: quadratic on a long training script.)"""
        text = self._source(node) or ast.unparse(node)
        text = " ".join(text.split())
        return text if len(text) <= limit else text[: limit - 3] + "..."

    def _source(self, node: ast.AST) -> str | None:
        try:
            l0, l1 = node.lineno - 1, node.end_lineno - 1  # type: ignore[attr-defined,operator]
            c0, c1 = node.col_offset, node.end_col_offset  # type: ignore[attr-defined]
        except (AttributeError, TypeError):
            return None
        if not self.lines:
            self.lines = [ln.encode("utf-8") for ln in _LINE.findall(self.text)]  # offsets are in UTF-8 bytes
        if c1 is None or not 0 <= l0 <= l1 < len(self.lines):
            return None
        if l0 == l1:
            raw = self.lines[l0][c0:c1]
        else:
            raw = self.lines[l0][c0:] + b"".join(self.lines[l0 + 1:l1]) + self.lines[l1][:c1]
        return raw.decode("utf-8", errors="replace")

    def loc(self, node: ast.AST) -> str:
        return f"{self.rel}:{getattr(node, 'lineno', 1)}"

    def qualify(self, node: ast.AST) -> str:
        dotted = ast_dotted_name(node) or ""
        head, dot, rest = dotted.partition(".")
        target = self.aliases.get(head)
        return f"{target}{dot}{rest}" if target else dotted

    def scope_of(self, node: ast.AST) -> ast.AST:
        return self.scopes.get(id(node), self.tree)

    def function_names(self, node: ast.AST) -> list[str]:
        """Names of the functions and classes around a node, innermost first."""
        out = []
        cur = self.parents.get(id(node))
        while cur is not None:
            if isinstance(cur, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                out.append(cur.name)
            cur = self.parents.get(id(cur))
        return out


def index_file(rel: str, text: str, tree: ast.Module, aliases: dict[str, str], level: int) -> SourceFile:
    sf = SourceFile(rel, text, tree, aliases, level)

    def visit(node: ast.AST, scope: ast.AST, klass: ast.ClassDef | None) -> None:
        for child in ast.iter_child_nodes(node):
            sf.parents[id(child)] = node
            sf.scopes[id(child)] = scope
            inner_scope, inner_class = scope, klass
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                inner_scope = child
                a = child.args
                positional = a.posonlyargs + a.args
                defaults: dict[str, ast.expr | None] = {p.arg: None for p in positional + a.kwonlyargs}
                for p, d in zip(positional[len(positional) - len(a.defaults):], a.defaults):
                    defaults[p.arg] = d
                for p, d in zip(a.kwonlyargs, a.kw_defaults):
                    defaults[p.arg] = d
                sf.params[id(child)] = defaults
            elif isinstance(child, ast.ClassDef):
                inner_class = child
            elif isinstance(child, (ast.Assign, ast.AnnAssign)) and child.value is not None:
                targets = child.targets if isinstance(child, ast.Assign) else [child.target]
                for t in targets:
                    _record_target(sf, t, child.value, scope, klass)
            visit(child, inner_scope, inner_class)

    visit(tree, tree, None)
    return sf


def _record_target(sf: SourceFile, target: ast.expr, value: ast.expr, scope: ast.AST,
                   klass: ast.ClassDef | None) -> None:
    if isinstance(target, ast.Name):
        sf.assigns.setdefault(id(scope), {}).setdefault(target.id, []).append((target.lineno, value))
    elif isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple) and len(target.elts) == len(value.elts):
        for t, v in zip(target.elts, value.elts):  # `start_epoch, best = 0, 0.0`
            _record_target(sf, t, v, scope, klass)
    elif isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) \
            and target.value.id == "self" and klass is not None:
        sf.self_assigns.setdefault(id(klass), {}).setdefault(target.attr, []).append((target.lineno, value))
