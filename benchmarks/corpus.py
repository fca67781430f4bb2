"""Robustness over real trees: map, `lint --select ALL`, `--fix --unsafe-fixes`, a second pass.

    python benchmarks/corpus.py torchvision=/path/to/torchvision timm=/path/to/timm ...
    python benchmarks/corpus.py --wheels torchvision,timm,ultralytics,lightning,transformers

`--wheels` downloads each wheel with `pip download --no-deps` into a temp folder and unpacks it
(the wheel's source tree is the corpus). Every tree is first copied to a temp folder: fixes are
written to the copy, never to the given tree. Per tree, printed as a Markdown table row:

- files: Python files and notebooks lint found; analysed: files not skipped (the skipped ones
  counted by reason from the problem lines); parsed: files libcst parsed (a file in which no
  rule's needle occurs needs no parse: its facts pass with `ast` is its whole analysis);
- map: files the map summarised and how many of them parsed;
- crashes: exceptions out of map or lint, plus "rule ... crashed" problem lines (target 0);
- fixes: fixes applied by `--fix --unsafe-fixes`; fix refusals: fixes lint itself refused
  because the result would not parse or compile (it then keeps the file as it was);
- bad fixes: fixed files that no longer compile (checked here with `compile`, target 0);
- 2nd pass: files a second `--fix --unsafe-fixes` run would still change (idempotence, target 0).

Runs in this process through the library (the same code the CLI calls), serially unless
`--jobs N`; on a shared machine quote the load average printed at the top.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from repolens.lint.config import LintConfig  # noqa: E402
from repolens.lint.engine import lint_targets  # noqa: E402
from repolens.lint.settings import resolve_settings  # noqa: E402
from repolens.lint.targets import collect_targets  # noqa: E402
from repolens.mapper.build import build_map  # noqa: E402


def _reason(problem: str) -> str:
    """A problem line reduced to its kind: "skipped: 2.3 MB is larger..." -> "skipped: larger than the limit"."""
    text = problem.split(": ", 1)[-1]
    if "larger than" in text:
        return "skipped: larger than the size limit"
    if "crashed" in text:
        return "rule crashed"
    return re.sub(r"\d+(\.\d+)?", "N", text)[:70]


def _lint(copy: Path, fix_mode: str, jobs: int | None):  # type: ignore[no-untyped-def]
    settings = resolve_settings(LintConfig(root=copy), select=["ALL"])
    targets = collect_targets([copy], copy).targets
    return lint_targets(targets, settings, fix_mode=fix_mode, unsafe_fixes=True, use_cache=False, jobs=jobs)


def _compiles(path: Path) -> bool:
    try:
        compile(path.read_bytes(), str(path), "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return True


def run_tree(name: str, tree: Path, jobs: int | None) -> dict:
    row: dict = {"tree": name}
    with tempfile.TemporaryDirectory(prefix="repolens-corpus-") as tmp:
        copy = Path(tmp) / name
        shutil.copytree(tree, copy, symlinks=True)
        crashes = 0
        t0 = time.perf_counter()
        try:
            repo_map = build_map(str(copy), jobs=jobs)
            row["map"] = f"{sum(1 for f in repo_map.files if f.parsed)}/{len(repo_map.files)}"
        except Exception as exc:  # the point of the script: count, do not stop
            crashes += 1
            row["map"] = f"crash: {type(exc).__name__}"
        row["map_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        try:
            run = _lint(copy, "none", jobs)
        except Exception as exc:
            row.update(files="-", analysed="-", skipped=f"crash: {type(exc).__name__}: {exc}", crashes=crashes + 1)
            return row
        row["lint_s"] = time.perf_counter() - t0
        row["files"] = len(run.files)
        skipped = {p.split(": ", 1)[0] for p in run.problems
                   if re.search(r": (skipped|unreadable|fixes skipped)", p) and "fixes skipped" not in p}
        row["analysed"] = len(run.files) - len(skipped)
        row["parsed"] = run.parsed_files
        reasons = Counter(_reason(p) for p in run.problems if "crashed" not in p)
        crashes += sum(1 for p in run.problems if "crashed" in p)
        row["skipped"] = "; ".join(f"{n} {r}" for r, n in reasons.most_common()) or "-"
        row["findings"] = len(run.findings)
        before = {rel: (copy / rel).read_bytes() for rel in run.files}
        t0 = time.perf_counter()
        try:
            fixed = _lint(copy, "fix", jobs)
            row["fixes"] = fixed.fixes_applied
            row["fix_refusals"] = sum(1 for p in fixed.problems if "fixes skipped: the fixed code would not" in p)
            crashes += sum(1 for p in fixed.problems if "crashed" in p)
            changed = [rel for rel in fixed.files if (copy / rel).read_bytes() != before.get(rel)]
            row["fixed_files"] = len(changed)
            row["bad_fixes"] = sum(1 for rel in changed if rel.endswith(".py") and not _compiles(copy / rel))
            second = _lint(copy, "diff", jobs)
            row["second_pass"] = len(second.diffs)
        except Exception as exc:
            crashes += 1
            row["fixes"] = f"crash: {type(exc).__name__}: {exc}"
        row["fix_s"] = time.perf_counter() - t0
        row["crashes"] = crashes
    return row


def _wheel_trees(names: list[str], dest: Path) -> list[tuple[str, Path]]:
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(dest), *names], check=True)
    out = []
    for name in names:
        wheel = next(dest.glob(f"{name.replace('-', '_')}-*.whl"))
        src = dest / "src" / name
        with zipfile.ZipFile(wheel) as zf:
            zf.extractall(src)
        out.append((name, src))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("trees", nargs="*", help="NAME=PATH of a source tree")
    ap.add_argument("--wheels", default="", help="comma-separated wheel names to download and unpack")
    ap.add_argument("--jobs", type=int, default=None)
    opts = ap.parse_args()
    trees = [(t.split("=", 1)[0], Path(t.split("=", 1)[1])) for t in opts.trees]
    with tempfile.TemporaryDirectory(prefix="repolens-wheels-") as tmp:
        if opts.wheels:
            trees += _wheel_trees([w for w in opts.wheels.split(",") if w], Path(tmp))
        print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        print("| tree | files | analysed | parsed | skipped (reasons) | map parsed/files | crashes | findings | fixes "
              "| fixed files | fix refusals | bad fixes | 2nd-pass changes | seconds map/lint/fix+2nd |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        for name, tree in trees:
            r = run_tree(name, tree, opts.jobs)
            print(f"| {r['tree']} | {r.get('files')} | {r.get('analysed')} | {r.get('parsed', '-')} | {r.get('skipped')} | {r.get('map')} "
                  f"| {r.get('crashes')} | {r.get('findings', '-')} | {r.get('fixes', '-')} | {r.get('fixed_files', '-')} "
                  f"| {r.get('fix_refusals', '-')} | {r.get('bad_fixes', '-')} | {r.get('second_pass', '-')} "
                  f"| {r.get('map_s', 0):.0f}/{r.get('lint_s', 0):.0f}/{r.get('fix_s', 0):.0f} |", flush=True)


if __name__ == "__main__":
    main()
