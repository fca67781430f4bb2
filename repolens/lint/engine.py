"""One lint run over a project: the facts pass, then every file's pipeline (cached, in parallel).

The stages of one file's way, each in its own module:
1. discover: `targets.collect_targets` (+ `changed` for --staged/--since) turns paths into files;
   the caller does it, it owns git filtering;
2. parse: `parse.load_target` reads a file or notebook robustly (`parse.parse`: ONE libcst parse,
   the import-alias table, the FileContext);
3. facts: `facts.file_facts`, one cheap `ast` pass per file (cached by content), merged per
   project into ProjectFacts (here);
4. rules: `rulepass` runs the rules whose needles occur in the text, all in one traversal;
5. suppressions: `suppress` drops what comments and per-file-ignores silence;
6. fixes: `fixes.fix_loop`, when asked (written atomically, re-parsed and compiled first);
7. output: `repolens.output.findings` renders the sorted findings (the CLI calls it).
`pipeline` strings 2 and 4-6 together for one file; this module adds the cache, the worker
processes and the final sort (two runs print the same bytes). Baseline filtering is
`baseline.apply_baseline`. Nothing here prints; the CLI presents `LintRun`.
"""

from __future__ import annotations

import functools
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from repolens import __version__, deepstack, procs
from repolens.lint import deadcode
from repolens.lint.cache import JsonStore, cache_location, same_file
from repolens.lint.facts import (FileFacts, ProjectFacts, facts_from_json, facts_shape, facts_to_json, file_facts,
                                 merge_facts, project_facts_digest)
from repolens.lint.model import FileResult, Finding, Severity
from repolens.lint.parse import file_stat, load_target
from repolens.lint.python2 import collapse_python2, drop_ported
from repolens.lint.scopes import project_scopes
from repolens.lint.settings import LintSettings
from repolens.lint.targets import Target
from repolens.project.environment import declared_environment_at
from repolens.project.inputsizes import config_facts_at
from repolens.project.releases import released_weights_at
from repolens.project.moduleinfo import import_prefix

# Below this many files to parse, process start-up costs more than it saves.
PARALLEL_THRESHOLD = 48

FixMode = str  # "none" | "fix" | "diff"


@dataclass(frozen=True)
class LintRun:
    root: Path
    files: tuple[str, ...]  # relative paths of the linted files
    findings: tuple[Finding, ...]  # sorted; after suppressions, per-file-ignores and baseline
    problems: tuple[str, ...] = ()  # "path: what went wrong" lines, for stderr
    fixes_applied: int = 0
    fixed_files: tuple[str, ...] = ()
    diffs: tuple[str, ...] = ()  # unified diffs (in --diff mode)
    parsed_files: int = 0  # files libcst parsed in this run (0 on a fully warm run)
    cached_files: int = 0  # files whose results came from the cache
    facts: Mapping[str, ProjectFacts] = field(default_factory=dict)  # per project folder ("" = root)


def finding_sort_key(f: Finding) -> tuple[Any, ...]:
    return (f.path, -1 if f.cell is None else f.cell, f.line, f.column, f.rule, f.end_line, f.end_column, f.message)


# -- facts pass -------------------------------------------------------------------------------
def _facts_job(target: Target, prefix: str = "") -> tuple[str, FileFacts | None, str, int, int, str | None]:
    mtime, size = file_stat(target.path)
    loaded = load_target(target)
    if loaded.code is None:
        return target.rel, None, loaded.source.digest, mtime, size, loaded.problem
    try:
        facts = file_facts(target.rel, loaded.code, prefix=prefix)
    except RecursionError:  # absurd nesting: again with a deep stack
        try:
            facts = deepstack.call(functools.partial(file_facts, prefix=prefix), target.rel, loaded.code)
        except (RecursionError, MemoryError) as exc:
            return target.rel, None, loaded.source.digest, mtime, size, \
                f"skipped: too deeply nested to analyse ({type(exc).__name__})"
    return target.rel, facts, loaded.source.digest, mtime, size, None


def _pool(workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=workers, mp_context=_fork_context(),
                               initializer=procs.init_worker, initargs=procs.init_args())


