"""Git facts through gitpython: is this a repository, its HEAD, per-file history, and cloning.

Per-file commit counts and last-change dates come from ONE `git log --name-only` pass over the
history (a per-file `git log` would cost one process per file: minutes on a large repository).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from repolens import gitsafe
from repolens.mapper.model import GitFileInfo, GitInfo

_URL = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|[\w.-]+@[\w.-]+:)", re.I)
_MARK = "@@repolens-commit@@ "  # a line no file path starts with


class GitError(RuntimeError):
    """A clone or a git command failed; the message says why in one line."""


def looks_like_git_url(target: str) -> bool:
    """`https://...`, `ssh://...`, `file://...`, `git@host:owner/repo`, or a path ending in `.git`."""
    return bool(_URL.match(target)) or target.rstrip("/").endswith(".git")


def _repo(path: Path):  # -> git.Repo | None
    try:
        import git  # gitpython; imported lazily so a missing git binary only matters here
    except ImportError:  # pragma: no cover - gitpython is a hard dependency, git itself may be absent
        return None
    try:
        return gitsafe.open_repo(path, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError, git.GitCommandError, OSError):
        return None


def is_git_repo(path: str | os.PathLike[str]) -> bool:
    return _repo(Path(path)) is not None


def is_bare_repo(path: str | os.PathLike[str]) -> bool:
    p = Path(path)
    return p.is_dir() and (p / "HEAD").is_file() and (p / "objects").is_dir() and (p / "refs").is_dir()


def head_sha(path: str | os.PathLike[str]) -> str | None:
    repo = _repo(Path(path))
    if repo is None:
        return None
    try:
        return repo.head.commit.hexsha
    except (ValueError, TypeError):  # a repository with no commit yet
        return None


def git_info(path: str | os.PathLike[str]) -> GitInfo | None:
    """HEAD and per-file history of the files under `path` (paths relative to `path`).

    None for a plain folder. A repository with no commits gives an empty history.
    """
    import git

    root = Path(path).resolve()
    repo = _repo(root)
    if repo is None or repo.working_tree_dir is None:
        return None
    try:
        head = repo.head.commit.hexsha
    except (ValueError, TypeError):
        return GitInfo(head="", files={})
    top = Path(repo.working_tree_dir).resolve()
    try:
        sub = root.relative_to(top).as_posix()
    except ValueError:
        sub = "."
    prefix = "" if sub in ("", ".") else sub + "/"
    try:
        out = repo.git.execute(
            ["git", "-c", "core.quotepath=off", "log", "--no-renames", "--name-only",
             f"--format={_MARK}%cI", "HEAD", "--", sub or "."],
            with_extended_output=False, as_process=False, stdout_as_string=True,
        )
    except git.GitCommandError:
        return GitInfo(head=head, files={})
    counts: dict[str, int] = {}
    last: dict[str, str] = {}
    date = ""
    for line in str(out).split("\n"):  # not splitlines(): paths may hold odd characters
        if line.startswith(_MARK):
            date = line[len(_MARK):][:10]
            continue
        if not line or not line.startswith(prefix):
            continue
        rel = line[len(prefix):]
        counts[rel] = counts.get(rel, 0) + 1
        last.setdefault(rel, date)  # newest first: the first date seen is the last change
    return GitInfo(head=head, files={p: GitFileInfo(counts[p], last[p]) for p in counts},
                   web=web_base(_origin_url(repo), head, "" if sub in ("", ".") else sub))


def _origin_url(repo) -> str | None:  # repo: git.Repo
    try:
        return next((r.url for r in repo.remotes if r.name == "origin"), None)
    except (ValueError, OSError, AttributeError):  # a broken remote section in the config
        return None


_REMOTE = re.compile(r"^(?:(?:https?|ssh|git\+ssh)://(?:[^/@]*@)?([\w.-]+)(?::\d+)?/|(?:[\w.-]+@)?([\w.-]+):(?!/))"
                     r"([\w.-]+(?:/[\w.-]+)+)/?$", re.I)


def web_base(remote: str | None, head: str, sub: str = "") -> str | None:
    """The web address of `sub` at commit `head` on GitHub or GitLab, or None for other remotes.

    `git@github.com:owner/repo.git`, `ssh://git@github.com/owner/repo`, `https://user:token@...`
    all give `https://github.com/owner/repo/blob/<head>`; credentials are never copied.
    """
    if not remote or not head:
        return None
    m = _REMOTE.match(remote.strip())
    if m is None:
        return None
    host = (m.group(1) or m.group(2)).lower()
    label = host.split(".", 1)[0]
    if host in ("github.com", "www.github.com") or label == "github":
        blob = "blob"
    elif host == "gitlab.com" or label == "gitlab":
        blob = "-/blob"
    else:
        return None
    path = m.group(3).removesuffix(".git")
    base = f"https://{host.removeprefix('www.')}/{path}/{blob}/{head}"
    return f"{base}/{sub}" if sub else base


DEFAULT_CLONE_TIMEOUT_S = 300


def redact(url: str) -> str:
    """A URL without the secrets it may carry: an https URL's user part (often a token), any
    other URL's password (`ssh://git@host` keeps its plain user name)."""
    url = re.sub(r"^(https?://)[^/@]*@", r"\1", url, flags=re.I)
    return re.sub(r"^([a-z][a-z0-9+.-]*://[^/@:]*):[^/@]*@", r"\1@", url, flags=re.I)


