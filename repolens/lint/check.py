"""The test API: lint or fix one source text with a set of rules, outside a project run.

Used by the rules' embedded examples, the rule tests and the benchmarks.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import libcst as cst

from repolens.lint.facts import ProjectFacts
from repolens.lint.fixes import apply_fixes
from repolens.lint.parse import parse
from repolens.lint.rule import Report, Rule
from repolens.lint.rulepass import active_rules, run_rules


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
    module, context = parse(source, path, facts or ProjectFacts(), target_version)
    return module, run_rules(module, context, active_rules(rules, source), options)


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
