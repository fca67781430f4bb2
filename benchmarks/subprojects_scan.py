"""Which repositories of the real corpus `repolens map` splits into sub-projects, and how.

    REPOLENS_REALREPOS=CACHE_DIR python benchmarks/subprojects_scan.py        # one line per repository
    REPOLENS_REALREPOS=CACHE_DIR python benchmarks/subprojects_scan.py -v     # and every sub-project

The corpus (`benchmarks/realrepos.json`) holds three collections (eriklindernoren/PyTorch-GAN,
yunjey/pytorch-tutorial, seungeunrho/minimalRL) and single projects that must stay one; a
repository whose tree has not been materialised (`benchmarks/realrepos.py`) is skipped and said so.
Prints; asserts nothing: read the lines.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import realrepos  # noqa: E402

from repolens.mapper import build_map  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="one line per sub-project too")
    args = parser.parse_args(argv)
    for entry in realrepos.load_manifest():
        name = entry["repo"]
        tree = realrepos.tree(name)
        if tree is None:
            print(f"{name:55s} skipped: not materialised")
            continue
        m = build_map(str(tree))
        print(f"{name:55s} {len(m.subprojects):3d} sub-projects", flush=True)
        if args.verbose:
            for sub in m.subprojects:
                main_cmd = sub.main_entrypoint.command if sub.main_entrypoint else "-"
                core = sub.core_step()
                print(f"    {sub.path}: {sub.about or '-'} | {main_cmd} | "
                      f"{f'{core.path}:{core.symbol}' if core else 'no core model'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
