"""Stage 4, rules: every enabled rule over one parsed file, in ONE traversal.

The needles pre-filter (`active_rules`) keeps a rule off a file that cannot match; a rule that
crashes loses only its own findings for the file (`run_rules_isolated`).
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import libcst as cst
from libcst.metadata import MetadataWrapper

from repolens import deepstack
from repolens.lint.rule import FileContext, Report, Rule
from repolens.lint.traverse import visit_batched


def active_rules(rules: Sequence[type[Rule]], source: str) -> list[type[Rule]]:
    """The text pre-filter: a rule runs only when one of its needles occurs in the file."""
    return [r for r in rules if not r.needles or any(n in source for n in r.needles)]


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
    # Our own walk (traverse.visit_batched) skips libcst's node re-validation: about 20 % of a cold
    # run. It declines visitors that need metadata or attribute visitors; libcst handles those.
    if not visit_batched(module, visitors):
        MetadataWrapper(module, unsafe_skip_copy=True).visit_batched(visitors)
    return tuple(r for v in visitors for r in v.reports)


def run_rules_isolated(module: cst.Module, context: FileContext, rules: Sequence[type[Rule]],
                       options: Any) -> tuple[tuple[Report, ...], list[str]]:
    """All rules in one traversal; if one crashes, rerun them one by one to keep the others' reports."""
    try:
        return run_rules(module, context, rules, options), []
    except RecursionError:
        if not deepstack.in_deep_stack():
            raise  # deep nesting, not a rule bug: `lint_target` runs the file again with a deep stack
        return _rules_one_by_one(module, context, rules, options)
    except Exception:  # a rule bug must not lose the whole file
        return _rules_one_by_one(module, context, rules, options)


def _rules_one_by_one(module: cst.Module, context: FileContext, rules: Sequence[type[Rule]],
                      options: Any) -> tuple[tuple[Report, ...], list[str]]:
    reports: list[Report] = []
    problems: list[str] = []
    for rule in rules:
        try:
            reports.extend(run_rules(module, context, [rule], options))
        except Exception as exc:
            problems.append(f"{context.path}: rule {rule.code} crashed ({type(exc).__name__}: {exc}); "
                            "its findings for this file are missing")
    return tuple(reports), problems