def _workers(n_jobs: int, jobs: int | None) -> int:
    if jobs is not None:
        return max(1, jobs)
    if n_jobs < PARALLEL_THRESHOLD or not hasattr(os, "fork"):
        return 1
    return max(1, min(os.cpu_count() or 1, n_jobs // (PARALLEL_THRESHOLD // 2)))


def gather_facts(
    targets: Sequence[Target], store: JsonStore | None = None, *, jobs: int | None = None, prefix: str = "",
) -> dict[str, FileFacts]:
    """Each file's facts (from the cache when its size and mtime match); merged per project by the caller."""
    per_file: dict[str, FileFacts] = {}
    todo: list[Target] = []
    for t in targets:
        entry = store.get(t.rel) if store is not None else None
        if entry is not None and same_file(entry, *file_stat(t.path)):
            try:
                per_file[t.rel] = facts_from_json(entry["facts"])
                continue
            except (KeyError, TypeError, ValueError):
                pass  # a corrupt entry: recompute
        todo.append(t)
    workers = _workers(len(todo), jobs)
    if workers > 1:
        with _pool(workers) as ex:
            results = list(ex.map(functools.partial(_facts_job, prefix=prefix), todo, chunksize=16))
    else:
        results = [_facts_job(t, prefix) for t in todo]
    for rel, facts, digest, mtime, size, _problem in results:
        if facts is None:
            continue
        per_file[rel] = facts
        if store is not None:
            store.put(rel, {"m": mtime, "s": size, "d": digest, "facts": facts_to_json(facts)})
    return per_file


# -- cache encoding ---------------------------------------------------------------------------
def _encode_findings(findings: Sequence[Finding]) -> list[list[Any]]:
    return [[f.line, f.column, f.end_line, f.end_column, f.rule, f.message, f.fixable, f.fix_safety, f.cell,
             f.severity.value] for f in findings]


def _decode_findings(rows: Any, rel: str, by_code: dict[str, Any]) -> tuple[Finding, ...]:
    out = []
    for line, column, end_line, end_column, code, message, fixable, safety, cell, severity in rows:
        rule = by_code[code]
        out.append(Finding(path=rel, line=int(line), column=int(column), rule=code, name=rule.name,
                           severity=Severity(severity), end_line=int(end_line),
                           end_column=int(end_column), message=str(message), fixable=bool(fixable),
                           fix_safety=safety, cell=cell))
    return tuple(out)


def _has_fix(entry: dict[str, Any], unsafe: bool) -> bool:
    try:
        return any(row[6] and (unsafe or row[7] != "unsafe") for row in entry["r"])
    except (KeyError, TypeError, IndexError):
        return True


# -- the run ----------------------------------------------------------------------------------
def lint_targets(
    targets: Sequence[Target],
    settings: LintSettings,
    *,
    fact_targets: Sequence[Target] | None = None,
    fix_mode: FixMode = "none",
    unsafe_fixes: bool = False,
    use_cache: bool = True,
    cache_dir: Path | None = None,
    jobs: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> LintRun:
    """Lint `targets`. `fact_targets` (default: the targets) feed the project-facts pass."""
    folder = cache_location(settings.root, cache_dir, use_cache=use_cache)
    facts_store = JsonStore(folder / "facts.json", f"{__version__}:{facts_shape()}") if folder else None
    fact_targets = fact_targets if fact_targets is not None else targets
    per_file = gather_facts(fact_targets, facts_store, jobs=jobs, prefix=import_prefix(settings.root))
    # Facts are merged per project (a folder with its own pyproject, requirements, .git ...).
    scope_of = project_scopes(settings.root, [t.rel for t in (*fact_targets, *targets)])
    scoped: dict[str, list[FileFacts]] = {}
    for rel, ff in per_file.items():
        scoped.setdefault(scope_of[rel], []).append(ff)
    configs = {scope: config_facts_at(settings.root / scope) for scope in scoped}  # (sizes, values)
    facts_by_scope = {scope: merge_facts(files, declared_environment_at(settings.root / scope),
                                         configs[scope][0],
                                         _released_weights(settings.root, scope, set(scoped)),
                                         package=deadcode.is_package(settings.root / scope),
                                         config_values=configs[scope][1],
                                         named_elsewhere=functools.partial(deadcode.mentions_under,
                                                                           settings.root / scope))
                      for scope, files in sorted(scoped.items())}
    facts_keys = {scope: project_facts_digest(f) for scope, f in facts_by_scope.items()}
    empty_key = project_facts_digest(ProjectFacts())
    lint_store = JsonStore(folder / f"lint-{settings.fingerprint()}.json", __version__) if folder else None

    by_code = settings.rule_by_code()  # severities as configured
    results: list[FileResult] = []
    todo: list[Target] = []
    cached = 0
    for t in targets:
        entry = lint_store.get(t.rel) if lint_store is not None else None
        if entry is not None and fix_mode != "none" and _has_fix(entry, unsafe_fixes):
            entry = None  # something to fix: lint it for real
        if entry is not None and entry.get("f") == facts_keys.get(scope_of[t.rel], empty_key) \
                and same_file(entry, *file_stat(t.path)):
            try:
                results.append(FileResult(rel=t.rel, findings=_decode_findings(entry["r"], t.rel, by_code),
                                          mtime_ns=entry["m"], size=entry["s"], digest=entry.get("d", "")))
                cached += 1
                continue
            except (KeyError, TypeError, ValueError):
                pass  # corrupt entry: lint again
        todo.append(t)

    done = len(results)
    total = len(targets)
    if progress:
        progress(done, total)
    if todo:
        # libcst and the rule classes are needed only now (a warm run never gets here)
        from repolens.lint import pipeline

        job = pipeline.make_job(settings, facts_by_scope, scope_of, per_file, fix_mode, unsafe_fixes)
        workers = _workers(len(todo), jobs)
        if workers > 1:
            # biggest files first, one at a time: no worker is left with a long file at the end
            todo.sort(key=lambda t: -file_stat(t.path)[1])
            with ProcessPoolExecutor(max_workers=workers, mp_context=_fork_context(),
                                     initializer=procs.init_worker,
                                     initargs=procs.init_args(pipeline._init_worker, (job,))) as ex:
                for res in ex.map(pipeline._lint_in_worker, todo, chunksize=1):
                    results.append(res)
                    done += 1
                    if progress:
                        progress(done, total)
        else:
            for t in todo:
                results.append(pipeline.lint_target(t, job))
                done += 1
                if progress:
                    progress(done, total)

    if lint_store is not None:
        for res in results:
            if res.cacheable and res.size >= 0 and res.mtime_ns and not res.problems:
                lint_store.put(res.rel, {"m": res.mtime_ns, "s": res.size, "d": res.digest,
                                         "f": facts_keys.get(scope_of[res.rel], empty_key),
                                         "r": _encode_findings(res.findings)})
        lint_store.save()
    if facts_store is not None:
        facts_store.save()

    # a Python 2 project's syntax errors are one fact, said once, and none where the project ships
    # the file ported (per-file results stay cached as they are)
    findings = [f for r in results for f in r.findings]
    findings = sorted(collapse_python2(drop_ported(findings, (r.rel for r in results))), key=finding_sort_key)
    problems = tuple(p for r in sorted(results, key=lambda r: r.rel) for p in r.problems)
    return LintRun(
        root=settings.root,
        files=tuple(sorted(t.rel for t in targets)),
        findings=tuple(findings),
        problems=problems,
        fixes_applied=sum(r.fixes_applied for r in results),
        fixed_files=tuple(sorted(r.rel for r in results if r.fixes_applied)),
        diffs=tuple(r.diff for r in sorted(results, key=lambda r: r.rel) if r.diff),
        parsed_files=sum(1 for r in results if r.parsed),
        cached_files=cached,
        facts=facts_by_scope,
    )


def _fork_context():  # type: ignore[no-untyped-def]
    # fork: the workers inherit the rule classes loaded by path (they are not importable by name)
    return procs.worker_context("fork")


def _released_weights(root: Path, scope: str, scopes: set[str]) -> tuple[str, ...] | None:
    """The weights the documents of the project at `scope` link, as evidence lines relative to the
    root like every other path of its facts. A document inside a nested project (a vendored
    baseline with its own requirements) speaks for that project, not for this one."""
    evidence = released_weights_at(root / scope)
    if not evidence:
        return evidence
    prefix = f"{scope}/" if scope else ""
    nested = tuple(f"{s}/" for s in scopes if s != scope and s.startswith(prefix))
    return tuple(f"{prefix}{e}" for e in evidence if not f"{prefix}{e}".startswith(nested))
