"""Time `repolens map` on a large real tree: files, lines, seconds, files/s, peak memory.

    python benchmarks/bench_map.py [PATH] [--jobs N]

Without PATH it maps the source of the transformers wheel (about 2,900 files, 1.2 M lines),
downloaded once with `pip download --no-deps transformers` into `$REPOLENS_BENCH_CACHE`
(default `~/.cache/repolens-bench`) and unzipped there. Target on a 2-core machine: < 60 s and
< 1 GiB peak RSS (the process and its workers: RUSAGE_SELF and RUSAGE_CHILDREN maxrss; the
children figure is the largest single worker, which is what each core holds at once).
Other work on the machine skews the timing: the 1-minute load average is printed with it.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from repolens.mapper import build_map  # noqa: E402


def default_tree() -> Path:
    cache = Path(os.environ.get("REPOLENS_BENCH_CACHE", Path.home() / ".cache" / "repolens-bench"))
    src = cache / "transformers-src"
    if (src / "transformers").is_dir():
        return src / "transformers"
    cache.mkdir(parents=True, exist_ok=True)
    wheels = sorted(cache.glob("transformers-*.whl"))
    if not wheels:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                        "-d", str(cache), "transformers"], check=True)
        wheels = sorted(cache.glob("transformers-*.whl"))
    with zipfile.ZipFile(wheels[-1]) as zf:
        zf.extractall(src)
    return src / "transformers"


class DescendantWatch:
    """Peak RSS (VmHWM) and CPU time of every descendant process, read from /proc (Linux).

    RUSAGE_CHILDREN only counts children that were waited for; map's workers are children of a
    forkserver, so they are watched directly too.
    """

    def __init__(self, interval: float = 0.2) -> None:
        self.peak_kib: dict[int, int] = {}
        self.cpu_ticks: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(interval,), daemon=True)

    def __enter__(self) -> "DescendantWatch":
        if Path("/proc/self/status").exists():
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _descendants(self) -> list[int]:
        parents: dict[int, int] = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                    parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
                except (OSError, ValueError, IndexError):
                    continue
        me, found, frontier = os.getpid(), [], [os.getpid()]
        while frontier:
            pid = frontier.pop()
            kids = [p for p, pp in parents.items() if pp == pid and p != me]
            found.extend(kids)
            frontier.extend(kids)
        return found

    def _run(self, interval: float) -> None:
        while not self._stop.is_set():
            for pid in self._descendants():
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                    hwm = next(int(l.split()[1]) for l in status.splitlines() if l.startswith("VmHWM:"))
                    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                except (OSError, StopIteration, ValueError, IndexError):
                    continue
                self.peak_kib[pid] = max(self.peak_kib.get(pid, 0), hwm)
                self.cpu_ticks[pid] = int(fields[11]) + int(fields[12])  # utime + stime
            self._stop.wait(interval)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("path", nargs="?", help="tree to map (default: the transformers wheel's source)")
    ap.add_argument("--jobs", type=int, default=None, help="worker processes (default: CPU count)")
    args = ap.parse_args(argv)
    tree = Path(args.path) if args.path else default_tree()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    start = time.perf_counter()
    with DescendantWatch() as watch:
        repo_map = build_map(str(tree), jobs=args.jobs)
    seconds = time.perf_counter() - start
    files = len(repo_map.files)
    lines = sum(f.lines for f in repo_map.files)
    # ru_maxrss is in KiB on Linux (bytes on macOS).
    scale = 1 if sys.platform == "darwin" else 1024
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    self_rss = me.ru_maxrss * scale
    child_rss = kids.ru_maxrss * scale
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    cpu = me.ru_utime + me.ru_stime + sum(watch.cpu_ticks.values()) / ticks
    worker_rss = max([child_rss, *(k * 1024 for k in watch.peak_kib.values())])
    all_rss = self_rss + sum(k * 1024 for k in watch.peak_kib.values())
    jobs = args.jobs or os.cpu_count() or 1
    print(f"tree           {tree}")
    print(f"files          {files}")
    print(f"lines          {lines}")
    print(f"seconds        {seconds:.1f}")
    print(f"files/s        {files / seconds:.0f}")
    print(f"CPU seconds    {cpu:.1f} (parent + workers; wall time under load is larger than CPU / cores)")
    print(f"peak RSS       parent {self_rss / 2**20:.0f} MiB, largest worker {worker_rss / 2**20:.0f} MiB, "
          f"parent + all {len(watch.peak_kib)} helper processes {all_rss / 2**20:.0f} MiB (sum of peaks)")
    print(f"jobs           {jobs}; load average before the run {load:.2f} on {os.cpu_count()} CPUs")
    print(f"problems       {len(repo_map.problems)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
