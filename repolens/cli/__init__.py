"""The command-line shell: parses arguments, calls the library, formats, picks the exit code.

Each command lives in its own module with a `register(app)` function, so the commands can grow
independently. Exit codes follow ruff: 0 clean, 1 findings, 2 usage or configuration error.
"""

from __future__ import annotations

import typer

from repolens import __version__
from repolens.cli import lint_cmd, map_cmd, probe_cmd

app = typer.Typer(
    name="repolens",
    help="Static code-and-repo analyzer for PyTorch projects.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"repolens {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version_callback, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """repolens: map, lint and probe PyTorch repositories."""


map_cmd.register(app)
lint_cmd.register(app)
probe_cmd.register(app)


def main() -> None:
    app()
