"""Run the data and security rules over real source trees and list every finding for review.

Usage: python benchmarks/precision_sample.py ROOT [ROOT ...] [--rules RL101,RL501] [--sample 30] [--seed 0]

Each ROOT is one project (its facts are gathered over all its .py files first). Prints per-rule
counts, then the findings (a seeded random sample of --sample per rule when there are more),
each with its source line, for a human verdict; files that fail to parse are counted, and any
exception raised by a rule is a crash and is printed.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter, defaultdict
from pathlib import Path

import libcst as cst

from repolens.lint.check import lint_text
from repolens.lint.facts import file_facts, merge_facts
from repolens.lint.registry import load_builtin_rules

DEFAULT_RULES = ("RL101", "RL102", "RL103", "RL104", "RL105", "RL106", "RL107", "RL108", "RL501")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("roots", nargs="+")
    ap.add_argument("--rules", default=",".join(DEFAULT_RULES))
    ap.add_argument("--sample", type=int, default=30)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--context", type=int, default=0, help="source lines shown around each finding")
    args = ap.parse_args(argv)
    wanted = set(args.rules.split(","))
    rules = [r for r in load_builtin_rules() if r.code in wanted]
    crashes = 0
    for root in map(Path, args.roots):
        texts = {}
        for p in sorted(root.rglob("*.py")):
            try:
                texts[p.relative_to(root).as_posix()] = p.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
        facts = merge_facts(file_facts(path, text) for path, text in texts.items())
        findings: dict[str, list[tuple[str, int, str, str]]] = defaultdict(list)
        unparsable = 0
        for path, text in texts.items():
            if not any(not r.needles or any(n in text for n in r.needles) for r in rules):
                continue  # the engine's text pre-filter: no rule can match, no parse
            try:
                _, reports = lint_text(text, path, rules, facts)
            except cst.ParserSyntaxError:
                unparsable += 1
                continue
            except Exception as exc:  # a rule crash: the acceptance says there must be none
                crashes += 1
                print(f"CRASH {root.name}/{path}: {type(exc).__name__}: {exc}")
                continue
            lines = text.splitlines()
            for r in reports:
                line = r.position.start.line
                lo, hi = max(0, line - 1 - args.context), min(len(lines), line + args.context)
                findings[r.code].append((path, line, r.message, "\n      ".join(lines[lo:hi]).strip()))
        counts = Counter({code: len(v) for code, v in findings.items()})
        print(f"== {root.name}: {len(texts)} files, {unparsable} unparsable, uses_cuda={facts.uses_cuda}, "
              f"scientific={facts.reads_scientific_images}")
        for code in sorted(wanted):
            items = sorted(findings.get(code, []))
            shown = items if len(items) <= args.sample else sorted(random.Random(args.seed).sample(items, args.sample))
            print(f"-- {code}: {counts.get(code, 0)} findings, {len(shown)} shown")
            for path, line, msg, src in shown:
                print(f"  {path}:{line}: {msg}\n      {src}")
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
