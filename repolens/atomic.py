"""Atomic file writes: a temp file in the same folder, fsync, os.replace, permissions kept.

A crash or a full disk at any moment leaves either the old file or the new one, never half.
Used by `lint --fix` / `--add-suppressions` / `--baseline` and by every command's `--output FILE`.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path


def write_atomic(path: str | os.PathLike[str], data: bytes) -> Path:
    path = Path(path)
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        mode = None
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".repolens-tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return path


def write_text_atomic(path: str | os.PathLike[str], text: str) -> Path:
    """UTF-8 text, newlines as given (no translation)."""
    return write_atomic(path, text.encode("utf-8"))
