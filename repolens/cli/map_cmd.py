"""`repolens map`: the shell around `repolens.mapper.build_map` and `repolens.output.map`.

Exit codes: 0 a map was made (problems with single files are listed, not fatal); 2 unusable
arguments (a missing path, a clone that failed, an unknown format).
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, Optional

import typer
from rich.console import Console
from rich.text import Text

from repolens.output import write_atomic
from repolens.output.map import FORMATS, SUFFIX_FORMATS, MapFormat, render_map
from repolens.textsafe import printable

ProgressCallback = Callable[[int, int], None]


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


@contextmanager
def _progress(enabled: bool) -> Iterator[Optional[ProgressCallback]]:
    """A transient progress bar on stderr, or no callback at all."""
    if not enabled:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("mapping"), BarColumn(), MofNCompleteColumn(), TextColumn("files"),
                  TimeElapsedColumn(), console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("map", total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


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


def run_map(target: str, fmt: Optional[str], output: Optional[Path], jobs: Optional[int]) -> int:
    from repolens.mapper import MapError, build_map

    chosen = pick_format(fmt, output)
    err = _stderr()
    show_progress = chosen == "rich" and sys.stderr.isatty()
    try:
        with _progress(show_progress) as progress:
            repo_map = build_map(target, jobs=jobs, progress=progress)
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
        from repolens.output.map.rich_view import WIDTH, map_renderable

        # The Problems section is part of the map itself. The map is laid out for 100 columns:
        # narrower on a narrow terminal, never wider; piped, it is plain 100-column text.
        console = Console(highlight=False)
        if console.is_terminal:
            console.width = min(console.width, WIDTH)
            console.print(map_renderable(repo_map))
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
    ) -> None:
        """Map a repository: file roles, entrypoints, where to start reading, repo card, environment."""
        code = run_map(target, fmt, output, jobs)
        if code:
            raise typer.Exit(code)
