"""Speed of `repolens lint` against the anchors (TorchFix 0.7.0, Fixit 2.2.1) on real source trees.

    python benchmarks/bench_lint.py                       # downloads torchvision, timm, transformers wheels
    python benchmarks/bench_lint.py torchvision=/path/to/src/torchvision timm=/path/... --runs 3
    python benchmarks/bench_lint.py ... --anchors-on torchvision   # anchors are slow: pick the trees
    python benchmarks/bench_lint.py ... --anchors torchfix         # and the anchors
    python benchmarks/profile_rules.py PATH                        # where the time goes, per rule

For every tree: repolens cold (empty cache) and warm (unchanged tree, filled cache), TorchFix and
Fixit (default rules), each the median of N runs: wall time, CPU time (user+sys of the process
and its workers), peak RSS of the largest process. Then the ratios against the targets
(cold >= 5x faster than TorchFix, warm >= 20x faster than cold, < 1 GiB on transformers), and a
micro-benchmark of the name resolution: repolens's import-alias table against libcst's
QualifiedNameProvider on the same parsed files.

The anchors are installed into their own venvs under benchmarks/.anchors/ (git-ignored), never
into the project's environment. The machine's load average is printed: on a shared machine,
quote it with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ANCHORS = HERE / ".anchors"
WHEELS = {"torchvision": "torchvision", "timm": "timm", "transformers": "transformers"}
ANCHOR_PINS = {"torchfix": "torchfix==0.7.0", "fixit": "fixit==2.2.1"}

# Runs a command and prints its wall time, its children's CPU time and peak RSS as JSON.
_MEASURE = r"""
import json, resource, subprocess, sys, time
t = time.perf_counter()
p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
wall = time.perf_counter() - t
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall": wall, "cpu": r.ru_utime + r.ru_stime, "rss_mb": r.ru_maxrss / 1024, "rc": p.returncode}))
"""


def measure(cmd: list[str], env: dict[str, str] | None = None) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", _MEASURE, *cmd], capture_output=True, text=True, env=env)
    return json.loads(out.stdout)


def median_of(runs: list[dict[str, float]]) -> dict[str, float]:
    return {k: statistics.median(r[k] for r in runs) for k in ("wall", "cpu", "rss_mb")}


# -- anchors ----------------------------------------------------------------------------------
def anchor_venv(name: str) -> Path:
    """A venv per anchor (their libcst pins may differ from ours and from each other)."""
    venv = ANCHORS / name
    exe = venv / "bin" / name
    if not exe.exists():
        ANCHORS.mkdir(parents=True, exist_ok=True)
        (ANCHORS / ".gitignore").write_text("*\n")
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", ANCHOR_PINS[name]], check=True)
    return exe


def anchor_command(name: str, tree: Path) -> list[str]:
    exe = str(anchor_venv(name))
    if name == "torchfix":
        return [exe, str(tree)]
    return [exe, "lint", str(tree)]


# -- trees ------------------------------------------------------------------------------------
def download_tree(name: str) -> Path:
    """The wheel's sources, unpacked under .anchors/src/NAME (no torch install needed)."""
    dest = ANCHORS / "src" / name
    if dest.is_dir():
        return dest
    wheels = ANCHORS / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
                    "-d", str(wheels), WHEELS[name]], check=True)
    wheel = sorted(wheels.glob(f"{name}-*.whl"))[-1]
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(dest)
    return dest


def tree_stats(tree: Path) -> tuple[int, int]:
    files = [p for p in tree.rglob("*.py")]
    lines = 0
    for p in files:
        try:
            lines += p.read_bytes().count(b"\n")
        except OSError:
            pass
    return len(files), lines


# -- repolens ---------------------------------------------------------------------------------
def repolens_command(tree: Path, cache: Path) -> list[str]:
    return [sys.executable, "-m", "repolens", "lint", str(tree), "--cache-dir", str(cache), "-q",
            "--fail-on", "never"]


def bench_repolens(tree: Path, runs: int) -> tuple[dict[str, float], dict[str, float]]:
    cold, warm = [], []
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "cache"
        for _ in range(runs):
            shutil.rmtree(cache, ignore_errors=True)
            cold.append(measure(repolens_command(tree, cache)))
        for _ in range(runs):
            warm.append(measure(repolens_command(tree, cache)))
    return median_of(cold), median_of(warm)


