"""`repolens lint`, `repolens rules`, `repolens explain`: the shell around `repolens.lint`.

Exit codes follow ruff: 0 nothing at or above `--fail-on`, 1 findings (or, with `--diff`,
changes to make), 2 usage or configuration error.
"""

from __future__ import annotations

import importlib.util
import json
import re
import os
import sys
from pathlib import Path
from typing import List, Optional

import typer

from repolens.lint.baseline import BaselineError, apply_baseline
from repolens.lint.cache import cache_location
from repolens.lint.catalogue import load_catalogue
from repolens.lint.config import FAIL_ON_VALUES, ConfigError, LintConfig, find_config, load_config, \
    parse_target_version
from repolens.lint.model import Severity, tier_of
from repolens.lint.registry import RuleLoadError
from repolens.lint.selection import split_selectors
from repolens.lint.settings import SYNTAX_ERROR, LintSettings, resolve_settings
from repolens.lint.suppress import write_suppressions
from repolens.lint.targets import collect_targets
from repolens.textsafe import printable

FORMATS = ("text", "json", "sarif", "github")
PROGRESS_MIN_FILES = 200  # below this a run is quick: no progress bar


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"repolens: error: {message}", err=True)
    return typer.Exit(code)


def _warn(message: str) -> None:
    # messages name files of the analysed repository: no raw newline or escape sequence
    typer.echo(f"repolens: {printable(message)}", err=True)


def _project_root(paths: list[Path], config_path: Path | None) -> Path:
    if config_path is not None:
        return config_path.resolve().parent
    cwd = Path.cwd().resolve()
    resolved = [p.resolve() for p in paths]
    if all(p == cwd or cwd in p.parents for p in resolved):
        return cwd
    first = resolved[0]
    return first if first.is_dir() else first.parent


def load_lint_config(paths: list[Path], config: Path | None) -> LintConfig:
    """The config in effect: `--config FILE`, else the nearest pyproject.toml with [tool.repolens]."""
    if config is not None:
        cfg = load_config(config)
        return cfg
    found = find_config(paths[0])
    if found is not None:
        return load_config(found)
    return LintConfig(root=_project_root(paths, None))


def _threshold(fail_on: str) -> int | None:
    return None if fail_on == "never" else Severity.parse(fail_on).rank


def _render(findings, fmt: str, settings: LintSettings, color: bool) -> str:  # type: ignore[no-untyped-def]
    from repolens.output.findings import render

    return render(findings, fmt, root=settings.root, rules=settings.rule_by_code(), color=color)


def _render_statistics(findings, settings: LintSettings) -> str:  # type: ignore[no-untyped-def]
    from repolens.output.findings import render_statistics

    return render_statistics(findings, settings.rule_by_code())


def _emit(text: str, output: Path | None) -> None:
    if output is not None:
        from repolens.atomic import write_text_atomic

        try:
            output.parent.mkdir(parents=True, exist_ok=True)
            write_text_atomic(output, text)
        except OSError as exc:  # WriteRefused included
            raise _fail(f"cannot write {output}: {exc.strerror or exc}") from None
    else:
        sys.stdout.write(text if not text or text.endswith("\n") else text + "\n")
        sys.stdout.flush()


def _runtime_available() -> bool:
    """The probe package and its entry for lint (`probe_cmd.probe_project`) are present."""
    if importlib.util.find_spec("repolens.probe") is None:
        return False
    from repolens.cli import probe_cmd

    return hasattr(probe_cmd, "probe_project")


_NO_PROJECT_RULES = typer.Option(
    False, "--no-project-rules", envvar="REPOLENS_NO_PROJECT_RULES",
    help="Never import the rule folders a project's config names (`extend-rules`): for linting code you do not trust.")


