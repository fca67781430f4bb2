"""The call and import graph out of an entrypoint: which repo definitions each function uses.

A "use" is a call or a reference of a name bound by an import or a module-level definition,
resolved to the repo file and line that defines it (through `__init__.py` re-exports). Followed
breadth-first a few levels, so the reading order can walk from `train.py:main` to the model class.
A registry by name through `importlib.import_module("models." + name + "_model")` reaches the
classes of every module that pattern matches (the project model reads the pattern).
Static and approximate by design: attribute calls on objects (`self.model(x)`) are not followed.
"""

from __future__ import annotations

from dataclasses import dataclass

from repolens.mapper.model import CallEdge
from repolens.mapper.context import MapContext
from repolens.project.model import Definition


@dataclass(frozen=True)
class Reached:
    definition: Definition
    depth: int
    via: str  # "train.py:main"
    line: int  # where `via` uses it


def _functions_of(project: MapContext, rel: str, name: str | None):
    """The FuncInfos that make up a definition (a class is its body plus its methods)."""
    s = project.summaries[rel]
    if name is None:
        return list(s.functions)
    return [f for f in s.functions if f.name == name or f.name.startswith(name + ".")]


def _module_dict_uses(project: MapContext, rel: str, uses: tuple[tuple[str, int], ...]) -> list[tuple[str, int]]:
    """`models.__dict__[args.arch]` (torchvision and DINO style): every definition of that module."""
    out = []
    for qualified, line in uses:
        if not qualified.endswith(".__dict__"):
            continue
        target = project.model.module_rel(qualified[: -len(".__dict__")], rel)
        info = project.model.infos.get(target) if target else None
        if info is not None:
            out.extend((f"{info.module}.{c.name}", line) for c in info.classes)
            out.extend((f"{info.module}.{n}", line) for n, _ in info.functions if "." not in n)
    return out


def _dynamic_uses(project: MapContext, rel: str, scope: str) -> list[tuple[str, int]]:
    """The classes an `importlib.import_module` registry in `scope` may return, as uses: every class
    of every module the name pattern matches (which one runs is decided by a run-time option)."""
    model = project.model
    info = model.infos.get(rel)
    if info is None or not info.dynamic_imports:
        return []
    line = next((d.line for d in info.dynamic_imports if d.scope == scope), 0)
    out = []
    for target in model.dynamic_targets(rel, scope)[:40]:
        mod = model.infos[target].module
        out.extend((f"{mod}.{c.name}", line) for c in model.infos[target].classes)
    return out


def call_graph(project: MapContext, entry: str, *, max_depth: int = 3, max_edges: int = 400
               ) -> tuple[list[CallEdge], list[Reached]]:
    """Edges out of `entry` (a rel path) and the definitions reached, in breadth-first order."""
    edges: list[CallEdge] = []
    reached: list[Reached] = []
    seen_defs: set[tuple[str, str]] = set()
    seen_edges: set[tuple[str, str]] = set()
    # Level 0: every function of the entry file and its module-level code.
    frontier: list[tuple[str, str | None]] = [(entry, None)]
    for depth in range(1, max_depth + 1):
        nxt: list[tuple[str, str | None]] = []
        for rel, name in frontier:
            for func in _functions_of(project, rel, name):
                src = f"{rel}:{func.name}"
                for qualified, line in [*func.uses, *_dynamic_uses(project, rel, func.name),
                                        *_module_dict_uses(project, rel, func.uses)]:
                    defn = project.model.resolve(qualified, rel)
                    if defn is None:
                        continue
                    owner = defn.name.split(".", 1)[0]
                    if defn.rel == rel and (name is None or owner == name.split(".", 1)[0]) and depth > 1:
                        continue  # a class using its own methods is not news
                    if defn.rel == rel and owner == func.name.split(".", 1)[0]:
                        continue
                    key = (src, f"{defn.rel}:{defn.name}")
                    # Only functions and classes are called; a module-level variable (`RANK`, a
                    # registry dict) is followed for what it holds but is no call of its own.
                    if defn.kind != "variable" and key not in seen_edges and len(edges) < max_edges:
                        seen_edges.add(key)
                        edges.append(CallEdge(src, f"{defn.rel}:{defn.name}", line))
                    dkey = (defn.rel, defn.name)
                    if dkey not in seen_defs:
                        seen_defs.add(dkey)
                        reached.append(Reached(defn, depth, src, line))
                        nxt.append((defn.rel, defn.name))
        frontier = nxt
        if not frontier:
            break
    return edges, reached
