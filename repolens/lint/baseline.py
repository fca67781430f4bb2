"""`--baseline FILE`: record today's findings, later report only the new ones.

A fingerprint survives line shifts (code added above): it is the rule, the path, the finding's
source line with whitespace collapsed, and the occurrence index among identical
(rule, path, line text) findings, so a second identical mistake on another line still counts as new.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Sequence

from repolens.atomic import write_atomic
from repolens.lint.model import Finding
from repolens.lint.source_lines import SourceLineReader
from repolens.lint.targets import Target

FORMAT = "repolens-baseline"


class BaselineError(Exception):
    """The baseline file exists but is not one of ours."""


def _normalize(text: str) -> str:
    return " ".join(text.split())


def fingerprints(findings: Sequence[Finding], line_text: Callable[[Finding], str]) -> list[str]:
    """One fingerprint per finding, in the given order (which must be the sorted order)."""
    seen: Counter[tuple[str, str, str]] = Counter()
    out: list[str] = []
    for f in findings:
        key = (f.rule, f.path, _normalize(line_text(f)) + ("@cell" if f.cell is not None else ""))
        index = seen[key]
        seen[key] += 1
        out.append(hashlib.sha256("\x1f".join((*key, str(index))).encode()).hexdigest()[:24])
    return out


def write_baseline(path: Path, findings: Sequence[Finding], prints: Sequence[str]) -> None:
    entries = [{"rule": f.rule, "path": f.path, "line": f.line, "fingerprint": fp}
               for f, fp in zip(findings, prints)]
    data = {"format": FORMAT, "version": 1, "findings": entries}
    write_atomic(Path(path), (json.dumps(data, indent=1, sort_keys=True) + "\n").encode("utf-8"))


def read_baseline(path: Path) -> set[str]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BaselineError(f"{path}: cannot read baseline: {exc}") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("findings"), list):
        raise BaselineError(f"{path}: not a repolens baseline file")
    return {str(e.get("fingerprint")) for e in data["findings"] if isinstance(e, dict)}


def filter_new(findings: Sequence[Finding], prints: Iterable[str], known: set[str]) -> list[Finding]:
    return [f for f, fp in zip(findings, prints) if fp not in known]


@dataclass(frozen=True)
class BaselineOutcome:
    findings: tuple[Finding, ...]  # the findings to report: those not in the baseline
    written: bool = False  # the baseline did not exist: it was written with every finding


def apply_baseline(path: Path, findings: Sequence[Finding], targets: Sequence[Target]) -> BaselineOutcome:
    """`--baseline FILE`: write it when missing, else keep only the findings it does not hold.

    `findings` must be in the run's (sorted) order; `targets` give the source lines fingerprinted.
    Raises BaselineError when the file exists but is not a baseline.
    """
    reader = SourceLineReader({t.rel: t for t in targets})
    prints = fingerprints(findings, reader.line)
    if not Path(path).exists():
        write_baseline(path, findings, prints)
        return BaselineOutcome(tuple(findings), written=True)
    return BaselineOutcome(tuple(filter_new(findings, prints, read_baseline(path))))