def _trusted(cfg: LintConfig, *, explicit: bool, no_project_rules: bool, quiet: bool = False) -> LintConfig:
    """The config with only the rule folders this run may import; says which on stderr."""
    from repolens.lint.trust import decide

    trust = decide(cfg, explicit=explicit, allow=not no_project_rules, cwd=Path.cwd())
    if trust.refused:
        _warn(f"not loading the rule folders of extend-rules ({', '.join(map(str, trust.refused))}): {trust.reason}")
    elif trust.loaded and not quiet:
        _warn(f"loading rules from {', '.join(map(str, trust.loaded))} (extend-rules of {cfg.path or 'the config'})")
    return trust.config


def register(app: typer.Typer) -> None:
    @app.command("lint")
    def lint_command(
        paths: List[Path] = typer.Argument(None, help="Files or folders to lint (default: the current folder)."),
        select: Optional[List[str]] = typer.Option(None, "--select", help="Rules to enable: codes, prefixes (RL1), names or ALL; comma-separated, repeatable. Replaces the config's `select`."),
        extend_select: Optional[List[str]] = typer.Option(None, "--extend-select", help="Rules to enable on top of the selection."),
        ignore: Optional[List[str]] = typer.Option(None, "--ignore", help="Rules to disable (codes, prefixes, names)."),
        config: Optional[Path] = typer.Option(None, "--config", help="Config file (pyproject.toml with [tool.repolens]) instead of the nearest one."),
        fix: bool = typer.Option(False, "--fix", help="Apply safe fixes, writing files atomically."),
        unsafe_fixes: bool = typer.Option(False, "--unsafe-fixes", help="Also apply fixes that may change behaviour (with --fix or --diff)."),
        diff: bool = typer.Option(False, "--diff", help="Print the fixes as a unified diff without writing; exit 1 if there are any."),
        fmt: str = typer.Option("text", "--format", "--output-format", help="Output format: text, json, sarif or github."),
        output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the report to FILE instead of stdout."),
        statistics: bool = typer.Option(False, "--statistics", help="Print the number of findings per rule instead of the findings."),
        quiet: bool = typer.Option(False, "--quiet", "-q", help="Print the findings only: no summary, no progress."),
        fail_on: Optional[str] = typer.Option(None, "--fail-on", help="Lowest severity that makes the exit code 1: error, warning (default), info or never."),
        baseline: Optional[Path] = typer.Option(None, "--baseline", help="Findings file: written when missing (exit 0); when present, only findings not in it are reported."),
        add_suppressions: bool = typer.Option(False, "--add-suppressions", help="Write `# repolens: ignore[CODE]` comments for every current finding."),
        staged: bool = typer.Option(False, "--staged", help="Only files staged in git (index vs HEAD)."),
        since: Optional[str] = typer.Option(None, "--since", help="Only files changed since git revision REV (plus untracked files)."),
        force_exclude: bool = typer.Option(False, "--force-exclude", help="Apply `exclude` even to files named on the command line (for pre-commit)."),
        no_cache: bool = typer.Option(False, "--no-cache", help="Neither read nor write the cache."),
        cache_dir: Optional[Path] = typer.Option(None, "--cache-dir", help="Cache folder (default: .repolens_cache at the project root)."),
        target_version: Optional[str] = typer.Option(None, "--target-version", help="The project's torch version (e.g. 2.1), overriding the config."),
        jobs: Optional[int] = typer.Option(None, "--jobs", "-j", help="Worker processes (default: automatic; 1 = serial)."),
        runtime: bool = typer.Option(False, "--runtime", help="Also run the runtime probe (repolens probe); needs torch."),
        no_project_rules: bool = _NO_PROJECT_RULES,
    ) -> None:
        """Lint Python files and notebooks for PyTorch training mistakes."""
        raise typer.Exit(_lint(
            paths=list(paths or [Path(".")]), select=select, extend_select=extend_select, ignore=ignore,
            config=config, fix=fix, unsafe_fixes=unsafe_fixes, diff=diff, fmt=fmt, output=output,
            statistics=statistics, quiet=quiet, fail_on=fail_on, baseline=baseline,
            add_suppressions=add_suppressions, staged=staged, since=since, force_exclude=force_exclude,
            no_cache=no_cache, cache_dir=cache_dir, target_version=target_version, jobs=jobs, runtime=runtime,
            no_project_rules=no_project_rules,
        ))

    @app.command("rules")
    def rules_command(
        fmt: str = typer.Option("text", "--format", "--output-format", help="text or json."),
        config: Optional[Path] = typer.Option(None, "--config", help="Config file whose `extend-rules` folders to include."),
        no_project_rules: bool = _NO_PROJECT_RULES,
    ) -> None:
        """List the rule catalogue: code, name, severity, tier (default/advice/opinion), fixable, summary."""
        rules = _catalogue(config, no_project_rules)
        rows = [{"code": r.code, "name": r.name, "severity": r.severity.value, "default": bool(r.default_enabled),
                 "tier": r.tier, "tier_reason": r.tier_reason, "superseded_by": r.superseded_by or None,
                 "fixable": r.fix_safety, "summary": r.summary(), "source": r.source} for r in rules]
        if fmt == "json":
            typer.echo(json.dumps(rows, indent=2))
            return
        if fmt != "text":
            raise _fail(f"unknown format {fmt!r} (expected text or json)")
        import shutil

        # One line per rule, as `ruff rule --all` lists them; `repolens explain CODE` has the rest.
        width = shutil.get_terminal_size((120, 24)).columns
        name_width = max(len(row["name"]) for row in rows) if rows else 4
        header = f"{'code':<6} {'name':<{name_width}} {'severity':<8} {'tier':<7} {'fix':<6} summary"
        lines = [header]
        for row in rows:
            first_sentence = re.split(r"(?<=[.:])\s", row["summary"], maxsplit=1)[0].rstrip(":")
            line = (f"{row['code']:<6} {row['name']:<{name_width}} {row['severity']:<8} "
                    f"{row['tier']:<7} {row['fixable'] or '-':<6} {first_sentence}")
            lines.append(line if len(line) <= width else line[: max(width - 1, 40)] + "…")
        typer.echo("\n".join(lines))

    @app.command("explain")
    def explain_command(
        rule: str = typer.Argument(..., help="A rule code (RL101) or name (dataloader-pin-memory)."),
        config: Optional[Path] = typer.Option(None, "--config", help="Config file whose `extend-rules` folders to include."),
        no_project_rules: bool = _NO_PROJECT_RULES,
    ) -> None:
        """Print a rule's documentation with its examples."""
        rules = _catalogue(config, no_project_rules)
        match = next((r for r in rules if rule in (r.code, r.name)), None)
        if match is None:
            raise _fail(f"unknown rule {rule!r} (`repolens rules` lists them)")
        from rich.console import Console
        from rich.markdown import Markdown

        Console().print(Markdown(explain_markdown(match)))


