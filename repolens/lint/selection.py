"""Which rules run: ruff's selection semantics over codes, code prefixes, names and `ALL`.

Selection is layered (the config file, then the command line). In each layer `select` (when
given) replaces the set carried from the layer before, `extend-select` adds, `ignore` removes;
when a rule matches both a positive and a negative selector, the more specific one wins (an
exact code or name beats a prefix, a longer prefix beats a shorter one, `ALL` is the least
specific) and a tie goes to `ignore`. Rules that are off by default run only when a selector
names them (code, name, prefix, their tier's group or `ALL`).

A tier group (`ADVICE`, `OPINION`) selects every rule of that tier, except rules superseded by a
combined one (RL311, RL313, RL319, RL320 by RL314), which run only when named. A group is more
specific than `ALL` and less than any code prefix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from repolens.lint.model import TIER_GROUPS, tier_of

# A rule is anything with `.code`, `.name` and `.default_enabled`: a Rule class or a RuleInfo.
Rule = Any

_PREFIX = re.compile(r"^[A-Z]+\d*$")
EXACT = 1000
GROUP = 1


class SelectionError(ValueError):
    """A selector names no rule."""


def specificity(selector: str, rule: Rule) -> int | None:
    """How specifically `selector` names `rule` (None: it does not)."""
    if selector == "ALL":
        return 0
    group = TIER_GROUPS.get(selector)
    if group is not None:
        return GROUP if tier_of(rule) == group and not getattr(rule, "superseded_by", "") else None
    if selector == rule.code or selector == rule.name:
        return EXACT
    if _PREFIX.match(selector) and rule.code.startswith(selector):
        return len(selector)
    return None


def check_selectors(selectors: Iterable[str], rules: Sequence[Rule], where: str,
                    extra_codes: Iterable[str] = ()) -> None:
    """Raise SelectionError for a selector that matches no rule (ruff refuses unknown codes)."""
    extra = set(extra_codes)
    for sel in selectors:
        if sel in extra or sel == "ALL":
            continue
        if not any(specificity(sel, r) is not None for r in rules):
            raise SelectionError(f"{where}: unknown rule selector {sel!r} (no rule code, prefix or name matches it; "
                                 "`repolens rules` lists them)")


def split_selectors(values: Iterable[str] | None) -> tuple[str, ...] | None:
    """CLI values are comma-separated and repeatable: `--select RL1,RL5 --select RL202`."""
    if values is None:
        return None
    out: list[str] = []
    for v in values:
        out.extend(p.strip() for p in v.split(",") if p.strip())
    return tuple(out)


@dataclass(frozen=True)
class SelectionLayer:
    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()


def _best(selectors: Iterable[str], rule: Rule) -> int:
    scores = [s for s in (specificity(sel, rule) for sel in selectors) if s is not None]
    return max(scores) if scores else -1


def select_rules(rules: Sequence[Rule], layers: Sequence[SelectionLayer]) -> list[Rule]:
    enabled = {r.code for r in rules if r.default_enabled}
    for layer in layers:
        new: set[str] = set()
        for rule in rules:
            if layer.select is not None:
                positive = _best((*layer.select, *layer.extend_select), rule)
            else:
                carried = 0 if rule.code in enabled else -1
                positive = max(carried, _best(layer.extend_select, rule))
            negative = _best(layer.ignore, rule)
            if positive >= 0 and positive > negative:
                new.add(rule.code)
        enabled = new
    return [r for r in rules if r.code in enabled]


def matches_any(selectors: Iterable[str], code: str, name: str) -> bool:
    """Does a list of selectors (per-file-ignores, suppression comments) cover this finding?"""
    for sel in selectors:
        if sel == "ALL" or sel == code or sel == name or (_PREFIX.match(sel) and code.startswith(sel)):
            return True
    return False
