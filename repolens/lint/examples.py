"""A rule's embedded examples, run through the per-file pipeline and checked against what they state.

`example_problems` is what the test suite asserts empty for every example of every rule (and what
a user's rule pack can run the same way): a valid example has no finding of its rule; an invalid
one has at least one, exactly its `expect`ed ones when it lists them, and its `fixed` text.
"""

from __future__ import annotations

from repolens.lint.check import fix_text, lint_text
from repolens.lint.facts import collect_facts
from repolens.lint.model import Example
from repolens.lint.rule import Rule


def run_example(rule: type[Rule], example: Example) -> list[tuple[int, str]]:
    """(line, message) of the rule's findings in the example, as `repolens lint` reports them."""
    facts = collect_facts({**example.files, example.path: example.code})
    options = {rule.code: dict(example.options)}
    _, reports = lint_text(example.code, example.path, [rule], facts, options)
    return [(r.position.start.line, r.message) for r in reports if r.code == rule.code]


def example_problems(rule: type[Rule], example: Example, *, valid: bool) -> list[str]:
    found = run_example(rule, example)
    if valid:
        return [f"line {line}: flagged in a valid example: {message}" for line, message in found]
    if not found:
        return [f"{rule.code} found nothing in its invalid example"]
    problems: list[str] = []
    if example.expect:
        left = list(found)
        for e in example.expect:
            hit = next((f for f in left if e.matches(*f)), None)
            if hit is None:
                what = f" with a message matching {e.message!r}" if e.message is not None else ""
                problems.append(f"expected a finding on line {e.line}{what}; found {found}")
            else:
                left.remove(hit)
        problems.extend(f"line {line}: an unexpected finding: {message}" for line, message in left)
    if example.fixed is not None:
        facts = collect_facts({**example.files, example.path: example.code})
        options = {rule.code: dict(example.options)}
        fixed = fix_text(example.code, example.path, [rule], facts, options, unsafe=True)
        if fixed != example.fixed:
            problems.append(f"the fixes give\n{fixed}\nnot the example's `fixed`\n{example.fixed}")
        elif fix_text(fixed, example.path, [rule], facts, options, unsafe=True) != fixed:
            problems.append("fixing the fixed code changes it again (fixes must be idempotent)")
    return problems