def _clone_env(timeout: float) -> dict[str, str]:
    # gitsafe: no hooks (a clone runs post-checkout), no fsmonitor, whatever the user's config says
    env = {**os.environ, **gitsafe.safe_env(), "GIT_TERMINAL_PROMPT": "0", "GCM_INTERACTIVE": "never"}
    if "GIT_SSH_COMMAND" not in env and "GIT_SSH" not in env:
        # Never ask for a password or a host key (nobody is there to answer), and give up on a
        # host that does not answer instead of waiting for the TCP timeout (minutes).
        connect = max(1, min(int(timeout), 20))
        env["GIT_SSH_COMMAND"] = f"ssh -o BatchMode=yes -o ConnectTimeout={connect}"
    return env


_BOILERPLATE = ("Please make sure you have the correct access rights", "and the repository exists")


def _git_reason(stderr: str) -> str:
    """git's own reason for a failure: the tail of what it wrote, without its standard advice."""
    lines = [line.strip() for line in stderr.splitlines()
             if line.strip() and not line.strip().startswith(_BOILERPLATE)]
    return " / ".join(redact(line) for line in lines[-3:])[:500] or "git gave no reason"


@contextmanager
def cloned(source: str, *, timeout: float = DEFAULT_CLONE_TIMEOUT_S) -> Iterator[Path]:
    """Clone a git URL or a local repository into a temporary folder, removed afterwards.

    The full history is fetched (per-file commit counts need it). Gives up after `timeout`
    seconds, killing git and its helpers; the error carries git's own reason.
    """
    tmp = Path(tempfile.mkdtemp(prefix="repolens-clone-"))
    dest = tmp / "repo"
    shown = redact(source)
    try:
        # protocol.ext.allow=never: an `ext::` "URL" would run a command; never, whatever the config.
        command = ["git", "-c", "core.fsmonitor=false", "-c", "protocol.ext.allow=never", "clone", "--no-tags",
                   "--quiet", "--", source, str(dest)]
        try:
            proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.PIPE, env=_clone_env(timeout), start_new_session=True)
        except OSError as exc:
            raise GitError(f"cannot clone {shown}: cannot run git: {exc.strerror or exc}") from exc
        try:
            _, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # git and its ssh / https helpers, all of them
            proc.communicate()
            raise GitError(f"cannot clone {shown}: no result after {timeout:g} s (the clone time limit)") from None
        if proc.returncode != 0:
            raise GitError(f"cannot clone {shown}: {_git_reason(err.decode('utf-8', 'replace'))}")
        yield dest
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
