"""Score `repolens map` against an expert's labels: role agreement and entrypoint recall.

    python benchmarks/map_accuracy.py                      # every benchmarks/labels/*.json
    python benchmarks/map_accuracy.py benchmarks/labels/layout-nanogpt.json -v   # with disagreements
    REPOLENS_REALCODE=/path/to/unpacked/wheels python benchmarks/map_accuracy.py --check

A labels file is JSON: {"project", "root", "labelled", "roles": {path: role}, "entrypoints": [path],
optional "main_entrypoint", "core", "notes", "heldout"}. `root` is relative to this checkout or starts with
`$REPOLENS_REALCODE/` (unpacked real packages; projects whose root is missing are skipped and said so).
Acceptance (issue 2): roles agree on >= 90 % of the labelled files per project (averaged over
projects), >= 85 % of the documented entrypoints are found.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
CHECKOUT = HERE.parent
sys.path.insert(0, str(CHECKOUT))

from repolens.mapper import build_map  # noqa: E402

ROLE_TARGET = 0.90
ENTRY_TARGET = 0.85


def resolve_root(root: str) -> Path | None:
    if root.startswith("$REPOLENS_REALCODE"):
        base = os.environ.get("REPOLENS_REALCODE")
        if not base:
            return None
        path = Path(base) / root.split("/", 1)[1]
    else:
        path = CHECKOUT / root
    return path if path.exists() else None


def score(labels: dict, *, jobs: int | None = None) -> dict:
    root = resolve_root(labels["root"])
    if root is None:
        return {"project": labels["project"], "skipped": f"root not found: {labels['root']}"}
    repo_map = build_map(str(root), jobs=jobs)
    predicted = {f.path: f for f in repo_map.files}
    wrong = []
    agree = 0
    for path, role in sorted(labels["roles"].items()):
        got = predicted.get(path)
        if got is not None and got.role == role:
            agree += 1
        else:
            wrong.append({"path": path, "expected": role, "got": got.role if got else None,
                          "signals": list(got.signals[:3]) if got else []})
    found_paths = {e.path for e in repo_map.entrypoints}
    documented = labels.get("entrypoints", [])
    missed = [p for p in documented if p not in found_paths]
    result = {
        "project": ("[held out] " if labels.get("heldout") else "") + labels["project"],
        "files_labelled": len(labels["roles"]),
        "files_mapped": len(predicted),
        "role_accuracy": agree / len(labels["roles"]) if labels["roles"] else None,
        "entrypoints_documented": len(documented),
        "entrypoint_recall": (len(documented) - len(missed)) / len(documented) if documented else None,
        "disagreements": wrong,
        "missed_entrypoints": missed,
    }
    main = labels.get("main_entrypoint")
    if main:
        steps = [s.path for s in repo_map.reading_order]
        result["main_entrypoint_ok"] = main in steps[:2]
    core = labels.get("core")
    if core:
        result["core_ok"] = any(s.core and s.path == core for s in repo_map.reading_order)
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("labels", nargs="*", help="labels files (default: benchmarks/labels/*.json)")
    ap.add_argument("-v", "--verbose", action="store_true", help="list every disagreement")
    ap.add_argument("--json", action="store_true", help="print the results as JSON")
    ap.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    ap.add_argument("--jobs", type=int, default=None)
    args = ap.parse_args(argv)
    files = [Path(p) for p in args.labels] or sorted((HERE / "labels").glob("*.json"))
    results = [score(json.loads(p.read_text(encoding="utf-8")), jobs=args.jobs) for p in files]
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(f"{'project':62s} {'files':>6s} {'roles':>7s} {'entry':>7s}  main core")
        for r in results:
            if "skipped" in r:
                print(f"{r['project'][:62]:62s} skipped: {r['skipped']}")
                continue
            rec = r["entrypoint_recall"]
            print(f"{r['project'][:62]:62s} {r['files_labelled']:6d} {r['role_accuracy']:7.1%} "
                  f"{'-' if rec is None else format(rec, '.1%'):>7s}  "
                  f"{r.get('main_entrypoint_ok', '-')!s:5s}{r.get('core_ok', '-')!s}")
            if args.verbose:
                for w in r["disagreements"]:
                    print(f"    {w['path']}: expected {w['expected']}, got {w['got']}  {w['signals']}")
                for m in r["missed_entrypoints"]:
                    print(f"    entrypoint missed: {m}")
    scored = [r for r in results if "skipped" not in r]
    if not scored:
        return 0
    mean_roles = sum(r["role_accuracy"] for r in scored) / len(scored)
    recalls = [r for r in scored if r["entrypoint_recall"] is not None]
    documented = sum(r["entrypoints_documented"] for r in recalls)
    found = sum(r["entrypoints_documented"] - len(r["missed_entrypoints"]) for r in recalls)
    if not args.json:
        print(f"mean role accuracy {mean_roles:.1%} over {len(scored)} projects (target {ROLE_TARGET:.0%}); "
              f"entrypoints found {found}/{documented} (target {ENTRY_TARGET:.0%})")
    ok = mean_roles >= ROLE_TARGET and (documented == 0 or found / documented >= ENTRY_TARGET)
    return 0 if ok or not args.check else 1


if __name__ == "__main__":
    raise SystemExit(main())
