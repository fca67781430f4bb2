"""repolens: a static code-and-repo analyzer for PyTorch projects.

The package is a library that returns data (frozen dataclasses); `repolens.cli` is the thin
typer shell that presents it. Nothing below the CLI prints.
"""

__version__ = "0.1.0"
