"""Where `repolens lint` spends its time on a tree: per rule, plus the parse and the facts pass.

    python benchmarks/profile_rules.py PATH [PATH ...]                # every rule (ALL), every file
    python benchmarks/profile_rules.py PATH --sample 300               # a fixed random sample of files
    python benchmarks/profile_rules.py PATH --rules RL201,RL3 --top 10 # some rules (codes or prefixes)
    python benchmarks/profile_rules.py PATH --rules DEFAULT            # what a plain `repolens lint` runs
    python benchmarks/profile_rules.py PATH --fast-traversal           # walk with traverse.visit_batched

Each file is read and parsed once (libcst); the facts pass runs over the same files first (as a
run does). Then all selected rules walk the tree in ONE batched traversal, as in a real run, and
every rule's visit_/leave_ methods are timed separately, so a row is the time that rule's own
code took (its walks of subtrees included). What no rule accounts for is libcst's traversal
itself ("traversal overhead"). Positions (PositionProvider, computed on a file's first report)
are shown on their own row, not in the reporting rule's.

Serial, in this process: figures are CPU seconds of one core, comparable between rules and runs
on the same machine (quote the load average printed at the top).
"""

from __future__ import annotations

import argparse
import functools
import ast
import os
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def python_files(paths: list[Path]) -> list[tuple[Path, str]]:
    """(file, posix path relative to its tree's parent) for every .py under `paths`."""
    out = []
    for p in paths:
        if p.is_file():
            out.append((p, p.name))
            continue
        for f in sorted(p.rglob("*.py")):
            out.append((f, f.relative_to(p.parent).as_posix()))
    return out


EXCLUDED = [0.0]  # seconds spent computing positions, inside some rule's method


