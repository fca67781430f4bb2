"""The lint engine. Rule authors import from here: `from repolens.lint import Rule, Example, Expected, Severity`.

The names are resolved on first use: `Rule` needs libcst, which a warm (cached) run never imports.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from repolens.lint.facts import ProjectFacts
    from repolens.lint.model import Example, Expected, Finding, Severity
    from repolens.lint.rule import FileContext, Rule

_WHERE = {
    "Example": "repolens.lint.model", "Expected": "repolens.lint.model", "Finding": "repolens.lint.model",
    "Severity": "repolens.lint.model",
    "FileContext": "repolens.lint.rule", "Rule": "repolens.lint.rule", "ProjectFacts": "repolens.lint.facts",
}

__all__ = ["Example", "Expected", "FileContext", "Finding", "ProjectFacts", "Rule", "Severity"]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'repolens.lint' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
