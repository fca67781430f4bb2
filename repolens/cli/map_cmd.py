"""`repolens map`: the shell around `repolens.mapper.build_map` and `repolens.output.map`.

Exit codes: 0 a map was made (problems with single files are listed, not fatal); 2 unusable
arguments (a missing path, a clone that failed, an unknown format).
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional

import typer
from rich.console import Console
from rich.text import Text

from repolens.gitinfo import DEFAULT_CLONE_TIMEOUT_S
from repolens.output import write_atomic
from repolens.output.map import FORMATS, SUFFIX_FORMATS, MapFormat, render_map
from repolens.textsafe import printable

def _stderr() -> Console:
    # highlight=False: the message is plain text; soft_wrap: one logical line whatever the width.
    return Console(stderr=True, highlight=False, soft_wrap=True)


def pick_format(fmt: Optional[str], output: Optional[Path]) -> MapFormat:
    """`--format`, else the output file's suffix (`map.html` -> html), else rich."""
    if fmt is not None:
        value = fmt.strip().lower()
        if value not in FORMATS:
            raise typer.BadParameter(f"{fmt!r} is not one of {', '.join(FORMATS)}", param_hint="--format")
        return value  # type: ignore[return-value]
    if output is not None:
        return SUFFIX_FORMATS.get(output.suffix.lower(), "rich")
    return "rich"


class _Bar:
    """The progress callbacks `build_map` takes, drawn as one transient line."""

    def __init__(self, bar, task) -> None:  # bar: rich.progress.Progress
        self.bar = bar
        self.task = task

    def stage(self, text: str) -> None:
        # "cloning URL" has no count to show; "mapping" counts files once the total is known.
        self.bar.update(self.task, description=text, total=None, completed=0,
                        unit="files" if text == "mapping" else "")
        self.bar.refresh()  # a stage is news: draw it now, not at the next tick

    def update(self, done: int, total: int) -> None:
        self.bar.update(self.task, completed=done, total=total)


@contextmanager
def _progress(enabled: bool) -> Iterator[Optional[_Bar]]:
    """A transient progress line on stderr (what is happening, then files mapped), or nothing."""
    if not enabled:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[unit]}"),
                  TimeElapsedColumn(), console=Console(stderr=True), transient=True) as bar:
        yield _Bar(bar, bar.add_task("starting", total=None, unit=""))


def _piped_width() -> int:
    """COLUMNS when it is a sensible width (`COLUMNS=$COLUMNS repolens map | less`), else 100."""
    from repolens.output.map.rich_view import MIN_WIDTH, WIDTH

    raw = os.environ.get("COLUMNS", "").strip()
    return max(MIN_WIDTH, int(raw)) if raw.isdigit() and int(raw) > 0 else WIDTH


def _report_problems(problems: tuple[str, ...], err: Console) -> None:
    """For machine formats on stdout: the problems on stderr, briefly."""
    if not problems:
        return
    plural = "s" if len(problems) != 1 else ""
    err.print(Text(f"repolens map: {len(problems)} problem{plural} (the run went on):", style="yellow"))
    for problem in problems[:10]:
        err.print(Text(f"  {printable(problem)}", style="yellow"))
    if len(problems) > 10:
        err.print(Text(f"  ... and {len(problems) - 10} more in the JSON's \"problems\"", style="yellow"))


def run_map(target: str, fmt: Optional[str], output: Optional[Path], jobs: Optional[int],
            clone_timeout: float = DEFAULT_CLONE_TIMEOUT_S) -> int:
    from repolens.mapper import MapError, build_map

    chosen = pick_format(fmt, output)
    err = _stderr()
    show_progress = chosen == "rich" and sys.stderr.isatty()
    try:
        with _progress(show_progress) as bar:
            repo_map = build_map(target, jobs=jobs, progress=bar.update if bar else None,
                                 status=bar.stage if bar else None, clone_timeout=clone_timeout)
    except MapError as exc:
        err.print(Text(f"repolens map: error: {exc}", style="bold red"))
        return 2

    if output is not None:
        try:
            written = write_atomic(output, render_map(repo_map, chosen))
        except OSError as exc:
            err.print(Text(f"repolens map: error: cannot write {output}: {exc.strerror or exc}", style="bold red"))
            return 2
        err.print(Text(f"Wrote the {chosen} reading map of {target} to {written}"))
        if repo_map.problems:
            plural = "s" if len(repo_map.problems) != 1 else ""
            err.print(Text(f"{len(repo_map.problems)} problem{plural}: see its Problems section", style="yellow"))
        return 0

    if chosen == "rich":
        from repolens.output.map.rich_view import map_renderable

        # The Problems section is part of the map itself. On a terminal the map takes its width;
        # piped, the width COLUMNS says (100 without it), as plain text.
        console = Console(highlight=False)
        if console.is_terminal:
            console.print(map_renderable(repo_map))
            return 0
        sys.stdout.write(render_map(repo_map, chosen, width=_piped_width()))
        sys.stdout.flush()
        return 0
    sys.stdout.write(render_map(repo_map, chosen))
    sys.stdout.flush()
    if chosen == "json":
        _report_problems(repo_map.problems, err)
    return 0


def register(app: typer.Typer) -> None:
    @app.command("map")
    def map_command(
        target: str = typer.Argument(".", metavar="TARGET", help="A folder, a local git repository, or a git URL to clone."),
        fmt: Optional[str] = typer.Option(
            None, "--format", "-f", metavar="[rich|json|markdown|html]",
            help="Output format. Default: rich, or the --output file's suffix (.json, .md, .html)."),
        output: Optional[Path] = typer.Option(
            None, "--output", "-o", dir_okay=False, help="Write the map to FILE (atomically) instead of stdout."),
        jobs: Optional[int] = typer.Option(
            None, "--jobs", "-j", min=1, help="Worker processes for reading files. Default: all cores."),
        clone_timeout: float = typer.Option(
            DEFAULT_CLONE_TIMEOUT_S, "--clone-timeout", min=1, metavar="SECONDS",
            help="Give up on cloning a git URL after this many seconds."),
    ) -> None:
        """Map a repository: file roles, entrypoints, where to start reading, repo card, environment."""
        code = run_map(target, fmt, output, jobs, clone_timeout)
        if code:
            raise typer.Exit(code)