def timed_class(rule: type, clock: dict[str, float]) -> type:
    """A subclass of `rule` whose visit_/leave_ methods add their time to clock[rule.code]."""
    code = rule.code
    wrapped: dict[str, object] = {}
    for attr in dir(rule):
        if not (attr.startswith("visit_") or attr.startswith("leave_")):
            continue
        fn = getattr(rule, attr)
        if not callable(fn) or getattr(fn, "_is_no_op", False):
            continue  # libcst's empty stubs: the batched visitor skips them

        def make(fn):  # type: ignore[no-untyped-def]
            @functools.wraps(fn)  # keeps __name__: libcst picks visitor methods by name
            def timed(self, *args):  # type: ignore[no-untyped-def]
                t = time.perf_counter()
                before = EXCLUDED[0]
                try:
                    return fn(self, *args)
                finally:  # positions computed on a report are counted apart
                    clock[code] += time.perf_counter() - t - (EXCLUDED[0] - before)
            return timed

        wrapped[attr] = make(fn)

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        t = time.perf_counter()
        rule.__init__(self, *args, **kwargs)
        clock[code] += time.perf_counter() - t

    wrapped["__init__"] = __init__
    return type(rule.__name__, (rule,), wrapped)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="+", type=Path, help="files or folders (trees) to profile")
    ap.add_argument("--sample", type=int, default=0, help="profile N files drawn at random (fixed seed)")
    ap.add_argument("--seed", type=int, default=0, help="seed of --sample")
    ap.add_argument("--rules", default="ALL",
                    help="comma-separated codes, code prefixes or names; ALL (default) or DEFAULT (the rules on by default)")
    ap.add_argument("--fast-traversal", action="store_true",
                    help="traverse with repolens.lint.traverse.visit_batched instead of libcst's visit_batched")
    ap.add_argument("--top", type=int, default=0, help="print only the N slowest rules")
    args = ap.parse_args()

    import libcst as cst

    from repolens.lint.parse import collect_aliases, module_package
    from repolens.lint.rulepass import run_rules
    from repolens.lint.facts import file_facts, merge_facts
    from repolens.lint.registry import load_builtin_rules
    from repolens.lint.rule import FileContext

    def timed_positions(self):  # type: ignore[no-untyped-def]
        if self._positions is not None:
            return self._positions
        t = time.perf_counter()
        try:
            return real_positions(self)
        finally:
            spent = time.perf_counter() - t
            EXCLUDED[0] += spent
            stages["positions (files with a report)"] += spent

    real_positions = FileContext.positions
    FileContext.positions = timed_positions  # type: ignore[method-assign]

    files = python_files(args.paths)
    if args.sample and args.sample < len(files):
        files = sorted(random.Random(args.seed).sample(files, args.sample), key=lambda f: f[1])
    wanted = [s.strip() for s in args.rules.split(",") if s.strip()]
    rules = [r for r in load_builtin_rules()
             if "ALL" in wanted or ("DEFAULT" in wanted and r.default_enabled)
             or any(r.code.startswith(w) or r.name == w for w in wanted)]
    load = os.getloadavg()
    print(f"{len(files)} files, {len(rules)} rules; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")

    stages: dict[str, float] = defaultdict(float)
    texts: dict[str, str] = {}
    lines = 0
    for path, rel in files:
        try:
            texts[rel] = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        lines += texts[rel].count("\n")

    per_file = []
    for rel, text in texts.items():
        t = time.perf_counter()
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError):
            tree = None
        stages["ast.parse (facts)"] += time.perf_counter() - t
        t = time.perf_counter()
        per_file.append(file_facts(rel, text, tree))
        stages["facts pass (after ast.parse)"] += time.perf_counter() - t
    facts = merge_facts(per_file)

    clock: dict[str, float] = defaultdict(float)
    ran: dict[str, int] = defaultdict(int)
    found: dict[str, int] = defaultdict(int)
    timed = {r.code: timed_class(r, clock) for r in rules}
    slowest: list[tuple[float, str]] = []
    for rel, text in texts.items():
        active = [r for r in rules if not r.needles or any(n in text for n in r.needles)]
        if not active:
            continue
        t = time.perf_counter()
        try:
            module = cst.parse_module(text)
        except Exception:
            continue
        stages["libcst parse"] += time.perf_counter() - t
        context = FileContext(path=rel, source=text, aliases=collect_aliases(module, module_package(rel)),
                              facts=facts)
        context.module = module
        before = dict(clock)
        t = time.perf_counter()
        if args.fast_traversal:
            from repolens.lint.traverse import visit_batched

            visitors = [timed[r.code](context, None) for r in active]
            if not visit_batched(module, visitors):
                raise SystemExit("some rule needs libcst's own traversal (metadata or attribute visitors)")
            reports = [rep for v in visitors for rep in v.reports]
        else:
            reports = run_rules(module, context, [timed[r.code] for r in active])
        total = time.perf_counter() - t
        rules_time = sum(clock.values()) - sum(before.values())
        stages["traversal overhead (libcst visit)"] += total - rules_time
        slowest.append((total, rel))
        for r in active:
            ran[r.code] += 1
        for rep in reports:
            found[rep.code] += 1

    parsed = sum(1 for _ in slowest)
    rule_total = sum(clock.values())
    grand = rule_total + sum(stages.values())
    print(f"{lines} lines; {parsed} files parsed (the others hold no needle of any rule); "
          f"total {grand:.2f} s (rules {rule_total:.2f} s)\n")
    print(f"{'stage / rule':<52} {'seconds':>8} {'share':>6} {'files':>6} {'reports':>7}")
    for name, secs in sorted(stages.items(), key=lambda kv: -kv[1]):
        print(f"{name:<52} {secs:8.2f} {secs / grand:6.1%}")
    print()
    by_code = {r.code: r for r in rules}
    order = sorted(rules, key=lambda r: -clock.get(r.code, 0.0))
    if args.top:
        order = order[:args.top]
    for r in order:
        secs = clock.get(r.code, 0.0)
        label = f"{r.code} {by_code[r.code].name}"
        print(f"{label:<52} {secs:8.3f} {secs / grand:6.1%} {ran.get(r.code, 0):6d} {found.get(r.code, 0):7d}")
    print("\nslowest files (all rules, traversal included):")
    for secs, rel in sorted(slowest, reverse=True)[:5]:
        print(f"  {secs:7.2f} s  {rel}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
