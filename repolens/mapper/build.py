"""`build_map`: target -> files -> summaries (in parallel) -> roles, entrypoints, graph, card -> RepoMap."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from repolens import gitinfo, procs
from repolens.discover import discover
from repolens.discover.files import DiscoveredFile, Discovery
from repolens.mapper.card import environment, repo_card
from repolens.mapper.commands import CommandLine, read_shell_scripts, shell_script_commands
from repolens.mapper.docs import Doc, find_readme, own_paper, read_docs
from repolens.mapper.entrypoints import find_entrypoints
from repolens.mapper.model import Entrypoint, FileRole, GitInfo, RepoMap, Subproject, unit_folder
from repolens.mapper.context import MapContext
from repolens.project.environment import declared_environment
from repolens.project.model import ProjectModel
from repolens.project.moduleinfo import import_prefix
from repolens.mapper.recipe import extract_recipe, training_entrypoint
from repolens.mapper.reading import main_entrypoint, reading_order
from repolens.mapper.reading_tiers import split_tiers
from repolens.mapper.roles import assign_roles
from repolens.mapper.support import support_files
from repolens.mapper.subprojects import Unit, describe, find_subprojects, needs_own_folder
from repolens.mapper.subproject_map import (
    collection_commands, command_from_root, inherited_entrypoints, merge_entrypoints, with_subprojects,
)
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
    other_rels = [] if single_file else [f.rel for f in disc.others]
    git = None
    if not single_file:
        git = gitinfo.git_info(root)
        if git is not None:
            keep = {s.rel for s in summaries} | set(other_rels)
            git = type(git)(git.head, {p: g for p, g in git.files.items() if p in keep}, git.web)
    top = _analyse(label, root, summaries, other_rels, problems, git)
    units = [] if single_file else find_subprojects(top.project, top.roles, list(top.map.entrypoints), other_rels)
    if not units:
        return top.map
    commands = collection_commands(top.project, top.docs, top.scripts_run)
    subs = tuple(_subproject(u, units, root, disc, top, commands, jobs) for u in units)
    return with_subprojects(top.map, subs)


@dataclass(frozen=True)
class _Analysis:
    map: RepoMap
    project: MapContext
    roles: dict[str, FileRole]
    docs: list[Doc]
    scripts_run: list[CommandLine]
    main: Entrypoint | None  # the main entrypoint the reading order starts from


def _analyse(label: str, root: Path, summaries: list[FileSummary], other_rels: list[str], problems: list[str],
             git: GitInfo | None, inherited: tuple[Entrypoint, ...] = ()) -> _Analysis:
    """Every stage after reading the files. `inherited`: entrypoints that an enclosing collection's
    README or scripts name (a sub-project's own docs may not), merged by the strength of evidence."""
    problems = [*problems, *(f"{s.rel}: {s.problem}" for s in summaries if s.problem)]
    py_rels = {s.rel for s in summaries}
    model = ProjectModel([s.info for s in summaries if s.info is not None],
                         declared_environment(root, other_rels, py_rels))
    project = MapContext({s.rel: s for s in summaries}, model)
    roles = assign_roles(project)
    docs = read_docs(root, other_rels)
    scripts = read_shell_scripts(root, other_rels)
    scripts_run = shell_script_commands(scripts)
    entrypoints = merge_entrypoints(find_entrypoints(root, project, roles, docs, other_rels, scripts_run), inherited)
    supports = support_files(root, project, other_rels, docs, scripts, scripts_run)
    readme = find_readme(root, other_rels)
    main = main_entrypoint(entrypoints, roles, project)
    steps, edges = reading_order(project, roles, entrypoints, main, readme, own_paper(docs))
    steps = split_tiers(steps, roles)
    evaluates = frozenset(r for r, s in project.summaries.items()
                          if {"no_grad", "eval_call"} <= s.features and roles[r].role in ("train", "script"))
    card = repo_card(root, other_rels, py_rels, roles, entrypoints, docs, evaluates)
    repo_map = RepoMap(
        root=label,
        files=tuple(roles[s.rel] for s in summaries),
        entrypoints=tuple(entrypoints),
        reading_order=tuple(steps),
        calls=tuple(edges),
        environment=environment(model),
        card=card,
        git=git,
        problems=tuple(problems),
        support_files=tuple(supports),
        # The recipe of the training script the reading order starts from, when it starts from one.
        recipe=extract_recipe(root, project, main if main is not None and main.path in roles
                              and roles[main.path].role == "train"
                              else training_entrypoint(entrypoints, roles, project)),
    )
    return _Analysis(repo_map, project, roles, docs, scripts_run, main)


def _subproject(unit: Unit, units: list[Unit], root: Path, disc: Discovery, top: _Analysis,
                commands: list[tuple[CommandLine, str, str]], jobs: int | None) -> Subproject:
    """The unit mapped on its own: its files read again with paths relative to its folder (module
    names and relative imports depend on them), the collection's commands for it inherited."""
    single = unit.path.endswith((".py", ".ipynb"))
    base = unit_folder(unit.path)
    prefix = base + "/" if base else ""
    files = tuple(DiscoveredFile(f.path, f.rel[len(prefix):], f.kind) for f in disc.files if f.rel in unit.files)
    others = [] if single else [o.rel[len(prefix):] for o in disc.others if o.rel.startswith(prefix)]
    sub_root = root / base if base else root
    summaries = summarize_all(files, jobs=jobs, prefix=import_prefix(sub_root))
    git = top.map.git
    if git is not None:
        git = type(git)(git.head, {p[len(prefix):]: g for p, g in git.files.items()
                                   if p in unit.files or p.startswith(prefix) and not single},
                        f"{git.web}/{base}" if git.web and base else git.web)
    sub = _analyse(unit.path, sub_root, summaries, others, [], git, inherited_entrypoints(commands, unit.files, base))
    why_cd = needs_own_folder(unit, top.project, root)
    workdir = base if why_cd else ""
    from_root = {e.path: command_from_root(e, base, run_inside=bool(why_cd)) for e in sub.map.entrypoints}
    entrypoints = tuple(replace(e, command=from_root[e.path]) for e in sub.map.entrypoints)
    own_docs = [] if single else sub.docs
    docstring = ""
    if sub.main is not None and sub.main.path in sub.project.summaries:
        docstring = sub.project.summaries[sub.main.path].docstring
    return Subproject(
        path=unit.path,
        about=describe(unit, own_docs, top.docs, units, docstring),
        evidence=unit.evidence,
        workdir=workdir,
        workdir_evidence=None if why_cd is None else prefix + why_cd,
        main_entrypoint=None if sub.main is None else replace(sub.main, command=from_root[sub.main.path]),
        map=replace(sub.map, entrypoints=entrypoints),
    )
