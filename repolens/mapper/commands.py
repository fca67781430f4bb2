"""Command lines in READMEs and shell scripts, and the repository files their paths mean.

A path on a command line is relative to the folder the command runs in. For a shell script that
is its own folder after `cd "$(dirname "$0")"`, the folder a `cd sub` moved to, or (when the
script does not say) its own folder first and then the repository root, where most scripts are
started from. A README's commands run from the README's folder, moved by any `cd` in the same
code block. Commented-out lines (`# python old.py`) are not commands.

Resolution is deterministic: an ambiguous bare name (`main.py` in a monorepo of examples) goes to
the candidate nearest the command's folder, then the shortest path, then the first by name; it
never depends on set or dict order.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from repolens.comments import strip_hash_comment, unquoted
from repolens.mapper.docs import Doc

# A command line that runs python code. Launchers take options before the script.
CMD_START = re.compile(
    r"(?:^|[\s`$>(;&|])((?:CUDA_VISIBLE_DEVICES=\S+\s+|OMP_NUM_THREADS=\S+\s+|PYTHONPATH=\S+\s+)*"
    r"(?:python(?:3(?:\.\d+)?)?|torchrun|accelerate\s+launch|deepspeed|horovodrun|mpirun|srun|"
    r"uv\s+run|poetry\s+run)\s[^`\n]*)"
)
SHELL_SUFFIXES = (".sh", ".bash", ".slurm", ".zsh")

# `cd` at the start of a line (after a README's `$ ` / `> ` prompt too) or after `;`, `&&`, `|`, `(`.
_CD = re.compile(r"(?:^\s*(?:[$>]\s*)?|[;&|(]\s*)cd(?![\w.-])(?:\s+(\"[^\"]*\"|'[^']*'|[^\s;&|)]+))?")
# The script's own folder, written the usual ways: alone (`cd "$(dirname "$0")"`) or as a path prefix.
_SELF = (r"^[\"']?(?:\$\(\s*dirname\s+[\"']?\$(?:0|\{?BASH_SOURCE(?:\[0\])?\}?)[\"']?\s*\)|"
         r"`dirname\s+[\"']?\$0[\"']?`|\$\{0%/\*\})[\"']?")
_SELF_DIR = re.compile(_SELF + "$")
_SELF_PREFIX = re.compile(_SELF + "/")
_VAR_PREFIX = re.compile(r"^(?:\$\w+/|\$\{\w+\}/|.*\)/)")


@dataclass(frozen=True)
class CommandLine:
    source: str  # the README or script it was found in
    line: int  # 1-based
    text: str  # as a user would type it: no trailing comment, no backticks
    bases: tuple[str, ...]  # folders (relative to the root) a relative path on it may be relative to


def folder_of(rel: str) -> str:
    return rel.rsplit("/", 1)[0] if "/" in rel else ""


def clean(cmd: str) -> str:
    """A command as a user would type it: no trailing shell comment, no markdown backticks."""
    return re.sub(r"\s+#.*$", "", cmd.strip()).strip().strip("`").strip()


def _command_end(text: str) -> int:
    """Where one command ends: an unquoted `;`, `&&`, `||`, `|`, `&` or an unbalanced `)`."""
    depth = 0
    for i, ch in unquoted(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            if depth == 0:
                return i
            depth -= 1
        elif ch in ";|&" and depth == 0:
            return i
    return len(text)


def _join(base: str, path: str) -> str | None:
    """`base/path` normalised, or None when it leaves the repository."""
    joined = posixpath.normpath(posixpath.join(base, path)) if base else posixpath.normpath(path)
    if joined.startswith("../") or joined == ".." or joined.startswith("/"):
        return None
    return "" if joined == "." else joined


def _dedupe(items: Iterable[str | None]) -> tuple[str, ...]:
    out: list[str] = []
    for item in items:
        if item is not None and item not in out:
            out.append(item)
    return tuple(out)


class _Cwd:
    """Where the commands of one file run, as candidate folders, most likely first."""

    def __init__(self, home: str) -> None:
        self.home = home
        self.reset()

    def reset(self) -> None:
        # A script runs from its own folder or from the root; a README's commands from its folder
        # (the root, for the top README).
        self.bases = _dedupe([self.home, ""])

    def cd(self, arg: str | None) -> None:
        if arg is None or arg in ("~", "-"):
            self.bases = ()  # home or the previous folder: not in the repository as far as we know
            return
        if _SELF_DIR.match(arg):
            self.bases = (self.home,)
            return
        path = arg.strip("\"'")
        if "$" in path or "`" in path or path.startswith(("/", "~")):
            self.bases = ()
            return
        self.bases = _dedupe(_join(b, path) for b in self.bases)

    def apply(self, segment: str) -> None:
        for m in _CD.finditer(segment):
            self.cd(m.group(1))

    def current(self) -> tuple[str, ...]:
        return self.bases or _dedupe([self.home, ""])


def command_lines(source: str, lines: Iterable[str], *, shell: bool) -> list[CommandLine]:
    """Each python-running command of a README or shell script, `\\` continuations joined."""
    cwd = _Cwd(folder_of(source))
    out: list[CommandLine] = []
    lines = list(lines)
    i = 0
    while i < len(lines):
        start = i
        line = lines[i]
        while line.rstrip().endswith("\\") and i + 1 < len(lines):
            i += 1
            line = line.rstrip()[:-1] + " " + lines[i].strip()
        i += 1
        if not shell and line.lstrip().startswith(("```", "~~~")):
            cwd.reset()  # a new code block starts from the README's folder again
            continue
        if shell:
            line = strip_hash_comment(line)
        elif line.lstrip().startswith("#"):
            continue  # a commented-out command in a code block (a Markdown heading holds none)
        if not line.strip():
            continue
        subshell = line.lstrip().startswith("(")
        saved = cwd.bases
        pos = 0
        while (m := CMD_START.search(line, pos)) is not None:
            cwd.apply(line[pos:m.start(1)])  # `cd sub && python main.py`: the cd comes first
            end = m.start(1) + _command_end(m.group(1))
            out.append(CommandLine(source, start + 1, clean(line[m.start(1):end]), cwd.current()))
            pos = max(end, m.start(1) + 1)
        cwd.apply(line[pos:])
        if subshell:
            cwd.bases = saved  # `(cd sub && python main.py)` does not move the script itself
    return out


def read_shell_scripts(root: Path, other_rels: Iterable[str]) -> list[Doc]:
    """Every shell script of the repository, read once (past 500 kB it is generated, not a launcher)."""
    out: list[Doc] = []
    for rel in sorted(r for r in other_rels if r.endswith(SHELL_SUFFIXES)):
        try:
            text = (root / rel).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if len(text) <= 500_000:
            out.append(Doc(rel, tuple(text.splitlines())))
    return out


def shell_script_commands(scripts: list[Doc]) -> list[CommandLine]:
    """The python-running commands of the scripts, by script then line."""
    return [cmd for doc in scripts for cmd in command_lines(doc.rel, doc.lines, shell=True)]


class PathIndex:
    """The repository's files, to resolve a path written in a command or a string literal."""

    def __init__(self, rels: Iterable[str]) -> None:
        self.known = frozenset(rels)
        self._by_name: dict[str, list[str]] = {}
        for rel in sorted(self.known):
            self._by_name.setdefault(rel.rsplit("/", 1)[-1], []).append(rel)

    def resolve(self, written: str, bases: Iterable[str], *, tails: bool = True) -> str | None:
        """The file `written` means when read from the first of `bases` that has it.

        Else, with `tails`, a file whose path ends with it (`tools/train.py` under `src/`): the one
        nearest the first base, then the shortest, then the first by name.
        """
        path = written.strip().strip("'\"")
        bases = tuple(bases)
        if _SELF_PREFIX.match(path):  # $(dirname "$0")/train.py: the script's folder comes first
            path = _SELF_PREFIX.sub("", path)
        path = _VAR_PREFIX.sub("", path)  # $DIR/train.py, ${ROOT}/train.py: some folder of ours
        if path.startswith("./"):
            path = path[2:]
        if not path or path.startswith("/"):
            return None
        for base in (*bases, ""):
            cand = _join(base, path)
            if cand and cand in self.known:
                return cand
        if not tails:
            return None
        tail = posixpath.normpath(path)
        while tail.startswith("../"):
            tail = tail[3:]
        cands = [r for r in self._by_name.get(tail.rsplit("/", 1)[-1], ()) if r == tail or r.endswith("/" + tail)]
        if not cands:
            return None
        near = bases[0] if bases else ""
        return min(cands, key=lambda r: (-_shared_parts(r, near), r.count("/"), r))

    def unique_name(self, name: str) -> str | None:
        """The only file with this exact name, if there is exactly one."""
        cands = self._by_name.get(name, [])
        return cands[0] if len(cands) == 1 else None


def _shared_parts(rel: str, folder: str) -> int:
    if not folder:
        return 0
    a, b = folder_of(rel).split("/"), folder.split("/")
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n
