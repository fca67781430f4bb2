"""One lint run over a project: facts pass, per-file lint (cached, in parallel), fixes, baseline.

The stages, in order:
1. `collect_targets` turned the paths into files (the caller does it: it owns git filtering);
2. facts: one cheap `ast` pass per file (cached by content), merged into ProjectFacts;
3. per file: read robustly, skip the parse when no enabled rule's needles occur in the text,
   ONE libcst parse, all rules in one batched traversal, suppressions and per-file-ignores,
   fixes when asked (written atomically, re-parsed and compiled first);
4. baseline filtering and the final sort, so two runs print the same bytes.

Nothing here prints; the CLI presents `LintRun`.
"""

from __future__ import annotations

import difflib
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import libcst as cst

from repolens import __version__
from repolens.discover.notebook import NotebookError, NotebookSource, load_notebook
from repolens.discover.source import SourceText, encode_source, read_source
from repolens.lint.atomic import write_atomic
from repolens.lint.cache import CACHE_DIR_NAME, JsonStore, prepare_cache_dir, same_file
from repolens.lint.check import apply_fixes, collect_aliases, module_package, run_rules
from repolens.lint.facts import (FileFacts, ProjectFacts, facts_from_json, facts_to_json, file_facts,
                                 merge_facts, project_facts_digest)
from repolens.lint.model import Finding
from repolens.lint.rule import FileContext, Report, Rule
from repolens.lint.settings import SYNTAX_ERROR, LintSettings
from repolens.lint.suppress import suppression_map
from repolens.lint.targets import Target

# Below this many files to parse, process start-up costs more than it saves.
PARALLEL_THRESHOLD = 48
MAX_FIX_ROUNDS = 10

FixMode = str  # "none" | "fix" | "diff"


@dataclass(frozen=True)
class FileResult:
    rel: str
    findings: tuple[Finding, ...] = ()
    problems: tuple[str, ...] = ()
    mtime_ns: int = 0
    size: int = 0
    digest: str = ""
    parsed: bool = False  # libcst parsed this file in this run
    fixes_applied: int = 0
    diff: str | None = None
    cacheable: bool = True


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
    facts: ProjectFacts = field(default_factory=ProjectFacts)


def finding_sort_key(f: Finding) -> tuple[Any, ...]:
    return (f.path, -1 if f.cell is None else f.cell, f.line, f.column, f.rule, f.end_line, f.end_column, f.message)


# -- reading ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Loaded:
    source: SourceText
    code: str | None  # Python text (a notebook's code cells joined)
    notebook: NotebookSource | None = None
    problem: str | None = None


def _load(target: Target) -> _Loaded:
    src = read_source(target.path)
    if src.text is None:
        return _Loaded(src, None, problem=src.problem)
    if target.kind == "notebook":
        try:
            nb = load_notebook(src.text)
        except NotebookError as exc:
            return _Loaded(src, None, problem=str(exc))
        return _Loaded(src, nb.code, nb, problem=src.problem)
    return _Loaded(src, src.text, problem=src.problem)


def _stat(path: Path) -> tuple[int, int]:
    try:
        st = path.stat()
        return st.st_mtime_ns, st.st_size
    except OSError:
        return 0, -1


# -- facts pass -------------------------------------------------------------------------------
def _facts_job(target: Target) -> tuple[str, FileFacts | None, str, int, int, str | None]:
    mtime, size = _stat(target.path)
    loaded = _load(target)
    if loaded.code is None:
        return target.rel, None, loaded.source.digest, mtime, size, loaded.problem
    return target.rel, file_facts(target.rel, loaded.code), loaded.source.digest, mtime, size, None


def _pool(workers: int) -> ProcessPoolExecutor:
    import multiprocessing

    # fork: the workers inherit the rule classes loaded by path (they are not importable by name)
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"))