def _catalogue(config: Path | None, no_project_rules: bool = False) -> list:  # type: ignore[type-arg]
    try:
        folders: tuple[Path, ...] = ()
        cfg_path = config or find_config(Path.cwd())
        if cfg_path is not None:
            cfg = _trusted(load_config(cfg_path), explicit=config is not None, no_project_rules=no_project_rules)
            folders = cfg.extend_rules
        rules = load_catalogue(folders)
    except (ConfigError, RuleLoadError) as exc:
        raise _fail(str(exc)) from None
    return sorted([SYNTAX_ERROR, *rules], key=lambda r: r.code)


def tier_line(rule) -> str:  # type: ignore[no-untyped-def]
    """ "Tier: advice, because ..." (and what replaced a superseded rule), for `explain` and the docs."""
    line = f"Tier: **{tier_of(rule)}**" + (f", because {rule.tier_reason}" if rule.tier_reason else "") + "."
    if rule.superseded_by:
        line += (f" `--select ADVICE` reports this through {rule.superseded_by}, one finding per entrypoint;"
                 f" this rule runs only when named.")
    return line


def explain_markdown(rule) -> str:  # type: ignore[no-untyped-def]
    """A rule's page: metadata, its doc, then its embedded examples (Fixit renders docs the same way)."""
    fix = {"safe": "yes (safe)", "unsafe": "yes (unsafe: needs --unsafe-fixes)"}.get(rule.fix_safety or "", "no")
    parts = [
        f"# {rule.code} {rule.name}",
        f"Severity: **{rule.severity.value}** · default: **{'on' if rule.default_enabled else 'off'}** · fix: **{fix}**",
        tier_line(rule),
        f"Source: {rule.source}" if rule.source else "",
        rule.doc(),
    ]
    if rule.options:
        parts.append("## Options\n" + "\n".join(f"- `{k}` (default `{v!r}`)" for k, v in rule.options.items()))
    if rule.invalid:
        parts.append("## Flagged (from the rule's tests)")
        for ex in rule.invalid:
            parts.append(f"```python\n{ex.code.rstrip()}\n```")
            if ex.fixed is not None:
                parts.append(f"Fixed:\n\n```python\n{ex.fixed.rstrip()}\n```")
    if rule.valid:
        parts.append("## Not flagged")
        parts.extend(f"```python\n{ex.code.rstrip()}\n```" for ex in rule.valid)
    return "\n\n".join(p for p in parts if p)


