"""Plant known mistakes in copies of real repositories and check that `repolens lint` finds them.

    python benchmarks/realrepos.py CACHE --mirrors DIR          # once: check the corpus out
    REPOLENS_REALREPOS=CACHE python benchmarks/planted/run.py [-v] [--only ID ...] [--json]

`plants.json` lists each plant: the repository and commit, a unified diff (`patches/<id>.patch`, a line
changed or added as a person would), the rule that should find it (`new:<what>` while no rule exists)
and a sentence saying what was planted. For each plant the script hard-links a fresh copy of the
checked-out tree (the patched files are real copies), applies the patch with `git apply`, runs
`repolens lint --format json` with the default selection, and compares with the findings on the
untouched tree, keyed like the judged set (rule, path, normalised source line, occurrence) so that
line shifts do not count as changes:

- **found**: a new finding of the expected rule in a patched file;
- **other rule**: not found by the expected rule, but a new finding of another rule sits on the
  planted lines (for `new:` plants this is how a rule added later shows up; read it before counting);
- **missed**: neither;
- **collateral**: new findings of other rules anywhere, split into those on the planted lines (a second
  rule flagging the same mistake) and those elsewhere (the planting changed what is reported about
  untouched code: the "no new finding elsewhere" acceptance of issue 8), plus findings that vanished.

The report gives the figures per expected rule and in total; `new:` plants are counted apart, since no
rule is expected to find them yet, and so are `retired` plants (a plant that turned out to be no
mistake worth a finding, with the reason in `plants.json`): for them "found" means still reported.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "lint_judged"))

import realrepos  # noqa: E402
from judge import keyed, lint  # noqa: E402

HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")


def planted_lines(patch: str) -> dict[str, set[int]]:
    """path -> new-side line numbers the patch's hunks cover (changed lines and their context)."""
    spans: dict[str, set[int]] = defaultdict(set)
    path = None
    for line in patch.splitlines():
        if line.startswith("+++ "):
            path = line[4:].removeprefix("b/")
        elif (m := HUNK.match(line)) and path:
            start, count = int(m.group(1)), int(m.group(2) or 1)
            spans[path].update(range(start, start + max(count, 1)))
    return spans


def run_plant(plant: dict, baseline: dict[str, dict], scratch: Path) -> dict:
    patch = (HERE / plant["patch"]).read_text(encoding="utf-8")
    tree = realrepos.copy_tree(plant["repo"], scratch / plant["id"], writable=plant["files"])
    try:
        done = subprocess.run(["git", "apply", "--whitespace=nowarn", "-"], input=patch, cwd=tree,
                               capture_output=True, text=True, check=False)
        if done.returncode != 0:
            return {**plant, "status": "patch-failed", "error": done.stderr.strip()}
        after = {f["key"]: f for f in keyed(plant["repo"], plant["commit"], tree, lint(tree))}
    finally:
        subprocess.run(["rm", "-rf", str(tree)], check=False)
    spans = planted_lines(patch)
    new = [f for k, f in after.items() if k not in baseline]
    gone = [f for k, f in baseline.items() if k not in after]
    expected = [f for f in new if f["rule"] == plant["rule"] and f["path"] in plant["files"]]
    others = [f for f in new if f not in expected]
    at_plant = [f for f in others if f["line"] in spans.get(f["path"], ())]
    elsewhere = [f for f in others if f not in at_plant]
    status = "found" if expected else ("other rule" if at_plant else "missed")
    brief = [{k: f[k] for k in ("rule", "path", "line", "source")} for f in (expected + at_plant)]
    return {**plant, "status": status, "by": sorted({f["rule"] for f in expected + at_plant}),
            "findings": brief, "collateral_at_plant": [f"{f['rule']} {f['path']}:{f['line']}" for f in at_plant],
            "collateral_elsewhere": [f"{f['rule']} {f['path']}:{f['line']} {f['source'][:80]}" for f in elsewhere],
            "vanished": [f"{f['rule']} {f['path']}:{f['line']} {f['source'][:80]}" for f in gone]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", nargs="*", default=None, help="plant ids")
    ap.add_argument("-v", "--verbose", action="store_true", help="one line per plant, with collateral")
    ap.add_argument("--json", action="store_true", help="print every plant's result as JSON")
    args = ap.parse_args(argv)
    plants = json.loads((HERE / "plants.json").read_text(encoding="utf-8"))["plants"]
    if args.only:
        plants = [p for p in plants if p["id"] in args.only]
    results, baselines = [], {}
    with tempfile.TemporaryDirectory(prefix="repolens-planted-") as tmp:
        for plant in plants:
            tree = realrepos.tree(plant["repo"])
            if tree is None:
                results.append({**plant, "status": "skipped", "error": "repository not materialised"})
                continue
            if plant["repo"] not in baselines:
                baselines[plant["repo"]] = {f["key"]: f for f in
                                            keyed(plant["repo"], plant["commit"], tree, lint(tree))}
            results.append(run_plant(plant, baselines[plant["repo"]], Path(tmp)))
    if args.json:
        print(json.dumps(results, indent=1))
        return 0
    per: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in results:
        rule = ("retired:" if r.get("retired") else "") + r["rule"]
        per[rule][r["status"]] += 1
        per[rule]["collateral elsewhere"] += bool(r.get("collateral_elsewhere"))
        if args.verbose:
            print(f"{r['status']:11s} {r['id']:34s} {r['rule']:32s} by {','.join(r.get('by', [])) or '-'}"
                  + (f"  [{r['error']}]" if "error" in r else ""))
            for c in r.get("collateral_at_plant", []):
                print(f"    also at the plant: {c}")
            for c in r.get("collateral_elsewhere", []):
                print(f"    NEW ELSEWHERE: {c}")
            for c in r.get("vanished", []):
                print(f"    vanished: {c}")
    cols = ("found", "other rule", "missed", "patch-failed", "skipped", "collateral elsewhere")
    print(f"{'expected rule':32s} {'plants':>6s} " + " ".join(f"{c:>10s}" for c in cols))
    for group, rules in (("existing rules", [r for r in sorted(per) if not r.startswith(("new:", "retired:"))]),
                         ("no rule yet", [r for r in sorted(per) if r.startswith("new:")]),
                         ("retired (not mistakes after all: found = still reported)",
                          [r for r in sorted(per) if r.startswith("retired:")])):
        totals: dict[str, int] = defaultdict(int)
        for rule in rules:
            n = sum(per[rule][c] for c in cols[:5])
            print(f"{rule:32s} {n:6d} " + " ".join(f"{per[rule][c]:10d}" for c in cols))
            totals["plants"] += n
            for c in cols:
                totals[c] += per[rule][c]
        if rules:
            share = totals["found"] / totals["plants"] if totals["plants"] else 0
            print(f"  {group}: {totals['found']}/{totals['plants']} found ({share:.0%}), "
                  f"{totals['other rule']} by another rule only, {totals['missed']} missed, "
                  f"{totals['collateral elsewhere']} plants with new findings elsewhere")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
