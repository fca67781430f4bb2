"""The reading order in two tiers: the files that carry the project, then the rest.

A newcomer reads the first tier (at most ten steps: the README, the main entrypoint, the core
model and what they reach first) and the second when they need it. Helpers, tooling and tests
(callbacks, exporters, test utilities) go to the second tier once six steps are in the first, and
everything past the tenth does. The order within each tier is the reading order's own.
"""

from __future__ import annotations

from dataclasses import replace

from repolens.mapper.model import FileRole, ReadingStep

FIRST_MAX = 10
FIRST_MIN = 6
_PERIPHERAL = frozenset({"utils", "script", "test"})


def split_tiers(steps: list[ReadingStep], roles: dict[str, FileRole]) -> list[ReadingStep]:
    """The steps, first tier then second, each marked with its `tier`."""
    first: list[ReadingStep] = []
    then: list[ReadingStep] = []
    for step in steps:
        role = roles[step.path].role if step.path in roles else None
        peripheral = role in _PERIPHERAL and not step.core
        if len(first) < FIRST_MAX and not (peripheral and len(first) >= FIRST_MIN):
            first.append(replace(step, tier="first"))
        else:
            then.append(replace(step, tier="then"))
    return first + then