def _lint(*, paths: list[Path], select, extend_select, ignore, config, fix, unsafe_fixes, diff, fmt, output,  # type: ignore[no-untyped-def]
          statistics, quiet, fail_on, baseline, add_suppressions, staged, since, force_exclude, no_cache,
          cache_dir, target_version, jobs, runtime, no_project_rules=False) -> int:
    from repolens.lint.engine import lint_targets

    if fmt not in FORMATS:
        raise _fail(f"unknown format {fmt!r} (expected one of: {', '.join(FORMATS)})")
    if fail_on is not None and fail_on not in FAIL_ON_VALUES:
        raise _fail(f"--fail-on must be one of {', '.join(FAIL_ON_VALUES)}, got {fail_on!r}")
    if fix and diff:
        raise _fail("--fix and --diff exclude each other (--diff shows the fixes without writing)")
    if staged and since:
        raise _fail("--staged and --since exclude each other")
    if runtime and not _runtime_available():
        raise _fail("--runtime: the runtime probe is not available yet in this version (use `repolens probe`)")
    if runtime and (fmt != "text" or diff or output is not None):
        raise _fail("--runtime prints the probe's report after the findings: text format only, "
                    "no --diff/--output (for JSON use `repolens probe --format json`)")
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise _fail(f"no such file or folder: {', '.join(missing)}")

    try:
        cfg = load_lint_config(paths, config)
        if cfg.path is None:
            cfg = LintConfig(root=_project_root(paths, None))
        cfg = _trusted(cfg, explicit=config is not None, no_project_rules=no_project_rules,
                       quiet=quiet or fmt != "text")
        cache_folder = cache_location(cfg.root, cache_dir, use_cache=not no_cache)
        settings = resolve_settings(
            cfg, select=split_selectors(select), extend_select=split_selectors(extend_select) or (),
            ignore=split_selectors(ignore) or (), fail_on=fail_on, catalogue_cache=cache_folder,
        )
        if target_version is not None:
            try:
                settings = _with_target(settings, parse_target_version(target_version))
            except ValueError as exc:
                raise ConfigError(f"--target-version: {exc}") from None
    except (ConfigError, RuleLoadError) as exc:
        raise _fail(str(exc)) from None

    all_targets = collect_targets(paths, settings.root, exclude=settings.exclude, force_exclude=force_exclude)
    targets = list(all_targets.targets)
    if staged or since:
        from repolens.lint.changed import ChangedFilesError, changed_since, staged_files  # gitpython: only here

        try:
            _top, changed = staged_files(paths[0]) if staged else changed_since(paths[0], since)
        except ChangedFilesError as exc:
            raise _fail(str(exc)) from None
        targets = [t for t in targets if t.path in changed]
    for problem in all_targets.problems:
        _warn(problem)

    show_progress = (fmt == "text" and not quiet and output is None and sys.stderr.isatty()
                     and len(targets) >= PROGRESS_MIN_FILES)
    run = _run_with_progress(lint_targets, targets, settings, all_targets.targets, fix, diff, unsafe_fixes,
                             no_cache, cache_dir, jobs, show_progress)
    for problem in run.problems:
        _warn(problem)

    if diff:
        text = "".join(d if d.endswith("\n") else d + "\n" for d in run.diffs)
        _emit(text, output)
        if not quiet:
            n = len(run.diffs)
            _warn(f"{n} file{'s' if n != 1 else ''} would be changed" if n else "No fixes to apply.")
        return 1 if run.diffs else 0

    findings = list(run.findings)
    if fix and not quiet and run.fixes_applied:
        _warn(f"Fixed {run.fixes_applied} finding{'s' if run.fixes_applied != 1 else ''} "
              f"in {len(run.fixed_files)} file{'s' if len(run.fixed_files) != 1 else ''}.")

    if add_suppressions:
        written = write_suppressions(findings, targets, skip_rules=(SYNTAX_ERROR.code,))
        for problem in written.problems:
            _warn(problem)
        added, files = written.added, written.files
        if not quiet:
            _warn(f"Added {added} suppression comment{'s' if added != 1 else ''} to {files} file{'s' if files != 1 else ''}.")
        return 0

    if baseline is not None:
        try:
            outcome = apply_baseline(baseline, findings, targets)
        except BaselineError as exc:
            raise _fail(str(exc)) from None
        except OSError as exc:  # WriteRefused included
            raise _fail(f"cannot write the baseline {baseline}: {exc.strerror or exc}") from None
        if outcome.written:
            if not quiet:
                _warn(f"Wrote a baseline of {len(findings)} finding{'s' if len(findings) != 1 else ''} to {baseline}.")
            return 0
        findings = list(outcome.findings)

    color = fmt == "text" and output is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    if statistics:
        text = _render_statistics(findings, settings)
    elif quiet and fmt == "text" and not findings:
        text = ""
    else:
        text = _render(findings, fmt, settings, color)
        if quiet and fmt == "text":  # findings only, like ruff -q: drop the closing summary line
            body, _, _summary = text.rstrip("\n").rpartition("\n")
            text = body.rstrip("\n") + "\n" if body else ""
    _emit(text, output)

    threshold = _threshold(settings.fail_on)
    code = 1 if threshold is not None and any(f.severity.rank >= threshold for f in findings) else 0
    if runtime:
        from repolens.cli import probe_cmd

        sys.stdout.flush()
        code = max(code, probe_cmd.probe_project(settings.root, fmt="rich"))
    return code


def _with_target(settings: LintSettings, version: tuple[int, ...]) -> LintSettings:
    from dataclasses import replace

    return replace(settings, target_version=version)


def _run_with_progress(lint_targets, targets, settings, fact_targets, fix, diff, unsafe_fixes,  # type: ignore[no-untyped-def]
                       no_cache, cache_dir, jobs, show_progress):
    kwargs = dict(fact_targets=fact_targets, fix_mode="diff" if diff else ("fix" if fix else "none"),
                  unsafe_fixes=unsafe_fixes, use_cache=not no_cache, cache_dir=cache_dir, jobs=jobs)
    if not show_progress:
        return lint_targets(targets, settings, **kwargs)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), transient=True, console=_stderr_console()) as bar:
        task = bar.add_task("linting", total=len(targets))
        return lint_targets(targets, settings, progress=lambda done, total: bar.update(task, completed=done),
                            **kwargs)


def _stderr_console():  # type: ignore[no-untyped-def]
    from rich.console import Console

    return Console(stderr=True)
