"""How often the training recipe `repolens map` extracts matches what a repository's README (or
paper) states, per field.

Labels: benchmarks/labels/recipes/<owner>+<name>.json, one per repository:

    {"repo": "owner/name", "commit": "<sha the label was written against>",
     "fields": {"optimizer": {"value": "AdamW", "source": "README.md:12"},
                "lr": {"value": "5e-4", "source": "paper Table 9"},
                "precision": {"value": "AMP", "any": ["autocast", "GradScaler"], "source": "README.md:40"},
                "augmentations": {"value": "...", "all": ["RandomResizedCrop", "ColorJitter"], "source": "..."}}}

`"split": "held-out"` marks repositories labelled before the extractor was ever run on them
(reported apart from the `tuned` ones it was developed on). Only what the README or paper states is labelled; a field it does not mention is not counted.
A label matches when one extracted value of the field matches: numbers compare as numbers (the
first numbers written, so "(0.5, 0.999)" matches "(0.5, 0.999)" and "256 // world" matches
"256"); text compares case-insensitively as a substring of the extracted value, or of any of the
`any` alternatives; `all` requires every listed name; the value "absent" matches an empty field.

Usage:
    python benchmarks/recipe_accuracy.py --repos DIR [--labels benchmarks/labels/recipes] [--json]

DIR holds one checkout per labelled repository, named `owner+name` (or `name`). A checkout at
another commit than the label's is still scored and reported as such.
"""

from __future__ import annotations

import argparse
import ast
import json
import operator
import re
import subprocess
import sys
from pathlib import Path

from repolens.mapper import build_map
from repolens.mapper.recipe import FIELDS

_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
        ast.Pow: operator.pow, ast.USub: operator.neg, ast.UAdd: operator.pos}


def _arith(text: str) -> float | None:
    """`10**-4`, `1e-3`, `0.1`: a number written as arithmetic of literals; None for anything else."""
    try:
        node = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        return None

    def ev(n: ast.AST) -> float:
        if isinstance(n, ast.Constant) and isinstance(n.value, (int, float)) and not isinstance(n.value, bool):
            return float(n.value)
        if isinstance(n, ast.BinOp) and type(n.op) in _OPS:
            return _OPS[type(n.op)](ev(n.left), ev(n.right))
        if isinstance(n, ast.UnaryOp) and type(n.op) in _OPS:
            return _OPS[type(n.op)](ev(n.operand))
        raise ValueError

    try:
        return ev(node)
    except (ValueError, ArithmeticError, OverflowError):
        return None


def numbers(text: str) -> list[float]:
    whole = _arith(text)
    if whole is not None:
        return [whole]
    return [float(m) for m in _NUMBER.findall(text)]


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def value_matches(label: dict, extracted: list[str]) -> bool:
    want = str(label["value"])
    if want.lower() == "absent":
        return not extracted
    if "all" in label:
        return any(all(name.lower() in v.lower() for name in label["all"]) for v in extracted)
    wanted_numbers = numbers(want)
    for v in extracted:
        if wanted_numbers and "any" not in label:
            got = numbers(v)
            if got and len(got) >= len(wanted_numbers) and all(
                    _close(a, b) for a, b in zip(wanted_numbers, got)):
                return True
            continue
        for alt in [want, *label.get("any", [])]:
            if alt.lower() in v.lower():
                return True
    return False


def _checkout(repos: Path, repo: str) -> Path | None:
    owner, _, name = repo.partition("/")
    for cand in (repos / f"{owner}+{name}", repos / name):
        if cand.is_dir():
            return cand
    return None


def _head(path: Path) -> str | None:
    try:
        return subprocess.run(["git", "-C", str(path), "rev-parse", "HEAD"], capture_output=True, text=True,
                              check=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None


def score(labels_dir: Path, repos: Path, split: str | None = None) -> dict:
    per_field = {f: {"labelled": 0, "matched": 0} for f in FIELDS}
    per_repo = []
    for path in sorted(labels_dir.glob("*.json")):
        label = json.loads(path.read_text(encoding="utf-8"))
        if split is not None and label.get("split", "tuned") != split:
            continue
        checkout = _checkout(repos, label["repo"])
        if checkout is None:
            per_repo.append({"repo": label["repo"], "missing": True})
            continue
        recipe = build_map(str(checkout)).recipe
        extracted = {f: [v.value for v in recipe.get(f)] for f in FIELDS} if recipe else {f: [] for f in FIELDS}
        rows = []
        for field, want in label["fields"].items():
            ok = value_matches(want, extracted.get(field, []))
            per_field[field]["labelled"] += 1
            per_field[field]["matched"] += ok
            rows.append({"field": field, "label": want["value"], "source": want.get("source", ""),
                         "extracted": extracted.get(field, []), "match": ok})
        head = _head(checkout)
        per_repo.append({"repo": label["repo"], "commit": label["commit"], "checkout_commit": head,
                         "same_commit": head == label["commit"],
                         "entrypoint": recipe.entrypoint if recipe else None, "fields": rows})
    labelled = sum(v["labelled"] for v in per_field.values())
    matched = sum(v["matched"] for v in per_field.values())
    return {"per_field": per_field, "labelled": labelled, "matched": matched, "repos": per_repo}


def report(result: dict) -> str:
    lines = ["field                  matched / labelled"]
    for field, v in result["per_field"].items():
        if v["labelled"]:
            lines.append(f"{field:22} {v['matched']:3d} / {v['labelled']:<3d} {100 * v['matched'] / v['labelled']:5.1f} %")
    if result["labelled"]:
        lines.append(f"{'all fields':22} {result['matched']:3d} / {result['labelled']:<3d} "
                     f"{100 * result['matched'] / result['labelled']:5.1f} %")
    scored = [r for r in result["repos"] if not r.get("missing")]
    lines.append(f"repositories scored: {len(scored)} (missing checkouts: {len(result['repos']) - len(scored)})")
    for r in result["repos"]:
        if r.get("missing"):
            lines.append(f"- {r['repo']}: no checkout")
            continue
        note = "" if r["same_commit"] else f" (checkout at {str(r['checkout_commit'])[:10]}, label at {r['commit'][:10]})"
        lines.append(f"- {r['repo']} [{r['entrypoint']}]{note}")
        for row in r["fields"]:
            if not row["match"]:
                lines.append(f"    {row['field']}: label {row['label']!r} ({row['source']}), extracted {row['extracted']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repos", type=Path, required=True, help="folder of checkouts named owner+name")
    ap.add_argument("--labels", type=Path, default=Path(__file__).parent / "labels" / "recipes")
    ap.add_argument("--json", action="store_true", help="print the full result as JSON")
    args = ap.parse_args(argv)
    results = {split: score(args.labels, args.repos, split) for split in ("tuned", "held-out")}
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print("\n\n".join(f"## {split}\n{report(result)}" for split, result in results.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
