"""One file's way through the stages: read and parse, rules, suppressions, fixes, findings.

    parse.load -> rulepass.active_rules (needles) -> parse.parse -> rulepass.run_rules_isolated
    -> suppress.unsuppressed -> fixes.fix_loop (when asked) -> findings

This is the part of a run that needs libcst and the rule classes; `repolens.lint.engine` imports
it only when some file is not answered by the cache, so a warm run never pays for either.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from typing import Any, Mapping, Sequence

import libcst as cst

from repolens.discover.notebook import NotebookSource
from repolens import deepstack
from repolens.discover.source import encode_source, snapshot
from repolens.atomic import write_atomic
from repolens.lint.facts import FileFacts, ProjectFacts
from repolens.lint.fixes import fix_loop, unified_diff
from repolens.lint.model import FileResult, Finding
from repolens.lint.parse import file_stat, load_target, parse
from repolens.lint.rule import Report, Rule
from repolens.lint.rulepass import active_rules, run_rules, run_rules_isolated
from repolens.lint.settings import SYNTAX_ERROR, LintSettings
from repolens.lint.suppress import unsuppressed
from repolens.lint.syntaxhints import is_template, syntax_hint
from repolens.lint.targets import Target
from repolens.lint.trainflow import is_unit_test

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

    def text_job(self, rel: str) -> "TextJob":
        return TextJob(self.rules, self.facts_for(rel), self.settings.options, self.settings.target_version,
                       self.settings.ignored_for_path(rel))


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


def _syntax_findings(settings: LintSettings, rel: str, line: int, column: int, message: str,
                     nb: NotebookSource | None, code: str) -> tuple[Finding, ...]:
    """RL000 for a file that does not parse, unless it is not asked for or the file is a Jinja template."""
    if not settings.report_syntax_errors or settings.is_ignored(rel, SYNTAX_ERROR.code, SYNTAX_ERROR.name) \
            or is_template(code, line):
        return ()
    hint = syntax_hint(code, line)  # read on the code as parsed, before a notebook's cell mapping
    cell = None
    if nb is not None:
        cell, line = nb.locate(line)
    return (Finding(path=rel, line=line, column=max(1, column), rule=SYNTAX_ERROR.code, name=SYNTAX_ERROR.name,
                    severity=settings.severity_of(SYNTAX_ERROR), end_line=line, end_column=max(1, column) + 1,
                    message=f"syntax error: {message}" + (f" ({hint})" if hint else ""), cell=cell),)


# -- one text: parse, rules, suppressions, fixes (the engine and the test API both run these) -----
@dataclass(frozen=True)
class TextJob:
    """How to lint one text: the enabled rules and what they are judged with."""

    rules: Sequence[type[Rule]]
    facts: ProjectFacts
    options: Mapping[str, Mapping[str, Any]]
    target_version: tuple[int, ...] | None
    ignored: tuple[str, ...] = ()  # the per-file-ignores selectors that apply to this file
    isolate: bool = True  # a crashing rule loses its findings (engine) instead of raising (tests)


def lint_source(code: str, rel: str, job: TextJob, active: Sequence[type[Rule]] | None = None
                ) -> tuple[cst.Module, list[Report], list[str]]:
    """Parse `code` and run the rules whose needles occur in it (`active`, when the caller has
    them already); the reports that survive per-file-ignores and suppression comments, and the
    problems (crashed rules). Raises libcst.ParserSyntaxError when the text does not parse."""
    if active is None:
        active = active_rules(job.rules, code)
    module, context = parse(code, rel, job.facts, job.target_version)
    if job.isolate:
        reports, problems = run_rules_isolated(module, context, active, job.options)
    else:
        reports, problems = run_rules(module, context, active, job.options), []
    by_code = {r.code: r for r in active}
    kept = unsuppressed(reports, by_code, job.ignored, rel, code, lambda r: r.position.start.line)
    if is_unit_test(rel, code):  # a unit test is no training run: its loaders and loops cost no GPU time
        kept = [r for r in kept if not by_code[r.code].quiet_in_tests]
    if job.facts.dead_code:  # a helper nothing in the project names never runs: its loads cost nothing
        kept = [r for r in kept if not (by_code[r.code].quiet_in_dead_code
                                        and job.facts.in_dead_code(rel, r.position.start.line))]
    return module, kept, problems


def fix_source(code: str, rel: str, job: TextJob, module: cst.Module, reports: Sequence[Report], *,
               unsafe: bool) -> tuple[str, int, str | None]:
    """THE fix loop over `lint_source`: (new code, fixes applied, refusal reason)."""
    def relint(text: str) -> tuple[cst.Module, list[Report]]:
        new_module, new_reports, _ = lint_source(text, rel, job)
        return new_module, new_reports

    return fix_loop(code, rel, module, reports, relint, unsafe=unsafe)


def lint_target(target: Target, job: _Job) -> FileResult:
    try:
        return _lint_target(target, job)
    except RecursionError:  # absurdly deep nesting: all of it again in a deep-stack thread
        return deepstack.call(_lint_target, target, job)


def _lint_target(target: Target, job: _Job) -> FileResult:
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
    text_job = job.text_job(rel)
    ff = job.file_facts.get(rel)
    # an MXNet / TensorFlow / JAX file beside the PyTorch code: the rules' questions are about torch
    active = [] if ff is not None and ff.other_framework else active_rules(job.rules, code)
    if not active or (ff is not None and ff.syntax_error is not None):
        # nothing can match: no parse. `ast` (facts pass) still tells whether the file parses; and
        # CPython's verdict decides: libcst accepts some forms CPython 3 refuses (`except E, e:`)
        findings: tuple[Finding, ...] = ()
        if ff is not None and ff.syntax_error is not None:
            line, col, msg = ff.syntax_error
            findings = _syntax_findings(settings, rel, line, col, msg, nb, code)
        return replace(base, findings=findings, problems=tuple(problems))
    try:
        module, reports, rule_problems = lint_source(code, rel, text_job, active)
    except cst.ParserSyntaxError as exc:
        msg = exc.message.split(": ", 1)[-1] if exc.message.startswith("parser error") else exc.message
        if ff is not None:
            # CPython parsed the file (its errors returned above), so it is valid Python that libcst's
            # tokenizer refuses (a tab-indented block inside a space-indented one, hendrycks/ss-ood's
            # train_ss.py: RL000 judged wrong): the rules could not check it, which is ours to say
            problems.append(f"{rel}:{exc.raw_line}: not checked: Python parses this file but libcst does not ({msg})")
            return replace(base, problems=tuple(problems), parsed=True)
        findings = _syntax_findings(settings, rel, exc.raw_line, exc.raw_column + 1, msg, nb, code)
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
            new_code, fixes_applied, refusal = fix_source(code, rel, text_job, module, reports, unsafe=job.unsafe)
            if refusal:
                problems.append(f"{rel}: {refusal}")
            if new_code != code:
                if job.fix_mode == "diff":
                    diff = unified_diff(rel, code, new_code)
                else:
                    try:
                        write_atomic(target.path, encode_source(new_code, loaded.source),
                                     expect=snapshot(loaded.source))
                    except OSError as exc:
                        problems.append(f"{rel}: fixes not written: {exc.strerror or exc}")
                        fixes_applied = 0
                    else:
                        code = new_code
                        module, reports, _ = lint_source(code, rel, text_job)
                        mtime, size = file_stat(target.path)
                        digest = hashlib.sha256(encode_source(code, loaded.source)).hexdigest()
                        base = replace(base, mtime_ns=mtime, size=size, digest=digest)

    by_code = {r.code: r for r in job.rules}  # a fix may have woken a rule that `active` lacks
    findings = tuple(_finding(by_code[r.code], settings, rel, r, nb) for r in reports)
    return replace(base, findings=findings, problems=tuple(problems), parsed=True,
                   fixes_applied=fixes_applied, diff=diff, cacheable=diff is None)
