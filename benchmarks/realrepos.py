"""Materialise the real-repository corpus (`benchmarks/realrepos.json`) as git work trees.

    python benchmarks/realrepos.py CACHE_DIR [--mirrors DIR] [--only owner/name ...]
    REPOLENS_REALREPOS=CACHE_DIR python benchmarks/realrepos.py --mirrors DIR

Each repository of the manifest is checked out at its recorded commit into
`CACHE_DIR/<owner>+<name>/` (a real git work tree, so `repolens map` sees git's file list and
history). The source of each repository is, in order:

1. a bare or normal git repository under `--mirrors DIR` (or `REPOLENS_MIRRORS`), looked up as
   `DIR/<owner>+<name>/repo`, `DIR/<owner>+<name>`, `DIR/<owner>+<name>.git`, `DIR/<owner>/<name>`
   or `DIR/<name>.git` (the first layout is the one an offline snapshot tool writes; a folder
   of `git clone --bare https://github.com/<owner>/<name>` also works);
2. otherwise `https://github.com/<owner>/<name>` (needs network).

A tree that is already there at the right commit is left alone, so re-running is cheap. Offline
snapshots may lack a few large binary blobs (images, weights); git then leaves those files out of the
checkout (`git status` shows them deleted). In the recorded corpus no `.py`, config or README file
is affected; two large non-code files are (hkproj/pytorch-transformer's `Colab_Train.ipynb` and a
data file of yunjey/pytorch-tutorial), neither in a labelled, judged or planted repository. The repos
themselves are never committed to this project. Other benchmark scripts find the cache through
`REPOLENS_REALREPOS` (`realrepos.tree(name)`), and `realrepos.copy_tree` makes a fresh scratch copy
(for planting mistakes).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
MANIFEST = HERE / "realrepos.json"


def load_manifest() -> list[dict]:
    return json.loads(MANIFEST.read_text(encoding="utf-8"))["repos"]


def commit_of(name: str) -> str:
    for entry in load_manifest():
        if entry["repo"] == name:
            return entry["commit"]
    raise KeyError(f"{name} is not in {MANIFEST.name}")


def folder_name(name: str) -> str:
    return name.replace("/", "+")


def cache_dir(explicit: str | None = None) -> Path:
    value = explicit or os.environ.get("REPOLENS_REALREPOS")
    if not value:
        raise SystemExit("give the cache folder as an argument or in REPOLENS_REALREPOS")
    return Path(value)


def tree(name: str, cache: str | None = None) -> Path | None:
    """The work tree of one corpus repository, or None when it has not been materialised."""
    path = cache_dir(cache) / folder_name(name)
    return path if (path / ".git").exists() else None


def _git(*args: str, cwd: Path | None = None) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout.strip()


def find_mirror(name: str, mirrors: Path | None) -> str:
    if mirrors is not None:
        owner, repo = name.split("/")
        flat = folder_name(name)
        for candidate in (mirrors / flat / "repo", mirrors / flat, mirrors / f"{flat}.git",
                          mirrors / owner / repo, mirrors / f"{repo}.git"):
            if (candidate / "HEAD").exists() or (candidate / ".git").exists():
                return str(candidate)
    return f"https://github.com/{name}"


def materialise(entry: dict, cache: Path, mirrors: Path | None) -> str:
    dest = cache / folder_name(entry["repo"])
    if (dest / ".git").exists():
        try:
            if _git("rev-parse", "HEAD", cwd=dest) == entry["commit"]:
                return "present"
        except RuntimeError:
            pass
        shutil.rmtree(dest)
    source = find_mirror(entry["repo"], mirrors)
    cache.mkdir(parents=True, exist_ok=True)
    # A normal clone (not --shared): the tree must not depend on the mirror staying where it is.
    _git("clone", "-q", "--no-checkout", source, str(dest))
    _git("-c", "advice.detachedHead=false", "checkout", "-q", entry["commit"], cwd=dest)
    return f"cloned from {'mirror' if not source.startswith('https:') else source}"


def copy_tree(name: str, dest: Path, cache: str | None = None, *, writable: list[str] | None = None) -> Path:
    """A fresh copy of a materialised tree (with its .git, so git's file list still applies).

    With `writable`, every file is hard-linked (instant, no space) except the listed paths, which are
    real copies: only those may be modified in the copy.
    """
    src = tree(name, cache)
    if src is None:
        raise FileNotFoundError(f"{name} is not materialised; run benchmarks/realrepos.py first")
    if dest.exists():
        shutil.rmtree(dest)
    if writable is None:
        shutil.copytree(src, dest, symlinks=True)
        return dest
    shutil.copytree(src, dest, symlinks=True, copy_function=os.link)
    for rel in writable:
        target = dest / rel
        if target.exists():
            target.unlink()
            shutil.copy2(src / rel, target)
    return dest


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("cache", nargs="?", help="folder to check the repositories out into "
                                             "(default: $REPOLENS_REALREPOS)")
    ap.add_argument("--mirrors", default=os.environ.get("REPOLENS_MIRRORS"),
                    help="folder of git mirrors (see the module doc for the layouts looked for)")
    ap.add_argument("--only", nargs="*", default=None, help="owner/name of the repos to get")
    args = ap.parse_args(argv)
    cache = cache_dir(args.cache)
    mirrors = Path(args.mirrors) if args.mirrors else None
    failed = 0
    for entry in load_manifest():
        if args.only and entry["repo"] not in args.only:
            continue
        try:
            how = materialise(entry, cache, mirrors)
        except RuntimeError as err:
            failed += 1
            how = f"FAILED: {err}"
        print(f"{entry['repo']:50s} {entry['commit'][:10]}  {how}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
