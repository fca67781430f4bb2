"""One file's way through the stages: read and parse, rules, suppressions, fixes, findings.

    parse.load -> rulepass.active_rules (needles) -> parse.parse -> rulepass.run_rules_isolated
    -> suppress.unsuppressed -> fixes.fix_loop (when asked) -> findings

This is the part of a run that needs libcst and the rule classes; `repolens.lint.engine` imports
it only when some file is not answered by the cache, so a warm run never pays for either.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from typing import Any, Callable, Mapping, Sequence

import libcst as cst

from repolens.discover.notebook import NotebookSource
from repolens.discover.source import encode_source
from repolens.atomic import write_atomic
from repolens.lint.facts import FileFacts, ProjectFacts
from repolens.lint.fixes import fix_loop, unified_diff
from repolens.lint.model import FileResult, Finding
from repolens.lint.parse import file_stat, load_target, parse
from repolens.lint.rule import Report, Rule
from repolens.lint.rulepass import active_rules, run_rules_isolated
from repolens.lint.settings import SYNTAX_ERROR, LintSettings
from repolens.lint.suppress import unsuppressed
from repolens.lint.targets import Target

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


def _lint_code(code: str, rel: str, rules: Sequence[type[Rule]], job: _Job
               ) -> tuple[cst.Module, list[Report], list[str]]:
    module, context = parse(code, rel, job.facts_for(rel), job.settings.target_version)
    reports, problems = run_rules_isolated(module, context, rules, job.settings.options)
    by_code = {r.code: r for r in rules}
    kept = unsuppressed(reports, by_code, job.settings, rel, code, lambda r: r.position.start.line)
    return module, kept, problems


def _relint(rel: str, job: _Job) -> Callable[[str], tuple[cst.Module, list[Report]]]:
    """How the fix loop lints each new text: as the first round did (needles, suppressions)."""
    def relint(text: str) -> tuple[cst.Module, list[Report]]:
        module, reports, _ = _lint_code(text, rel, active_rules(job.rules, text), job)
        return module, reports
    return relint


def lint_target(target: Target, job: _Job) -> FileResult:
    settings = job.settings
    rel = target.rel
    mtime, size = file_stat(target.path)
    loaded = load_target(target)
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
            new_code, fixes_applied, refusal = fix_loop(code, rel, module, reports, _relint(rel, job),
                                                        unsafe=job.unsafe)
            if refusal:
                problems.append(f"{rel}: {refusal}")
            if new_code != code:
                if job.fix_mode == "diff":
                    diff = unified_diff(rel, code, new_code)
                else:
                    try:
                        write_atomic(target.path, encode_source(new_code, loaded.source))
                    except OSError as exc:
                        problems.append(f"{rel}: fixes not written: {exc.strerror or exc}")
                        fixes_applied = 0
                    else:
                        code = new_code
                        module, reports, _ = _lint_code(code, rel, active_rules(job.rules, code), job)
                        mtime, size = file_stat(target.path)
                        digest = hashlib.sha256(encode_source(code, loaded.source)).hexdigest()
                        base = replace(base, mtime_ns=mtime, size=size, digest=digest)

    by_code = {r.code: r for r in active}
    findings = tuple(_finding(by_code[r.code], settings, rel, r, nb) for r in reports)
    return replace(base, findings=findings, problems=tuple(problems), parsed=True,
                   fixes_applied=fixes_applied, diff=diff, cacheable=diff is None)
