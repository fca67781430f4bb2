"""No import cycles in repolens/: the import graph, read from the source with `ast`, is acyclic.

Two graphs are checked. Module-level imports (what runs when a module is imported; class bodies
and `try` blocks included, `if TYPE_CHECKING:` blocks excluded since they never run) must have no
cycle. Deferred imports (inside a function) exist only to postpone a cost until it is needed
(libcst and the rule classes on a warm lint run, gitpython, rich, torch): they must not be used
to hide a cycle, so the graph of module-level and deferred imports together must be acyclic too.

An edge goes to the module named (`from repolens.lint import rule` -> `repolens.lint.rule`,
`from repolens.lint.model import Finding` -> `repolens.lint.model`); the implicit import of a
parent package's `__init__` is not an edge (Python runs it first, whatever imports what).
"""

from __future__ import annotations

import ast
from pathlib import Path

import repolens

ROOT = Path(repolens.__file__).parent
SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(ROOT.rglob("*.py")):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _targets(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> set[str]:
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
    else:
        base = node.module or ""
        if node.level:
            package = module if is_package else module.rpartition(".")[0]
            for _ in range(node.level - 1):
                package = package.rpartition(".")[0]
            base = f"{package}.{base}" if base else package
        names = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]
    return {n for n in names if n in MODULES}


def import_graph() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(module-level edges, deferred edges) of every module of repolens/."""
    eager: dict[str, set[str]] = {m: set() for m in MODULES}
    deferred: dict[str, set[str]] = {m: set() for m in MODULES}

    for module, path in MODULES.items():
        is_package = path.name == "__init__.py"

        def visit(node: ast.AST, in_function: bool) -> None:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.If) and _is_type_checking(child):
                    for stmt in child.orelse:
                        visit(stmt, in_function)
                    continue
                if isinstance(child, (ast.Import, ast.ImportFrom)):
                    (deferred if in_function else eager)[module] |= _targets(child, module, is_package) - {module}
                visit(child, in_function or isinstance(child, SCOPES))

        visit(ast.parse(path.read_text(encoding="utf-8")), False)
    return eager, deferred


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of `graph` (as a path that ends where it starts), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def dfs(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state:
                found = dfs(nxt)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state:
            found = dfs(start)
            if found:
                return found
    return None


def test_the_graph_sees_the_imports_it_must() -> None:
    eager, deferred = import_graph()
    assert "repolens.lint.rule" in eager["repolens.lint.rulepass"]  # from X import Y
    assert "repolens.lint.pipeline" in deferred["repolens.lint.engine"]  # from repolens.lint import pipeline
    assert "repolens.lint.rule" not in eager["repolens.lint.classes"]  # under `if TYPE_CHECKING:`
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_cycle_among_module_level_imports() -> None:
    eager, _ = import_graph()
    assert find_cycle(eager) is None, " -> ".join(find_cycle(eager) or [])


def test_deferred_imports_do_not_hide_a_cycle() -> None:
    eager, deferred = import_graph()
    both = {m: eager[m] | deferred[m] for m in MODULES}
    assert find_cycle(both) is None, " -> ".join(find_cycle(both) or [])