def _workers(n_jobs: int, jobs: int | None) -> int:
    if jobs is not None:
        return max(1, jobs)
    if n_jobs < PARALLEL_THRESHOLD or not hasattr(os, "fork"):
        return 1
    return max(1, min(os.cpu_count() or 1, n_jobs // (PARALLEL_THRESHOLD // 2)))


def gather_facts(
    targets: Sequence[Target], store: JsonStore | None = None, *, jobs: int | None = None,
) -> tuple[ProjectFacts, dict[str, FileFacts]]:
    per_file: dict[str, FileFacts] = {}
    todo: list[Target] = []
    for t in targets:
        entry = store.get(t.rel) if store is not None else None
        if entry is not None and same_file(entry, *_stat(t.path)):
            try:
                per_file[t.rel] = facts_from_json(entry["facts"])
                continue
            except (KeyError, TypeError, ValueError):
                pass  # a corrupt entry: recompute
        todo.append(t)
    workers = _workers(len(todo), jobs)
    if workers > 1:
        with _pool(workers) as ex:
            results = list(ex.map(_facts_job, todo, chunksize=16))
    else:
        results = [_facts_job(t) for t in todo]
    for rel, facts, digest, mtime, size, _problem in results:
        if facts is None:
            continue
        per_file[rel] = facts
        if store is not None:
            store.put(rel, {"m": mtime, "s": size, "d": digest, "facts": facts_to_json(facts)})
    return merge_facts(per_file.values()), per_file


# -- per-file lint ----------------------------------------------------------------------------
@dataclass(frozen=True)
class _Job:
    settings: LintSettings
    facts: ProjectFacts
    file_facts: dict[str, FileFacts]
    fix_mode: FixMode
    unsafe: bool


_STATE: _Job | None = None


def _init_worker(job: _Job) -> None:
    global _STATE
    _STATE = job


def _lint_in_worker(target: Target) -> FileResult:
    assert _STATE is not None
    return lint_target(target, _STATE)


def _finding(rule: type[Rule], settings: LintSettings, rel: str, report: Report,
             nb: NotebookSource | None) -> Finding:
    start, end = report.position.start, report.position.end
    line, end_line, cell = start.line, end.line, None
    if nb is not None:
        cell, line = nb.locate(start.line)
        end_cell, end_line = nb.locate(end.line)
        if end_cell != cell:
            end_line = line
    return Finding(
        path=rel, line=line, column=start.column + 1, rule=rule.code, name=rule.name,
        severity=settings.severity_of(rule), end_line=end_line, end_column=end.column + 1,
        message=report.message, fixable=report.replacement is not None,
        fix_safety=report.fix_safety, cell=cell,
    )


def _syntax_finding(settings: LintSettings, rel: str, line: int, column: int, message: str,
                    nb: NotebookSource | None) -> Finding:
    cell = None
    if nb is not None:
        cell, line = nb.locate(line)
    return Finding(path=rel, line=line, column=max(1, column), rule=SYNTAX_ERROR.code, name=SYNTAX_ERROR.name,
                   severity=settings.severity_of(SYNTAX_ERROR), end_line=line, end_column=max(1, column) + 1,
                   message=f"syntax error: {message}", cell=cell)


def _run_rules_isolated(module: cst.Module, context: FileContext, rules: Sequence[type[Rule]],
                        options: Any) -> tuple[tuple[Report, ...], list[str]]:
    """All rules in one traversal; if one crashes, rerun them one by one to keep the others' reports."""
    try:
        return run_rules(module, context, rules, options), []
    except Exception:  # a rule bug must not lose the whole file
        reports: list[Report] = []
        problems: list[str] = []
        for rule in rules:
            try:
                reports.extend(run_rules(module, context, [rule], options))
            except Exception as exc:
                problems.append(f"{context.path}: rule {rule.code} crashed ({type(exc).__name__}: {exc}); "
                                "its findings for this file are missing")
        return tuple(reports), problems


def _kept(reports: Iterable[Report], by_code: dict[str, type[Rule]], settings: LintSettings, rel: str,
          code: str, line_of: Callable[[Report], int]) -> list[Report]:
    """Reports that survive per-file-ignores and suppression comments."""
    smap = suppression_map(code)
    out = []
    for r in reports:
        rule = by_code[r.code]
        if settings.is_ignored(rel, rule.code, rule.name):
            continue
        if smap is not None and smap.suppresses(line_of(r), rule.code, rule.name):
            continue
        out.append(r)
    return out


def _active_rules(settings: LintSettings, code: str) -> list[type[Rule]]:
    """The text pre-filter: a rule runs only when one of its needles occurs in the file."""
    return [r for r in settings.rules if not r.needles or any(n in code for n in r.needles)]


def _lint_code(code: str, rel: str, rules: Sequence[type[Rule]], job: _Job
               ) -> tuple[cst.Module, list[Report], list[str]]:
    module = cst.parse_module(code)
    context = FileContext(path=rel, source=code, aliases=collect_aliases(module, module_package(rel)),
                          facts=job.facts, target_version=job.settings.target_version)
    reports, problems = _run_rules_isolated(module, context, rules, job.settings.options)
    by_code = {r.code: r for r in rules}
    kept = _kept(reports, by_code, job.settings, rel, code, lambda r: r.position.start.line)
    return module, kept, problems


def _compiles(code: str, rel: str) -> str | None:
    """None when `code` compiles (no `exec`: compile only checks it), else the error."""
    try:
        compile(code, rel, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as exc:
        return str(exc)
    return None


def _fix(code: str, rel: str, rules: Sequence[type[Rule]], job: _Job, module: cst.Module,
         reports: list[Report]) -> tuple[str, int, str | None]:
    """Fix until a round changes nothing. Returns (new code, fixes applied, refusal reason)."""
    original = code
    total = 0
    for _ in range(MAX_FIX_ROUNDS):
        new_module, applied = apply_fixes(module, reports, unsafe=job.unsafe)
        if not applied:
            break
        new_code = new_module.code
        if new_code == code:
            break
        total += applied
        code = new_code
        try:
            module, reports, _ = _lint_code(code, rel, _active_rules(job.settings, code), job)
        except cst.ParserSyntaxError as exc:
            return original, 0, f"fixes skipped: the fixed code would not parse ({exc.message})"
    if code != original:
        err = _compiles(code, rel)
        if err is not None and _compiles(original, rel) is None:
            return original, 0, f"fixes skipped: the fixed code would not compile ({err})"
    return code, total, None


def _unified_diff(rel: str, before: str, after: str) -> str:
    return "".join(difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                        fromfile=f"a/{rel}", tofile=f"b/{rel}"))


def lint_target(target: Target, job: _Job) -> FileResult:
    settings = job.settings
    rel = target.rel
    mtime, size = _stat(target.path)
    loaded = _load(target)
    base = FileResult(rel=rel, mtime_ns=mtime, size=size, digest=loaded.source.digest)
    problems = [f"{rel}: {loaded.problem}"] if loaded.problem else []
    code = loaded.code
    if code is None:
        return replace(base, problems=tuple(problems), cacheable=False)
    nb = loaded.notebook
    active = _active_rules(settings, code)
    if not active:
        # nothing can match: no parse. `ast` (facts pass) still tells whether the file parses.
        ff = job.file_facts.get(rel)
        findings: tuple[Finding, ...] = ()
        if settings.report_syntax_errors and ff is not None and ff.syntax_error is not None:
            line, col, msg = ff.syntax_error
            if not settings.is_ignored(rel, SYNTAX_ERROR.code, SYNTAX_ERROR.name):
                findings = (_syntax_finding(settings, rel, line, col, msg, nb),)
        return replace(base, findings=findings, problems=tuple(problems))
    try:
        module, reports, rule_problems = _lint_code(code, rel, active, job)
    except cst.ParserSyntaxError as exc:
        findings = ()
        if settings.report_syntax_errors and not settings.is_ignored(rel, SYNTAX_ERROR.code, SYNTAX_ERROR.name):
            ff = job.file_facts.get(rel)
            if ff is not None and ff.syntax_error is not None:
                line, col, msg = ff.syntax_error  # CPython's position and wording are the familiar ones
            else:
                line, col = exc.raw_line, exc.raw_column + 1
                msg = exc.message.split(": ", 1)[-1] if exc.message.startswith("parser error") else exc.message
            findings = (_syntax_finding(settings, rel, line, col, msg, nb),)
        return replace(base, findings=findings, problems=tuple(problems), parsed=True)
    except (RecursionError, MemoryError) as exc:
        problems.append(f"{rel}: skipped: too deeply nested to parse ({type(exc).__name__})")
        return replace(base, problems=tuple(problems), parsed=True, cacheable=False)
    problems.extend(rule_problems)

    fixes_applied = 0
    diff = None
    wants_fix = job.fix_mode in ("fix", "diff") and any(
        r.replacement is not None and (job.unsafe or r.fix_safety != "unsafe") for r in reports)
    if wants_fix:
        if nb is not None:
            pass  # fixes are not mapped back into notebook cells (docs/lint.md says so)
        elif loaded.source.lossy:
            problems.append(f"{rel}: fixes skipped: the file was decoded with replacements, writing it back would lose bytes")
        else:
            new_code, fixes_applied, refusal = _fix(code, rel, active, job, module, reports)
            if refusal:
                problems.append(f"{rel}: {refusal}")
            if new_code != code:
                if job.fix_mode == "diff":
                    diff = _unified_diff(rel, code, new_code)
                else:
                    try:
                        write_atomic(target.path, encode_source(new_code, loaded.source))
                    except OSError as exc:
                        problems.append(f"{rel}: fixes not written: {exc.strerror or exc}")
                        fixes_applied = 0
                    else:
                        code = new_code
                        module, reports, _ = _lint_code(code, rel, _active_rules(settings, code), job)
                        mtime, size = _stat(target.path)
                        import hashlib

                        digest = hashlib.sha256(encode_source(code, loaded.source)).hexdigest()
                        base = replace(base, mtime_ns=mtime, size=size, digest=digest)

    by_code = {r.code: r for r in active}
    findings = tuple(_finding(by_code[r.code], settings, rel, r, nb) for r in reports)
    return replace(base, findings=findings, problems=tuple(problems), parsed=True,
                   fixes_applied=fixes_applied, diff=diff, cacheable=diff is None)


# -- cache encoding ---------------------------------------------------------------------------
def _encode_findings(findings: Sequence[Finding]) -> list[list[Any]]:
    return [[f.line, f.column, f.end_line, f.end_column, f.rule, f.message, f.fixable, f.fix_safety, f.cell]
            for f in findings]


def _decode_findings(rows: Any, rel: str, settings: LintSettings) -> tuple[Finding, ...]:
    by_code = settings.rule_by_code()
    out = []
    for line, column, end_line, end_column, code, message, fixable, safety, cell in rows:
        rule = by_code[code]
        out.append(Finding(path=rel, line=int(line), column=int(column), rule=code, name=rule.name,
                           severity=settings.severity_of(rule), end_line=int(end_line),
                           end_column=int(end_column), message=str(message), fixable=bool(fixable),
                           fix_safety=safety, cell=cell))
    return tuple(out)


def _has_fix(entry: dict[str, Any], unsafe: bool) -> bool:
    try:
        return any(row[6] and (unsafe or row[7] != "unsafe") for row in entry["r"])
    except (KeyError, TypeError, IndexError):
        return True


# -- the run ----------------------------------------------------------------------------------
def cache_folder(settings: LintSettings, cache_dir: Path | None) -> Path:
    return Path(cache_dir) if cache_dir is not None else settings.root / CACHE_DIR_NAME


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
    folder = prepare_cache_dir(cache_folder(settings, cache_dir)) if use_cache else None
    facts_store = JsonStore(folder / "facts.json", __version__) if folder else None
    project_facts, per_file = gather_facts(fact_targets if fact_targets is not None else targets,
                                           facts_store, jobs=jobs)
    facts_key = project_facts_digest(project_facts)
    lint_store = JsonStore(folder / f"lint-{settings.fingerprint()}.json", __version__) if folder else None

    results: list[FileResult] = []
    todo: list[Target] = []
    cached = 0
    for t in targets:
        entry = lint_store.get(t.rel) if lint_store is not None else None
        if entry is not None and fix_mode != "none" and _has_fix(entry, unsafe_fixes):
            entry = None  # something to fix: lint it for real
        if entry is not None and entry.get("f") == facts_key and same_file(entry, *_stat(t.path)):
            try:
                results.append(FileResult(rel=t.rel, findings=_decode_findings(entry["r"], t.rel, settings),
                                          mtime_ns=entry["m"], size=entry["s"], digest=entry.get("d", "")))
                cached += 1
                continue
            except (KeyError, TypeError, ValueError):
                pass  # corrupt entry: lint again
        todo.append(t)

    job = _Job(settings, project_facts, per_file, fix_mode, unsafe_fixes)
    done = len(results)
    total = len(targets)
    if progress:
        progress(done, total)
    workers = _workers(len(todo), jobs)
    if workers > 1:
        with ProcessPoolExecutor(max_workers=workers, mp_context=_fork_context(),
                                 initializer=_init_worker, initargs=(job,)) as ex:
            for res in ex.map(_lint_in_worker, todo, chunksize=8):
                results.append(res)
                done += 1
                if progress:
                    progress(done, total)
    else:
        for t in todo:
            results.append(lint_target(t, job))
            done += 1
            if progress:
                progress(done, total)

    if lint_store is not None:
        for res in results:
            if res.cacheable and res.size >= 0 and res.mtime_ns and not res.problems:
                lint_store.put(res.rel, {"m": res.mtime_ns, "s": res.size, "d": res.digest, "f": facts_key,
                                         "r": _encode_findings(res.findings)})
        lint_store.save()
    if facts_store is not None:
        facts_store.save()

    findings = sorted((f for r in results for f in r.findings), key=finding_sort_key)
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
        facts=project_facts,
    )


def _fork_context():  # type: ignore[no-untyped-def]
    import multiprocessing

    return multiprocessing.get_context("fork")
