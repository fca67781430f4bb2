"""Draw the held-out label samples (fixed seeds), so anyone can re-draw the same files.

    REPOLENS_REALCODE=/path/to/unpacked/wheels python benchmarks/labels/sample_heldout.py

transformers: 60 files from the package's source, excluding `models/<name>/` folders except 10
model folders drawn at random (seed 2).
The files were labelled from their source before the mapper was run on them, and the mapper was
never tuned on them (see README.md beside this file).
"""

from __future__ import annotations

import os
import random
from pathlib import Path


def transformers_sample(src: Path, n: int = 60, folders: int = 10, seed: int = 2) -> list[str]:
    pkg = src / "transformers"
    files = sorted(p.relative_to(src).as_posix() for p in pkg.rglob("*.py"))
    model_dirs = sorted({f.split("/")[2] for f in files if f.startswith("transformers/models/") and f.count("/") >= 3})
    rng = random.Random(seed)
    picked = set(rng.sample(model_dirs, folders))
    pool = [f for f in files if not (f.startswith("transformers/models/") and f.count("/") >= 3)
            or f.split("/")[2] in picked]
    return sorted(rng.sample(pool, n))


def tree_sample(src: Path, n: int, seed: int) -> list[str]:
    files = sorted(p.relative_to(src).as_posix() for p in src.rglob("*.py") if ".dist-info" not in p.as_posix())
    return sorted(random.Random(seed).sample(files, min(n, len(files))))


if __name__ == "__main__":
    base = Path(os.environ["REPOLENS_REALCODE"])
    for f in transformers_sample(base / "transformers"):
        print("transformers", f)
