"""The test API: lint or fix one source text with a set of rules, outside a project run.

Thin wrappers over the per-file pipeline (`repolens.lint.pipeline.lint_source` / `fix_source`),
so a rule's examples and tests see what `repolens lint` and `lint --fix` do: the needles
pre-filter, suppression comments, per-file-ignores, the fix loop with its re-parse, compile check
and `**kwargs` guard. Two deliberate differences: a crashing rule raises here (the CLI drops its
findings for the file and warns), and so does a fix the CLI would refuse (`FixRefused`).
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import libcst as cst

from repolens.lint.facts import ProjectFacts
from repolens.lint.pipeline import TextJob, fix_source, lint_source
from repolens.lint.rule import Report, Rule
from repolens.lint.settings import path_ignores


class FixRefused(Exception):
    """The fix loop refused the fixes (the fixed code would not parse or compile)."""


def _job(path: str, rules: Sequence[type[Rule]], facts: ProjectFacts | None,
         options: Mapping[str, Mapping[str, Any]] | None, target_version: tuple[int, ...] | None,
         per_file_ignores: Mapping[str, Sequence[str]] | None) -> TextJob:
    ignored = path_ignores((per_file_ignores or {}).items(), path)
    return TextJob(tuple(rules), facts or ProjectFacts(), options or {}, target_version, ignored, isolate=False)


def lint_text(
    source: str,
    path: str,
    rules: Sequence[type[Rule]],
    facts: ProjectFacts | None = None,
    options: Mapping[str, Mapping[str, Any]] | None = None,
    *,
    target_version: tuple[int, ...] | None = None,
    per_file_ignores: Mapping[str, Sequence[str]] | None = None,
) -> tuple[cst.Module, tuple[Report, ...]]:
    """Parse and lint one text: the reports `repolens lint` would turn into findings.

    Raises libcst.ParserSyntaxError when it does not parse.
    """
    module, reports, _ = lint_source(source, path, _job(path, rules, facts, options, target_version,
                                                        per_file_ignores))
    return module, tuple(reports)


def fix_text(
    source: str,
    path: str,
    rules: Sequence[type[Rule]],
    facts: ProjectFacts | None = None,
    options: Mapping[str, Mapping[str, Any]] | None = None,
    *,
    unsafe: bool = False,
    target_version: tuple[int, ...] | None = None,
    per_file_ignores: Mapping[str, Sequence[str]] | None = None,
) -> str:
    """The text `repolens lint --fix` (`--unsafe-fixes` with `unsafe`) would write."""
    job = _job(path, rules, facts, options, target_version, per_file_ignores)
    module, reports, _ = lint_source(source, path, job)
    fixed, _, refusal = fix_source(source, path, job, module, reports, unsafe=unsafe)
    if refusal is not None:
        raise FixRefused(refusal)
    return fixed
