"""`build_map`: target -> files -> summaries (in parallel) -> roles, entrypoints, graph, card -> RepoMap."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from pathlib import Path

from repolens import gitinfo, procs
from repolens.discover import discover
from repolens.discover.files import DiscoveredFile
from repolens.mapper.card import environment, repo_card
from repolens.mapper.docs import find_readme, paper_links, read_docs
from repolens.mapper.entrypoints import find_entrypoints
from repolens.mapper.model import RepoMap
from repolens.mapper.project import Project
from repolens.mapper.reading import reading_order
from repolens.mapper.roles import assign_roles
from repolens.mapper.summary import FileSummary, summarize_file

Progress = Callable[[int, int], None]
# Below this many files, starting worker processes costs more than it saves.
SERIAL_BELOW = 48
_CHUNK = 24


class MapError(Exception):
    """Unusable arguments: a missing path, a URL or repository that cannot be cloned."""


def _summarize_chunk(items: list[tuple[str, str, str]]) -> list[FileSummary]:
    return [summarize_file(path, rel, kind) for path, rel, kind in items]


def summarize_all(files: tuple[DiscoveredFile, ...], *, jobs: int | None = None,
                  progress: Progress | None = None) -> list[FileSummary]:
    """One summary per file, read once, in worker processes when the tree is big enough."""
    items = [(str(f.path), f.rel, f.kind) for f in files]
    total = len(items)
    jobs = jobs or os.cpu_count() or 1
    out: list[FileSummary] = []
    if jobs <= 1 or total < SERIAL_BELOW:
        for i, item in enumerate(items, 1):
            out.append(_summarize_chunk([item])[0])
            if progress:
                progress(i, total)
        return out
    chunks = [items[i:i + _CHUNK] for i in range(0, total, _CHUNK)]
    done = 0
    # forkserver: workers fork from a clean server process, never from a caller that runs threads
    # (the CLI's progress bar refreshes in one), which plain fork would copy mid-lock.
    # procs: workers that import nothing of the analysed repository and die with this process.
    methods = multiprocessing.get_all_start_methods()
    ctx = procs.worker_context("forkserver" if "forkserver" in methods else None)
    with ProcessPoolExecutor(max_workers=min(jobs, len(chunks)), mp_context=ctx,
                             initializer=procs.init_worker, initargs=procs.init_args()) as pool:
        futures = [pool.submit(_summarize_chunk, c) for c in chunks]
        for fut in as_completed(futures):
            part = fut.result()
            out.extend(part)
            done += len(part)
            if progress:
                progress(done, total)
    out.sort(key=lambda s: s.rel)
    return out


@contextmanager
def _materialize(target: str) -> Iterator[tuple[Path, bool]]:
    """The folder to analyse: the path itself, or a temporary clone of a URL / bare repository."""
    path = Path(target).expanduser()
    local_repo = path.exists() and (gitinfo.is_bare_repo(path) or path.name.endswith(".git") and path.is_dir())
    if gitinfo.looks_like_git_url(target) and (not path.exists() or local_repo) or local_repo:
        try:
            with gitinfo.cloned(str(path) if local_repo else target) as dest:
                yield dest, True
        except gitinfo.GitError as exc:
            raise MapError(str(exc)) from exc
        return
    if not path.exists():
        raise MapError(f"no such file or folder: {target}")
    yield path, False


def build_map(target: str, *, jobs: int | None = None, progress: Progress | None = None) -> RepoMap:
    """Map a folder, a single file, a local git repository or a git URL. Never imports the code."""
    with _materialize(str(target)) as (path, _cloned):
        return _build(str(target), path, jobs=jobs, progress=progress)


def _build(label: str, path: Path, *, jobs: int | None, progress: Progress | None) -> RepoMap:
    problems: list[str] = []
    try:
        disc = discover(path, include_others=True)
    except FileNotFoundError as exc:
        raise MapError(str(exc)) from exc
    except OSError as exc:
        raise MapError(f"cannot read {label}: {exc.strerror or exc}") from exc
    root = disc.root
    single_file = path.is_file()
    if single_file:
        problems.append(f"{label} is a file, not a folder: mapping that file alone")
    problems.extend(disc.problems)
    summaries = summarize_all(disc.files, jobs=jobs, progress=progress)
    if not summaries:
        problems.append("no Python files or notebooks found" + (" (empty folder)" if not disc.others else ""))
    for s in summaries:
        if s.problem:
            problems.append(f"{s.rel}: {s.problem}")
    project = Project({s.rel: s for s in summaries})
    roles = assign_roles(project)
    other_rels = [] if single_file else [f.rel for f in disc.others]
    docs = read_docs(root, other_rels)
    entrypoints = find_entrypoints(root, project, roles, docs, other_rels)
    readme = find_readme(root, other_rels)
    steps, edges = reading_order(project, roles, entrypoints, readme, paper_links(docs))
    py_rels = set(project.summaries)
    evaluates = frozenset(r for r, s in project.summaries.items()
                          if {"no_grad", "eval_call"} <= s.features and roles[r].role in ("train", "script"))
    card = repo_card(root, other_rels, py_rels, roles, entrypoints, docs, evaluates)
    env = environment(root, other_rels, py_rels)
    git = None
    if not single_file:
        git = gitinfo.git_info(root)
        if git is not None:
            keep = py_rels | set(other_rels)
            git = type(git)(git.head, {p: g for p, g in git.files.items() if p in keep})
    return RepoMap(
        root=label,
        files=tuple(roles[s.rel] for s in summaries),
        entrypoints=tuple(entrypoints),
        reading_order=tuple(steps),
        calls=tuple(edges),
        environment=env,
        card=card,
        git=git,
        problems=tuple(problems),
    )
