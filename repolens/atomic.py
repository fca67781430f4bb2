"""The one writer of user files: `lint --fix`, `--add-suppressions`, `--baseline`, every `--output`.

What it promises (docs/robustness.md):
- Never half a file: the new bytes go to a temp file in the same folder, are fsynced, then
  `os.replace`d over the old one. A crash or a full disk leaves either the old file or the new one.
- Never a lost edit: given what was read (`Snapshot`: size, mtime_ns, sha256), the file is checked
  again just before it is replaced; if it changed or was deleted meanwhile, nothing is written
  (`WriteRefused`) and a deleted file is never brought back.
- The file stays the user's: a symlink is followed and its target written (the link stays a link);
  mode and owner are kept; a file the user may not write is refused, even where the folder would
  let `os.replace` swap it.
- Hard links stay linked: a file with more than one link (or whose owner a replace could not keep)
  is rewritten in place through its inode, after the space is reserved with `posix_fallocate`.
  That path is not atomic against a crash mid-write: keeping the link (what the user set up) was
  judged worth more than atomicity for this rare case; the file is fsynced before returning.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path


class WriteRefused(OSError):
    """The file was left alone on purpose; str(exc) is the one-line reason (an OSError, so every
    caller that reports a failed write reports this too)."""


@dataclass(frozen=True)
class Snapshot:
    """What a caller read: the writer replaces the file only if it still is exactly this."""

    size: int
    mtime_ns: int
    digest: str  # sha256 hex of the bytes


def snapshot_of(path: str | os.PathLike[str], data: bytes | None = None) -> Snapshot:
    """The file's current state (read again unless `data` is the bytes just read after stat)."""
    st = os.stat(path)
    if data is None:
        data = Path(path).read_bytes()
    return Snapshot(st.st_size, st.st_mtime_ns, hashlib.sha256(data).hexdigest())


def _changed(real: Path, expect: Snapshot) -> str | None:
    try:
        st = real.stat()
    except FileNotFoundError:
        return "the file was deleted after it was read; not recreated"
    if st.st_size != expect.size or st.st_mtime_ns != expect.mtime_ns:
        return "the file changed after it was read; not overwritten"
    try:
        digest = hashlib.sha256(real.read_bytes()).hexdigest()
    except OSError as exc:
        return f"the file cannot be read again: {exc.strerror or exc}"
    if expect.digest and digest != expect.digest:
        return "the file changed after it was read; not overwritten"
    return None


def write_atomic(path: str | os.PathLike[str], data: bytes, *, expect: Snapshot | None = None) -> Path:
    """Write `data` to `path` (see the module doc). Returns the path written (a link's target).

    Raises WriteRefused when the file changed, vanished or is not the user's to write, OSError
    when the system refuses.
    """
    given = Path(path)
    real = Path(os.path.realpath(given))  # a symlink's target; the link itself stays
    try:
        st: os.stat_result | None = real.stat()
    except FileNotFoundError:
        st = None
    if expect is not None:
        if st is None:
            raise WriteRefused("the file was deleted after it was read; not recreated")
    if st is not None:
        if not stat.S_ISREG(st.st_mode):
            raise WriteRefused("not a regular file; not written")
        if not os.access(real, os.W_OK):
            raise WriteRefused("you have no permission to write this file; not written")
    in_place = st is not None and (st.st_nlink > 1 or not os.access(real.parent, os.W_OK | os.X_OK))
    if in_place:
        assert st is not None
        _write_in_place(real, data, expect)
        return real
    fd, tmp = tempfile.mkstemp(dir=real.parent, prefix=f".{real.name}.", suffix=".repolens-tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if st is not None:
            os.chmod(tmp, stat.S_IMODE(st.st_mode))
            tst = os.stat(tmp)
            if (tst.st_uid, tst.st_gid) != (st.st_uid, st.st_gid):
                try:
                    os.chown(tmp, st.st_uid, st.st_gid)
                except PermissionError:
                    # the owner cannot be kept by a replace: rewrite the inode instead
                    os.unlink(tmp)
                    _write_in_place(real, data, expect)
                    return real
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        if expect is not None:
            reason = _changed(real, expect)  # as late as possible: just before the swap
            if reason is not None:
                raise WriteRefused(reason)
        os.replace(tmp, real)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return real


def _write_in_place(real: Path, data: bytes, expect: Snapshot | None) -> None:
    fd = os.open(real, os.O_WRONLY)
    try:
        if expect is not None:  # before fallocate, which may grow the file
            reason = _changed(real, expect)
            if reason is not None:
                raise WriteRefused(reason)
        if data and hasattr(os, "posix_fallocate"):
            try:
                os.posix_fallocate(fd, 0, len(data))  # ENOSPC now, before a byte is overwritten
            except OSError as exc:
                if exc.errno not in (errno.EOPNOTSUPP, errno.EINVAL):  # a file system without it
                    raise
        view = memoryview(data)
        written = 0
        while written < len(data):
            written += os.pwrite(fd, view[written:], written)
        os.ftruncate(fd, len(data))
        os.fsync(fd)
    finally:
        os.close(fd)


def write_text_atomic(path: str | os.PathLike[str], text: str) -> Path:
    """UTF-8 text, newlines as given (no translation)."""
    return write_atomic(path, text.encode("utf-8"))
