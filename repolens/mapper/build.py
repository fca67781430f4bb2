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
from repolens.mapper.commands import read_shell_scripts, shell_script_commands
from repolens.mapper.docs import find_readme, own_paper, read_docs
from repolens.mapper.entrypoints import find_entrypoints
from repolens.mapper.model import RepoMap
from repolens.mapper.context import MapContext
from repolens.project.environment import declared_environment
from repolens.project.model import ProjectModel
from repolens.project.moduleinfo import import_prefix
from repolens.mapper.recipe import extract_recipe, training_entrypoint
from repolens.mapper.reading import reading_order
from repolens.mapper.reading_tiers import split_tiers
from repolens.mapper.roles import assign_roles
from repolens.mapper.support import support_files
from repolens.mapper.summary import FileSummary, summarize_file

Progress = Callable[[int, int], None]
Status = Callable[[str], None]  # what the run is doing now: "cloning https://...", "mapping"
# Below this many files, starting worker processes costs more than it saves.
SERIAL_BELOW = 48
_CHUNK = 24


class MapError(Exception):
    """Unusable arguments: a missing path, a URL or repository that cannot be cloned."""


def _summarize_chunk(items: list[tuple[str, str, str, str]]) -> list[FileSummary]:
    return [summarize_file(path, rel, kind, prefix) for path, rel, kind, prefix in items]


def summarize_all(files: tuple[DiscoveredFile, ...], *, jobs: int | None = None,
                  progress: Progress | None = None, prefix: str = "") -> list[FileSummary]:
    """One summary per file, read once, in worker processes when the tree is big enough.
    `prefix`: the dotted package the mapped folder is part of (`import_prefix`)."""
    items = [(str(f.path), f.rel, f.kind, prefix) for f in files]
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
def _materialize(target: str, clone_timeout: float, status: Status | None) -> Iterator[tuple[Path, bool]]:
    """The folder to analyse: the path itself, or a temporary clone of a URL / bare repository."""
    path = Path(target).expanduser()
    local_repo = path.exists() and (gitinfo.is_bare_repo(path) or path.name.endswith(".git") and path.is_dir())
    if gitinfo.looks_like_git_url(target) and (not path.exists() or local_repo) or local_repo:
        if status:
            status(f"cloning {gitinfo.redact(target)}")
        try:
            with gitinfo.cloned(str(path) if local_repo else target, timeout=clone_timeout) as dest:
                yield dest, True
        except gitinfo.GitError as exc:
            raise MapError(str(exc)) from exc
        return
    if not path.exists():
        raise MapError(f"no such file or folder: {target}")
    yield path, False


def build_map(target: str, *, jobs: int | None = None, progress: Progress | None = None,
              status: Status | None = None, clone_timeout: float = gitinfo.DEFAULT_CLONE_TIMEOUT_S) -> RepoMap:
    """Map a folder, a single file, a local git repository or a git URL. Never imports the code.

    `status` hears each stage ("cloning URL", then "mapping"); `progress` the files read so far.
    A clone that has not finished after `clone_timeout` seconds is a MapError.
    """
    with _materialize(str(target), clone_timeout, status) as (path, _cloned):
        if status:
            status("mapping")
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
    summaries = summarize_all(disc.files, jobs=jobs, progress=progress,
                              prefix="" if single_file else import_prefix(root))
    if not summaries:
        problems.append("no Python files or notebooks found" + (" (empty folder)" if not disc.others else ""))
    for s in summaries:
        if s.problem:
            problems.append(f"{s.rel}: {s.problem}")
    other_rels = [] if single_file else [f.rel for f in disc.others]
    py_rels = {s.rel for s in summaries}
    model = ProjectModel([s.info for s in summaries if s.info is not None],
                         declared_environment(root, other_rels, py_rels))
    project = MapContext({s.rel: s for s in summaries}, model)
    roles = assign_roles(project)
    docs = read_docs(root, other_rels)
    scripts = read_shell_scripts(root, other_rels)
    scripts_run = shell_script_commands(scripts)
    entrypoints = find_entrypoints(root, project, roles, docs, other_rels, scripts_run)
    supports = support_files(root, project, other_rels, docs, scripts, scripts_run)
    readme = find_readme(root, other_rels)
    steps, edges = reading_order(project, roles, entrypoints, readme, own_paper(docs))
    steps = split_tiers(steps, roles)
    evaluates = frozenset(r for r, s in project.summaries.items()
                          if {"no_grad", "eval_call"} <= s.features and roles[r].role in ("train", "script"))
    card = repo_card(root, other_rels, py_rels, roles, entrypoints, docs, evaluates)
    env = environment(model)
    git = None
    if not single_file:
        git = gitinfo.git_info(root)
        if git is not None:
            keep = py_rels | set(other_rels)
            git = type(git)(git.head, {p: g for p, g in git.files.items() if p in keep}, git.web)
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
        support_files=tuple(supports),
        recipe=extract_recipe(root, project, training_entrypoint(entrypoints, roles, project)),
    )
