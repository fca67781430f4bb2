"""A collection's map: what changes when a repository is made of sub-projects.

Each sub-project is mapped by the same stages as a repository (`build._analyse`); this module holds
the three things that differ: entrypoints a collection's README names for a sub-project join its
own, commands are written to run from the repository root, and the top level becomes the
collection's index (its reading order keeps the README and the files outside every sub-project;
its recipe is each sub-project's, not one of them picked as the repository's).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from repolens.mapper.commands import CommandLine, PathIndex, command_lines
from repolens.mapper.context import MapContext
from repolens.mapper.docs import Doc
from repolens.mapper.entrypoints import parse_command, program_of
from repolens.mapper.model import Entrypoint, RepoMap, Subproject, unit_folder

# Documented evidence first, as `find_entrypoints` orders its own list.
_STRENGTH = {"readme-command": 0, "console-script": 1, "shell-script": 2}
_GENERATED = ("main-guard", "script-body")  # commands repolens wrote itself: `python <path>`


def collection_commands(project: MapContext, docs: list[Doc], scripts_run: list[CommandLine]
                        ) -> list[tuple[CommandLine, str, str, bool]]:
    """(command, kind, the file it runs, whether that file's name is unique in the repository) for
    every command of the collection's README, the docs it links and its shell scripts."""
    paths = PathIndex(project.summaries)
    names = Counter(rel.rsplit("/", 1)[-1] for rel in project.summaries)
    found = [(cmd, "readme-command") for doc in docs for cmd in command_lines(doc.rel, doc.lines, shell=False)]
    found += [(cmd, "shell-script") for cmd in scripts_run]
    return [(cmd, kind, rel, names[rel.rsplit("/", 1)[-1]] == 1) for cmd, kind in found
            if (rel := program_of(cmd, paths, project)) is not None]


def inherited_entrypoints(commands: list[tuple[CommandLine, str, str, bool]], files: tuple[str, ...],
                          folder: str) -> tuple[Entrypoint, ...]:
    """The collection's commands that surely run a file of this sub-project: from its folder (a
    `cd` there), naming the file by its path from the root, or naming a file no other has. A bare
    `python main.py` under a placeholder `cd PATH_TO_PROJECT` is no sub-project's command. Paths
    relative to the sub-project's folder, evidence as seen from it (`../../README.md:66`)."""
    prefix = folder + "/" if folder else ""
    up = "../" * (folder.count("/") + 1) if folder else ""
    out = []
    for cmd, kind, rel, unique in commands:
        parsed = parse_command(cmd.text)
        named = parsed is not None and parsed[0] == "script" and parsed[1].removeprefix("./").startswith(prefix)
        if rel in files and (unique or named or folder in cmd.bases[:1]):
            out.append(Entrypoint(rel[len(prefix):], kind, cmd.text, f"{up}{cmd.source}:{cmd.line}"))
    return tuple(out)


def merge_entrypoints(own: list[Entrypoint], inherited: tuple[Entrypoint, ...]) -> list[Entrypoint]:
    """`own` and `inherited` by strength of evidence (own first at equal strength), one per path."""
    if not inherited:
        return own
    merged = sorted([*own, *inherited], key=lambda e: _STRENGTH.get(e.kind, 3))
    seen: set[str] = set()
    out = []
    for e in merged:
        if e.path not in seen:
            seen.add(e.path)
            out.append(e)
    return out


def command_from_root(e: Entrypoint, folder: str, *, run_inside: bool) -> str | None:
    """The command of a sub-project's entrypoint as typed at the repository root.

    `folder`: the sub-project's folder ("" for a script at the root: nothing to change).
    `run_inside`: its code reads paths relative to its folder, so a generated command `cd`s there.
    A command from a README or script that already names the file from the root is kept; any other
    ran where its README's `cd` put it, which is the sub-project's folder.
    """
    if e.command is None or not folder or e.kind == "console-script":
        return e.command
    if e.kind in _GENERATED:
        return f"cd {folder} && python {e.path}" if run_inside else f"python {folder}/{e.path}"
    parsed = parse_command(e.command)
    if parsed is not None and parsed[0] == "script" and parsed[1].removeprefix("./").startswith(folder + "/"):
        return e.command
    return f"cd {folder} && {e.command}"


def _inside(path: str, sub: Subproject) -> bool:
    return path == sub.path or path.startswith(sub.path + "/")


def with_subprojects(top: RepoMap, subs: tuple[Subproject, ...]) -> RepoMap:
    """The collection's top level: its entrypoints carry their sub-project's command, its reading
    order and recipe are no longer one sub-project's."""
    commands: dict[str, str | None] = {}
    for sub in subs:
        base = unit_folder(sub.path)
        prefix = base + "/" if base else ""
        for e in sub.map.entrypoints:
            commands[prefix + e.path] = e.command
    return replace(
        top,
        entrypoints=tuple(replace(e, command=commands[e.path]) if e.path in commands else e
                          for e in top.entrypoints),
        reading_order=tuple(s for s in top.reading_order if not any(_inside(s.path, sub) for sub in subs)),
        recipe=None,
        subprojects=subs,
    )
