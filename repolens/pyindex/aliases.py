"""A per-file import-alias table: `nn.ReLU` -> `torch.nn.ReLU`, `DL` -> `torch.utils.data.DataLoader`.

libcst's QualifiedNameProvider answers the same question through a full scope analysis of the
file, which is where TorchFix and Fixit spend much of their time. Rules here only need to know
what an imported name stands for, so one dict built from the file's import statements suffices.
Shadowing by a later local assignment is ignored: a deliberate trade of exactness for speed that
real code almost never defeats (nobody rebinds `nn`).
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import libcst as cst


class AliasTable:
    def __init__(self, package: str | None = None) -> None:
        self._names: dict[str, str] = {}
        self._star_modules: list[str] = []
        self._package = package  # dotted package of the file, for relative imports

    # -- building ---------------------------------------------------------------------------
    def absolute(self, module: str, level: int) -> str:
        """The absolute dotted module of a (possibly relative) import in this file."""
        if level == 0:
            return module
        if self._package is not None:
            parts = self._package.split(".") if self._package else []
            base = parts[: len(parts) - (level - 1)] if level > 1 else parts
            return ".".join([*base, module] if module else base)
        return "." * level + module

    def add_import(self, module: str, asname: str | None = None) -> None:
        """`import a.b.c` binds `a`; `import a.b.c as x` binds `x` to `a.b.c`."""
        if asname:
            self._names[asname] = module
        else:
            top = module.split(".", 1)[0]
            self._names[top] = top

    def add_from(self, module: str, name: str, asname: str | None = None, level: int = 0) -> None:
        base = self.absolute(module, level)
        if name == "*":
            self._star_modules.append(base)
            return
        self._names[asname or name] = f"{base}.{name}" if base else name

    def add_local(self, name: str, qualified: str) -> None:
        """A name the file defines itself (a class, a function) or an alias it assigns."""
        self._names.setdefault(name, qualified)

    @classmethod
    def from_ast(cls, tree: ast.AST, package: str | None = None) -> "AliasTable":
        table = cls(package)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    table.add_import(a.name, a.asname)
            elif isinstance(node, ast.ImportFrom):
                for a in node.names:
                    table.add_from(node.module or "", a.name, a.asname, node.level)
        return table

    def visit_cst_import(self, node: "cst.Import | cst.ImportFrom") -> None:
        """Feed one libcst import statement (call from a visitor's visit_Import/visit_ImportFrom)."""
        import libcst as cst

        from repolens.pyindex.cst_names import cst_dotted_name
        if isinstance(node, cst.Import):
            for a in node.names:
                asname = a.asname.name.value if a.asname and isinstance(a.asname.name, cst.Name) else None
                self.add_import(cst_dotted_name(a.name) or "", asname)
            return
        module = cst_dotted_name(node.module) if node.module is not None else ""
        level = len(node.relative)
        if isinstance(node.names, cst.ImportStar):
            self.add_from(module or "", "*", None, level)
            return
        for a in node.names:
            asname = a.asname.name.value if a.asname and isinstance(a.asname.name, cst.Name) else None
            self.add_from(module or "", cst_dotted_name(a.name) or "", asname, level)

    # -- asking -----------------------------------------------------------------------------
    def resolve(self, dotted: str | None) -> str | None:
        """The qualified name a dotted expression stands for; unknown heads are returned as is."""
        if not dotted:
            return None
        head, _, rest = dotted.partition(".")
        target = self._names.get(head)
        if target is None:
            return dotted
        return f"{target}.{rest}" if rest else target

    def is_bound(self, name: str) -> bool:
        return name.partition(".")[0] in self._names

    def matches(self, dotted: str | None, *qualified: str) -> bool:
        """Does `dotted` (as written in the file) stand for one of `qualified`?

        An unbound bare name counts when the file star-imports the module that defines it
        (`from torch.nn import *` then `ReLU()`).
        """
        resolved = self.resolve(dotted)
        if resolved in qualified:
            return True
        if dotted and not self.is_bound(dotted) and self._star_modules:
            return any(f"{m}.{dotted}" in qualified for m in self._star_modules)
        return False

    @property
    def names(self) -> dict[str, str]:
        return dict(self._names)

    @property
    def star_modules(self) -> tuple[str, ...]:
        return tuple(self._star_modules)


def ast_dotted_name(node: ast.AST | None) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def is_main_guard(stmt: ast.stmt) -> bool:
    """`if __name__ == "__main__":` (either operand order), as an `ast` statement: the map's
    script summary and lint's dead code (`deadcode.runs_as_script`) read it."""
    if not isinstance(stmt, ast.If) or not isinstance(stmt.test, ast.Compare):
        return False
    parts = [stmt.test.left, *stmt.test.comparators]
    names = {ast_dotted_name(p) for p in parts}
    consts = {p.value for p in parts if isinstance(p, ast.Constant)}
    return "__name__" in names and "__main__" in consts


def __getattr__(name: str) -> Any:
    # `cst_dotted_name` needs libcst; map and a warm lint never do, so it loads on first use.
    if name == "cst_dotted_name":
        from repolens.pyindex.cst_names import cst_dotted_name

        return cst_dotted_name
    raise AttributeError(name)
