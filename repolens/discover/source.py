"""Read one source file into text, whatever its bytes: BOM, coding cookie, CRLF, Latin-1, too big.

Every problem becomes a one-line `problem` on the result; nothing raises for bad content.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import os
import stat
import tokenize
from dataclasses import dataclass
from pathlib import Path

from repolens.atomic import Snapshot

# Past this size a file is almost surely generated (protobufs, vendored bundles); parsing it
# with libcst would cost seconds and its findings would be noise.
DEFAULT_MAX_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class SourceText:
    text: str | None  # None when the file could not be read or was skipped
    encoding: str = "utf-8"
    bom: bool = False
    newline: str = "\n"
    size: int = 0
    mtime_ns: int = 0  # of the stat taken just before reading: with size and digest, what a writer checks
    digest: str = ""  # sha256 of the raw bytes: the cache key's content part
    problem: str | None = None  # one readable line; set also when text is usable but lossy
    lossy: bool = False  # text was decoded with replacements: never write it back


def decode_source(data: bytes) -> tuple[str, str, bool, str | None, bool]:
    """Return (text, encoding, bom, problem, lossy) for a Python file's bytes."""
    bom = data.startswith(codecs.BOM_UTF8)
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:  # unknown or conflicting coding cookie, or no cookie and not UTF-8
        if "invalid or missing" in str(exc):
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:  # legacy bytes with no declaration: Latin-1 never fails
                return data.decode("latin-1"), "latin-1", bom, "not valid UTF-8; read as Latin-1", True
        text = data.decode("utf-8", errors="replace")
        return text, "utf-8", bom, f"bad encoding declaration ({exc}); read as UTF-8", True
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        text = data.decode("latin-1")
        return text, "latin-1", bom, f"not valid {encoding}; read as Latin-1", True
    if text.startswith("\ufeff"):
        text = text[1:]
    return text, "utf-8" if encoding == "utf-8-sig" else encoding, bom, None, False


def read_source(path: str | os.PathLike[str], *, max_bytes: int = DEFAULT_MAX_BYTES) -> SourceText:
    p = Path(path)
    try:
        st = p.stat()
        size = st.st_size
        if not stat.S_ISREG(st.st_mode):
            # A FIFO or device named *.py would block or stream forever: never open it.
            return SourceText(None, problem="skipped: not a regular file")
        if size > max_bytes:
            return SourceText(
                None, size=size,
                problem=f"skipped: {size / 1e6:.1f} MB is larger than the {max_bytes / 1e6:.1f} MB limit (generated file?)",
            )
        data = p.read_bytes()
    except OSError as exc:
        return SourceText(None, problem=f"unreadable: {exc.strerror or exc}")
    text, encoding, bom, problem, lossy = decode_source(data)
    newline = "\r\n" if b"\r\n" in data[:65536] else "\n"
    return SourceText(
        text, encoding=encoding, bom=bom, newline=newline, size=len(data), mtime_ns=st.st_mtime_ns,
        digest=hashlib.sha256(data).hexdigest(), problem=problem, lossy=lossy,
    )


def snapshot(src: SourceText) -> Snapshot:
    """What was read, for `write_atomic(expect=...)`: the write is skipped if the file changed since."""
    return Snapshot(src.size, src.mtime_ns, src.digest)


def final_newline(text: str) -> str:
    for end in ("\r\n", "\r", "\n"):
        if text.endswith(end):
            return end
    return ""


def keep_final_newline(original: str, new: str) -> str:
    """`new` ending with the same line terminator as `original`.

    libcst's round trip drops the last `\r` of a CR-only file (and a rewrite may end a file with
    the module's default newline); a fix must not change how the file ends.
    """
    want, have = final_newline(original), final_newline(new)
    if want == have or not new:
        return new
    return new[: len(new) - len(have)] + want


def encode_source(text: str, like: SourceText) -> bytes:
    """Encode text back the way the original file was stored (encoding and BOM kept)."""
    data = text.encode(like.encoding)
    return codecs.BOM_UTF8 + data if like.bom else data
