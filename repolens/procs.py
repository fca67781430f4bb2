"""Worker processes for `map` and `lint`: they import nothing of the analysed repository and die
with the process that started them, whatever killed it.

Why each piece (docs/robustness.md):
- A fresh interpreter started with `python -c ...` (the forkserver, the resource tracker) puts the
  current folder first on sys.path, so inside the analysed repository its `threading.py`,
  `selectors.py` or `multiprocessing/` would be imported instead of the standard library's. They
  are started with PYTHONSAFEPATH=1 (Python 3.11's `-P`): no implicit folder on sys.path.
- A forked worker inherits its parent's sys.path; `python -m repolens` puts the current folder
  there. `init_worker` drops the current folder (and '' / '.') before anything else runs.
- The forkserver imports the caller's `__main__` by default; it preloads this module instead.
- A worker blocked on its task pipe never sees EOF (it holds the pipe's write end too), so a
  parent killed by SIGKILL/SIGTERM/SIGHUP left workers running forever. Each worker watches the
  parent's pid (a pidfd on Linux, polling elsewhere) from a daemon thread and exits when it dies.
  The forkserver exits on its own when its parent dies (its `alive` pipe reaches EOF), and the
  resource tracker when the last holder of its pipe is gone.
"""

from __future__ import annotations

import os
import sys
import threading
from contextlib import contextmanager
from typing import Any, Callable, Iterator

_POLL_S = 0.5


def clean_sys_path(entries: list[str]) -> list[str]:
    """`entries` without the current folder ('' / '.' / its absolute path)."""
    try:
        cwd = os.path.realpath(os.getcwd())
    except OSError:
        cwd = None
    out = []
    for e in entries:
        if e in ("", "."):
            continue
        try:
            if cwd is not None and os.path.realpath(e) == cwd:
                continue
        except (OSError, ValueError):
            pass
        out.append(e)
    return out


@contextmanager
def _safe_path_env() -> Iterator[None]:
    """PYTHONSAFEPATH=1 for interpreters started inside the block (restored after)."""
    old = os.environ.get("PYTHONSAFEPATH")
    os.environ["PYTHONSAFEPATH"] = "1"
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("PYTHONSAFEPATH", None)
        else:
            os.environ["PYTHONSAFEPATH"] = old


def worker_context(method: str | None) -> Any:
    """A multiprocessing context for analysis workers (`method`: "fork", "forkserver" or None)."""
    import multiprocessing

    ctx = multiprocessing.get_context(method)
    if ctx.get_start_method() == "forkserver":
        from multiprocessing import forkserver, resource_tracker

        ctx.set_forkserver_preload([__name__])  # never the caller's __main__
        with _safe_path_env():
            resource_tracker.ensure_running()
            forkserver.ensure_running()
    # "spawn" (Windows only here: map asks for forkserver, lint for fork) starts each worker with
    # `python -c` when the pool grows, outside any block: not covered, see docs/robustness.md.
    return ctx


def init_args(initializer: Callable[..., None] | None = None, args: tuple[Any, ...] = ()) -> tuple[Any, ...]:
    """`initargs` for a pool whose `initializer` is `init_worker`."""
    return (os.getpid(), initializer, args)


def init_worker(parent_pid: int, initializer: Callable[..., None] | None, args: tuple[Any, ...]) -> None:
    """Run first in every worker: clean sys.path, watch the parent, then the caller's initializer."""
    sys.path[:] = clean_sys_path(sys.path)
    watch_parent(parent_pid)
    if initializer is not None:
        initializer(*args)


def watch_parent(pid: int) -> None:
    """Exit this process (no cleanup: it holds nothing to save) as soon as process `pid` is gone."""
    pidfd = None
    if hasattr(os, "pidfd_open"):
        try:
            pidfd = os.pidfd_open(pid)
        except ProcessLookupError:
            os._exit(1)  # already gone
        except OSError:
            pidfd = None  # kernel without pidfd (before 5.3): poll
    thread = threading.Thread(target=_watch, args=(pid, pidfd), name="repolens-parent-watch", daemon=True)
    thread.start()


def _watch(pid: int, pidfd: int | None) -> None:
    if pidfd is not None:
        import select

        select.select([pidfd], [], [])  # readable once the process has exited
        os._exit(1)
    import time

    ppid = os.getppid()  # the parent itself, or the forkserver that dies with it
    while True:
        if os.getppid() != ppid:  # reparented: a dead parent that is still a zombie answers kill(0)
            os._exit(1)
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            os._exit(1)
        except PermissionError:
            pass
        time.sleep(_POLL_S)
