"""Lint one source text with a set of rules: one parse, one batched traversal, optional fixes.

This is the engine's core, used for real files and for the rules' embedded examples alike.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import libcst as cst
from libcst.metadata import MetadataWrapper

from repolens.lint.facts import ProjectFacts
from repolens.lint.rule import FileContext, Report, Rule
from repolens.lint.helpers import children_of, visit_batched
from repolens.pyindex.aliases import AliasTable


def module_package(path: str) -> str | None:
    """Dotted package of a posix path (`pkg/sub/mod.py` -> `pkg.sub`), for relative imports."""
    parts = path.split("/")[:-1]
    return ".".join(parts)


def collect_aliases(module: cst.Module, package: str | None = None) -> AliasTable:
    """Import aliases from statements only (no expression traversal: cheap)."""
    table = AliasTable(package)
    stack: list[cst.CSTNode] = list(module.body)
    while stack:
        stmt = stack.pop()
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, (cst.Import, cst.ImportFrom)):
                    table.visit_cst_import(small)
        elif isinstance(stmt, (cst.If, cst.Try, cst.TryStar, cst.With, cst.For, cst.While,
                               cst.FunctionDef, cst.ClassDef, cst.Else, cst.ExceptHandler,
                               cst.ExceptStarHandler, cst.Finally, cst.IndentedBlock)):
            for attr in ("body", "orelse", "handlers", "finalbody"):
                child = getattr(stmt, attr, None)
                if child is None:
                    continue
                if isinstance(child, (list, tuple)):
                    stack.extend(child)
                elif isinstance(child, cst.BaseSuite):
                    body = child.body
                    stack.extend(body if isinstance(body, (list, tuple)) else [body])
                else:
                    stack.append(child)
    return table


def run_rules(
    module: cst.Module,
    context: FileContext,
    rules: Sequence[type[Rule]],
    options: Mapping[str, Mapping[str, Any]] | None = None,
) -> tuple[Report, ...]:
    options = options or {}
    if context.module is None:
        context.module = module  # positions are computed from it on first use
    visitors = [rule(context, options.get(rule.code)) for rule in rules]
    if not visitors:
        return ()
    # Our own walk (helpers.visit_batched) skips libcst's node re-validation: about 20 % of a cold
    # run. It declines visitors that need metadata or attribute visitors; libcst handles those.
    if not visit_batched(module, visitors):
        MetadataWrapper(module, unsafe_skip_copy=True).visit_batched(visitors)
    return tuple(r for v in visitors for r in v.reports)


class _ApplyFixes(cst.CSTTransformer):
    def __init__(self, replacements: Mapping[int, Any]) -> None:
        super().__init__()
        self.replacements = replacements

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode) -> Any:
        replacement = self.replacements.get(id(original_node))
        if replacement is not None:
            return replacement
        return updated_node


def apply_fixes(module: cst.Module, reports: Sequence[Report], *, unsafe: bool = False) -> tuple[cst.Module, int]:
    """Apply the fixes of `reports` (safe only unless `unsafe`). Returns (new module, fixes applied).

    Fixes whose nodes nest inside another fix's node are left for the next round: the caller
    loops (re-parse, re-lint, fix) until nothing changes.
    """
    chosen: dict[int, Any] = {}
    taken: list[cst.CSTNode] = []
    for r in reports:
        if r.replacement is None or (r.fix_safety == "unsafe" and not unsafe):
            continue
        if id(r.node) in chosen:
            continue
        if adds_keyword_to_star_call(r.node, r.replacement):
            continue  # the keyword may already arrive through *args/**kwargs: TypeError at run time
        chosen[id(r.node)] = r.replacement
        taken.append(r.node)
    if not chosen:
        return module, 0
    # Drop fixes nested inside another chosen fix (they would be lost under the outer replacement).
    nested: set[int] = set()
    for outer in taken:
        for child in _descendants(outer):
            if id(child) in chosen:
                nested.add(id(child))
    for key in nested:
        chosen.pop(key, None)
    return module.visit(_ApplyFixes(chosen)), len(chosen)


def _star_call_keywords(node: cst.CSTNode) -> list[set[str]]:
    calls = [n for n in [node, *_descendants(node)] if isinstance(n, cst.Call)]
    return [{a.keyword.value for a in c.args if a.keyword is not None}
            for c in calls if any(a.star for a in c.args)]


def adds_keyword_to_star_call(node: cst.CSTNode, replacement: Any) -> bool:
    """Would this fix add a keyword to a call that passes `*args`/`**kwargs`?

    Such a call may already carry the keyword (`DataLoader(ds, **cfg)` with cfg holding
    pin_memory): adding it raises "got multiple values for keyword argument" at run time.
    The engine refuses the fix whatever the rule says.
    """
    if not isinstance(replacement, cst.CSTNode):
        return False
    before = _star_call_keywords(node)
    after = _star_call_keywords(replacement)
    known = set().union(*before) if before else set()
    return any(kw - known for kw in after)


def _descendants(node: cst.CSTNode) -> list[cst.CSTNode]:
    out: list[cst.CSTNode] = []
    stack = list(children_of(node))
    while stack:
        n = stack.pop()
        out.append(n)
        stack.extend(children_of(n))
    return out


def lint_text(
    source: str,
    path: str,
    rules: Sequence[type[Rule]],
    facts: ProjectFacts | None = None,
    options: Mapping[str, Mapping[str, Any]] | None = None,
    *,
    target_version: tuple[int, ...] | None = None,
) -> tuple[cst.Module, tuple[Report, ...]]:
    """Parse and lint one text. Raises libcst.ParserSyntaxError when it does not parse."""
    module = cst.parse_module(source)
    context = file_context(module, source, path, facts or ProjectFacts(), target_version)
    return module, run_rules(module, context, active_rules(rules, source), options)


def active_rules(rules: Sequence[type[Rule]], source: str) -> list[type[Rule]]:
    """The text pre-filter: a rule runs only when one of its needles occurs in the file."""
    return [r for r in rules if not r.needles or any(n in source for n in r.needles)]


def file_context(module: cst.Module, source: str, path: str, facts: ProjectFacts,
                 target_version: tuple[int, ...] | None) -> FileContext:
    if target_version is None:  # explicit configuration wins; else the torch the project is written for
        target_version = facts.model.torch_version.minimum
    info = facts.model.infos.get(path)  # its package as the project model sees it (relative imports)
    package = info.package if info is not None else module_package(path)
    return FileContext(path=path, source=source, aliases=collect_aliases(module, package),
                       facts=facts, target_version=target_version, module=module)


def fix_text(
    source: str,
    path: str,
    rules: Sequence[type[Rule]],
    facts: ProjectFacts | None = None,
    options: Mapping[str, Mapping[str, Any]] | None = None,
    *,
    unsafe: bool = False,
    max_rounds: int = 10,
) -> str:
    """Apply fixes until a round changes nothing; the result always re-parses."""
    for _ in range(max_rounds):
        module, reports = lint_text(source, path, rules, facts, options)
        new_module, applied = apply_fixes(module, reports, unsafe=unsafe)
        if not applied:
            return source
        new_source = new_module.code
        cst.parse_module(new_source)  # a fix must never produce code that does not parse
        if new_source == source:
            return source
        source = new_source
    return source
