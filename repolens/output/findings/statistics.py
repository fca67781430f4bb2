"""`--statistics`: ruff's shape, one line per rule code, most frequent first.

    3	RL101	[*] dataloader-pin-memory
    1	RL000	[ ] syntax-error

The marker: `[*]` some of the findings have a safe fix, `[-]` only unsafe fixes (they need
--unsafe-fixes), `[ ]` none.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import TYPE_CHECKING, Mapping, Sequence

from repolens.lint.model import Finding

if TYPE_CHECKING:  # the rule classes need libcst; formatting never does
    from repolens.lint.rule import Rule
from repolens.output.findings._common import has_safe_fix, has_unsafe_fix, rule_name


def render_statistics(findings: Sequence[Finding], rules: Mapping[str, type[Rule]]) -> str:
    counts = Counter(f.rule for f in findings)
    if not counts:
        return ""
    by_code: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        by_code[f.rule].append(f)
    width = len(str(max(counts.values())))
    code_width = max(len(code) for code in counts)
    lines = []
    for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        mine = by_code[code]
        marker = "[*]" if any(map(has_safe_fix, mine)) else "[-]" if any(map(has_unsafe_fix, mine)) else "[ ]"
        lines.append(f"{count:>{width}}\t{code:<{code_width}}\t{marker} {rule_name(code, mine, rules)}")
    return "\n".join(lines) + "\n"