# -- name resolution micro-benchmark ----------------------------------------------------------
def bench_name_resolution(tree: Path, limit: int = 40) -> dict[str, float]:
    """Resolve every Name/Attribute of the same parsed files both ways; parse time excluded."""
    import libcst as cst
    from libcst.metadata import MetadataWrapper, QualifiedNameProvider

    from repolens.lint.parse import collect_aliases
    from repolens.pyindex.aliases import cst_dotted_name

    modules = []
    for p in sorted(tree.rglob("*.py"))[:limit]:
        try:
            modules.append(cst.parse_module(p.read_text(encoding="utf-8")))
        except Exception:
            continue

    class Names(cst.CSTVisitor):
        def __init__(self) -> None:
            self.nodes: list[cst.CSTNode] = []

        def visit_Attribute(self, node: cst.Attribute) -> None:
            self.nodes.append(node)

        def visit_Name(self, node: cst.Name) -> None:
            self.nodes.append(node)

    collected = []
    for m in modules:
        v = Names()
        m.visit(v)
        collected.append(v.nodes)

    t = time.perf_counter()
    for m, nodes in zip(modules, collected):
        table = collect_aliases(m)
        for n in nodes:
            table.resolve(cst_dotted_name(n))
    alias = time.perf_counter() - t

    t = time.perf_counter()
    for m, nodes in zip(modules, collected):
        wrapper = MetadataWrapper(m, unsafe_skip_copy=True)
        names = wrapper.resolve(QualifiedNameProvider)
        for n in nodes:
            names.get(n)
    qnp = time.perf_counter() - t
    return {"files": len(modules), "alias_s": alias, "qualified_name_provider_s": qnp,
            "ratio": qnp / alias if alias else float("inf")}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("trees", nargs="*", help="NAME=PATH of a source tree (default: download the wheels)")
    ap.add_argument("--runs", type=int, default=3, help="runs per measurement (median)")
    ap.add_argument("--anchors-on", default="torchvision",
                    help="comma-separated tree names to run TorchFix and Fixit on ('all', or '' for none)")
    ap.add_argument("--anchors", default="torchfix,fixit",
                    help="which anchors to run on the --anchors-on trees (comma-separated; default both)")
    ap.add_argument("--json", type=Path, help="also write the figures to this file")
    args = ap.parse_args()

    trees: dict[str, Path] = {}
    for item in args.trees:
        name, _, path = item.partition("=")
        trees[name] = Path(path or name)
    if not trees:
        trees = {name: download_tree(name) for name in WHEELS}
    anchors_on = set(trees) if args.anchors_on == "all" else {n for n in args.anchors_on.split(",") if n}

    load = os.getloadavg()
    print(f"machine: {os.cpu_count()} CPUs, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (at start)")
    report: dict[str, object] = {"cpus": os.cpu_count(), "load_at_start": load, "runs": args.runs, "trees": {}}
    for name, tree in trees.items():
        files, lines = tree_stats(tree)
        print(f"\n== {name}: {files} files, {lines} lines ({tree})")
        cold, warm = bench_repolens(tree, args.runs)
        row: dict[str, object] = {"files": files, "lines": lines, "repolens_cold": cold, "repolens_warm": warm}
        print(f"repolens cold : {cold['wall']:7.2f} s wall  {cold['cpu']:7.2f} s CPU  {cold['rss_mb']:7.0f} MB peak")
        print(f"repolens warm : {warm['wall']:7.2f} s wall  {warm['cpu']:7.2f} s CPU  {warm['rss_mb']:7.0f} MB peak")
        print(f"warm vs cold  : {cold['wall'] / warm['wall']:6.1f}x faster (target >= 20x)")
        if name == "transformers":
            print(f"memory        : {cold['rss_mb']:.0f} MB peak (target < 1024 MB)")
        if name in anchors_on:
            for anchor in [a for a in args.anchors.split(",") if a in ANCHOR_PINS]:
                runs = [measure(anchor_command(anchor, tree)) for _ in range(args.runs)]
                m = median_of(runs)
                row[anchor] = m
                print(f"{anchor:<13} : {m['wall']:7.2f} s wall  {m['cpu']:7.2f} s CPU  {m['rss_mb']:7.0f} MB peak")
                print(f"  repolens cold vs {anchor}: {m['wall'] / cold['wall']:5.1f}x faster wall, "
                      f"{m['cpu'] / cold['cpu']:5.1f}x less CPU" + ("  (target >= 5x)" if anchor == "torchfix" else ""))
        report["trees"][name] = row  # type: ignore[index]

    first = next(iter(trees.values()))
    nr = bench_name_resolution(first)
    report["name_resolution"] = nr
    print(f"\nname resolution on {nr['files']} files of {next(iter(trees))}: alias table {nr['alias_s'] * 1000:.0f} ms, "
          f"QualifiedNameProvider {nr['qualified_name_provider_s'] * 1000:.0f} ms ({nr['ratio']:.0f}x slower)")
    load = os.getloadavg()
    report["load_at_end"] = load
    print(f"load average at end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
