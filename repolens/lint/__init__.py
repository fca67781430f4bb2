"""The lint engine. Rule authors import from here: `from repolens.lint import Rule, Example, Severity`."""

from repolens.lint.facts import ProjectFacts
from repolens.lint.model import Example, Finding, Severity
from repolens.lint.rule import FileContext, Rule

__all__ = ["Example", "FileContext", "Finding", "ProjectFacts", "Rule", "Severity"]
