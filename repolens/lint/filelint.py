"""Lint one file: read, pre-filter, ONE libcst parse, all rules in one traversal, fixes.

This is the part of a run that needs libcst and the rule classes; `repolens.lint.engine` imports
it only when some file is not answered by the cache, so a warm run never pays for either.
"""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass, replace
from typing import Any, Callable, Iterable, Mapping, Sequence

import libcst as cst

from repolens.discover.notebook import NotebookSource
from repolens import deepstack
from repolens.atomic import write_atomic
from repolens.discover.source import encode_source, keep_final_newline, snapshot
from repolens.lint.check import active_rules, apply_fixes, file_context, run_rules
from repolens.lint.engine import FileResult, _load, _stat
from repolens.lint.facts import FileFacts, ProjectFacts
from repolens.lint.model import Finding
from repolens.lint.rule import FileContext, Report, Rule
from repolens.lint.settings import SYNTAX_ERROR, LintSettings
from repolens.lint.suppress import suppression_map
from repolens.lint.targets import Target

MAX_FIX_ROUNDS = 10
FixMode = str  # "none" | "fix" | "diff"


# -- per-file lint ----------------------------------------------------------------------------
@dataclass(frozen=True)
class _Job:
    settings: LintSettings
    facts_by_scope: Mapping[str, ProjectFacts]  # merged facts of each project under the root
    scope_of: Mapping[str, str]  # file -> its project's folder
    file_facts: dict[str, FileFacts]
    fix_mode: FixMode
    unsafe: bool
    rules: tuple[type[Rule], ...]  # the enabled rules' classes


    def facts_for(self, rel: str) -> ProjectFacts:
        return self.facts_by_scope.get(self.scope_of.get(rel, ""), ProjectFacts())


def make_job(settings: LintSettings, facts_by_scope: Mapping[str, ProjectFacts], scope_of: Mapping[str, str],
             file_facts: dict[str, FileFacts], fix_mode: FixMode, unsafe: bool) -> "_Job":
    return _Job(settings, facts_by_scope, scope_of, file_facts, fix_mode, unsafe, tuple(settings.rule_classes()))


_STATE: _Job | None = None


def _init_worker(job: _Job) -> None:
    global _STATE
    _STATE = job


def _lint_in_worker(target: Target) -> FileResult:
    assert _STATE is not None
    return lint_target(target, _STATE)


def _finding(rule: Any, settings: LintSettings, rel: str, report: Report,
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
        severity=settings.severity.get(rule.code) or report.severity or rule.severity, end_line=end_line, end_column=end.column + 1,
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
    except RecursionError:
        if not deepstack.in_deep_stack():
            raise  # deep nesting, not a rule bug: `lint_target` runs the file again with a deep stack
        return _rules_one_by_one(module, context, rules, options)
    except Exception:  # a rule bug must not lose the whole file
        return _rules_one_by_one(module, context, rules, options)


def _rules_one_by_one(module: cst.Module, context: FileContext, rules: Sequence[type[Rule]],
                      options: Any) -> tuple[tuple[Report, ...], list[str]]:
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


def _lint_code(code: str, rel: str, rules: Sequence[type[Rule]], job: _Job
               ) -> tuple[cst.Module, list[Report], list[str]]:
    module = cst.parse_module(code)
    context = file_context(module, code, rel, job.facts_for(rel), job.settings.target_version)
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
            module, reports, _ = _lint_code(code, rel, active_rules(job.rules, code), job)
        except cst.ParserSyntaxError as exc:
            return original, 0, f"fixes skipped: the fixed code would not parse ({exc.message})"
    if code != original:
        code = keep_final_newline(original, code)
        err = _compiles(code, rel)
        if err is not None and _compiles(original, rel) is None:
            return original, 0, f"fixes skipped: the fixed code would not compile ({err})"
    return code, total, None


def _unified_diff(rel: str, before: str, after: str) -> str:
    if "\r" in before.replace("\r\n", ""):
        # CR-only (or mixed) endings: a diff is a \n-separated format, so its lines are shown with
        # \n; keeping the \r would mix terminators in one output (the file itself keeps its \r).
        return "\n".join(difflib.unified_diff(before.splitlines(), after.splitlines(),
                                               fromfile=f"a/{rel}", tofile=f"b/{rel}", lineterm="")) + "\n"
    return "".join(difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                        fromfile=f"a/{rel}", tofile=f"b/{rel}"))


def lint_target(target: Target, job: _Job) -> FileResult:
    try:
        return _lint_target(target, job)
    except RecursionError:  # absurdly deep nesting: all of it again in a deep-stack thread
        return deepstack.call(_lint_target, target, job)


def _lint_target(target: Target, job: _Job) -> FileResult:
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
    active = active_rules(job.rules, code)
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
        if isinstance(exc, RecursionError) and not deepstack.in_deep_stack():
            raise
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
                        write_atomic(target.path, encode_source(new_code, loaded.source),
                                     expect=snapshot(loaded.source))
                    except OSError as exc:  # WriteRefused too: changed, deleted or not writable
                        problems.append(f"{rel}: fixes not written: {exc.strerror or exc}")
                        fixes_applied = 0
                    else:
                        code = new_code
                        module, reports, _ = _lint_code(code, rel, active_rules(job.rules, code), job)
                        mtime, size = _stat(target.path)
                        digest = hashlib.sha256(encode_source(code, loaded.source)).hexdigest()
                        base = replace(base, mtime_ns=mtime, size=size, digest=digest)

    by_code = {r.code: r for r in active}
    findings = tuple(_finding(by_code[r.code], settings, rel, r, nb) for r in reports)
    return replace(base, findings=findings, problems=tuple(problems), parsed=True,
                   fixes_applied=fixes_applied, diff=diff, cacheable=diff is None)
