"""Presentation: turns the data the library returns into text for people and machines.

One sub-package per command (`output.map`, ...), one module per format. Formatters return
strings or rich renderables; only `repolens.cli` prints. `write_atomic` is here because every
command's `--output FILE` needs it (one implementation: `repolens.atomic`).
"""

from __future__ import annotations

from repolens.atomic import write_text_atomic as write_atomic

__all__ = ["write_atomic"]
