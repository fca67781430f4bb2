"""Run a function again with a deep stack when ordinary recursion is not enough.

libcst's visitors and `ast`'s walkers recurse once per nesting level: a generated `a+a+...+a`
of a few thousand terms exceeds Python's default limit (1000 frames) and used to lose every
rule's findings for the file. `call` runs the function in a thread with a big stack and a high
recursion limit; it is used only after a RecursionError, so ordinary files pay nothing.
"""

from __future__ import annotations

import sys
import threading
from typing import Any, Callable, TypeVar

T = TypeVar("T")

STACK_BYTES = 512 * 1024 * 1024  # address space only: pages are committed as the stack grows
RECURSION_LIMIT = 120_000  # about 4 KiB of stack per frame at most: far from STACK_BYTES
THREAD_NAME = "repolens-deep-stack"


def in_deep_stack() -> bool:
    return threading.current_thread().name == THREAD_NAME


def call(fn: Callable[..., T], *args: Any) -> T:
    """`fn(*args)` in a big-stack thread; its exception (RecursionError included) is re-raised here."""
    if in_deep_stack():
        return fn(*args)
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = fn(*args)
        except BaseException as exc:  # handed to the caller's thread
            box["error"] = exc

    old_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old_limit, RECURSION_LIMIT))  # process-wide; depth is per thread
    old_size = threading.stack_size()
    try:
        threading.stack_size(STACK_BYTES)
        thread = threading.Thread(target=run, name=THREAD_NAME, daemon=True)
        thread.start()
    finally:
        threading.stack_size(old_size)
    try:
        thread.join()
    finally:
        sys.setrecursionlimit(old_limit)
    if "error" in box:
        raise box["error"]
    return box["value"]
