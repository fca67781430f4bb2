"""`--format rich` (the default): the reading map as rich renderables for a terminal.

Every piece of the analysed repository (file names, signals, commands) goes into `Text` objects,
never into markup strings, so a file named `[red]x.py` prints as itself.
"""

from __future__ import annotations

import io

from rich import box
from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.panel import Panel
from rich.rule import Rule
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from repolens.mapper.model import FileRole, ReadingStep, RepoMap
from repolens.output.map import presentation as p
from repolens.output.map.recipe_rows import NO_RECIPE, recipe_heading, recipe_rows

WIDTH = 100  # piped or written to a file without COLUMNS
MIN_WIDTH = 40  # narrower than this, no table can hold a path and its reason


def map_renderable(repo_map: RepoMap) -> RenderableType:
    parts: list[RenderableType] = [_header(repo_map)]
    parts += _section("Start here", _start_here(repo_map))
    if repo_map.subprojects:
        parts += _section(f"Sub-projects  {len(repo_map.subprojects)}", _subprojects(repo_map))
    parts += _section("Entrypoints", _entrypoints(repo_map))
    parts += _section("Training recipe", _recipe(repo_map))
    if repo_map.support_files:
        parts += _section("Configs and scripts", _support(repo_map))
    parts += _section("Files", _files(repo_map))
    ok, total = p.card_score(repo_map)
    parts += _section(f"Repo card  {ok}/{total}", _card(repo_map))
    parts += _section("Environment", _environment(repo_map))
    if repo_map.problems:
        parts += _section("Problems", _problems(repo_map), style="yellow")
    return Group(*parts)


def map_to_text(repo_map: RepoMap, *, width: int = WIDTH, color: bool = False) -> str:
    """The rich map as a string: plain text for files, ANSI colours when `color`."""
    buffer = io.StringIO()
    console = Console(
        file=buffer, width=width, force_terminal=color, no_color=not color,
        color_system="truecolor" if color else None, highlight=False, emoji=False,
    )
    console.print(map_renderable(repo_map))
    # Tables pad every line to the full width; a file should not carry that padding.
    return "\n".join(line.rstrip() for line in buffer.getvalue().splitlines()) + "\n"


def _t(text: str, style: str = "") -> Text:
    """Repository text as a Text: never parsed as markup, always on one line."""
    return Text(p.one_line(text), style=style)


def role_badge(role: str) -> Text:
    return Text(f" {role} ", style=f"bold white on {p.ROLE_COLOURS.get(role, '#555555')}")


def _section(title: str, body: RenderableType, style: str = "bold cyan") -> list[RenderableType]:
    return [Text(""), Rule(Text(title, style=style), align="left", style="dim"), Padding(body, (0, 0, 0, 1))]


def _header(repo_map: RepoMap) -> RenderableType:
    title = _t(p.repo_name(repo_map.root), "bold")
    title.append("  reading map", style="dim")
    if repo_map.git is not None:
        title.append(p.one_line(f"   git {p.short_head(repo_map.git.head)}"), style="dim")
    body = Group(title, _t(p.summary_line(repo_map)), _t(f"root: {repo_map.root}", "dim"))
    return Panel(body, box=box.ROUNDED, border_style="cyan", expand=True)


def _start_here(repo_map: RepoMap) -> RenderableType:
    if not repo_map.reading_order:
        return Text("No reading order could be built (no README, entrypoint or model found).", style="dim")
    first, then = p.reading_tiers(repo_map)
    parts: list[RenderableType] = [_steps(first)]
    if then:
        parts += [Text.assemble((p.THEN_TITLE, "bold"), (f"  {p.THEN_NOTE}", "dim")), _steps(then)]
    return Group(*parts)


def _steps(numbered: list[tuple[int, ReadingStep]]) -> RenderableType:
    table = Table(box=None, show_header=False, padding=(0, 1))
    table.add_column("#", justify="right", style="bold", no_wrap=True)
    table.add_column("step", overflow="fold")
    for i, step in numbered:
        text = Text()  # spans, not a base style: the why line must not inherit the bold
        text.append(p.one_line(p.step_location(step)), style="bold")
        if step.symbol:
            text.append(p.one_line(f"  {step.symbol}"), style="cyan")
        if step.core:
            text.append("  ★ core model", style="bold yellow")
        text.append("\n")
        text.append(p.one_line(step.why), style="dim")
        table.add_row(f"{i}.", text)
    return table


def _subprojects(repo_map: RepoMap) -> RenderableType:
    """The collection's index, then each sub-project's own reading order and command, compactly."""
    index = Table(box=None, show_header=False, padding=(0, 1))
    index.add_column("sub-project", style="bold", max_width=40, overflow="fold")
    index.add_column("what", overflow="fold")
    rows = p.subproject_rows(repo_map)
    for row in rows:
        what = Text()
        what.append(p.one_line(row.about or "(no description found)"), style="" if row.about else "dim")
        what.append("\n")
        what.append(p.one_line(row.command or "(no command found)"), style="green" if row.command else "dim")
        what.append("\n")
        what.append(p.one_line(p.core_text(row.core)), style="yellow" if row.core else "dim")
        index.add_row(_t(row.path, "bold"), what)
    parts: list[RenderableType] = [Text(p.SUBPROJECTS_NOTE, style="dim"), index]
    for row in rows:
        parts += [Text(""), Text.assemble((p.one_line(row.path), "bold cyan"), ("  reading order", "dim"))]
        first, _ = p.reading_tiers(row.view)
        parts.append(_steps(first) if first else Text("no reading order", style="dim"))
    return Group(*parts)


def _support(repo_map: RepoMap) -> RenderableType:
    table = Table(box=None, show_header=False, padding=(0, 1))
    table.add_column("file", overflow="fold")
    for row in p.support_rows(repo_map):
        text = Text()
        text.append(p.one_line(row.path), style="bold")
        text.append("  ")
        text.append_text(role_badge(row.role))
        if row.file is not None:
            text.append(f" {row.file.lines} lines", style="dim")
        text.append("\n")
        text.append(p.one_line(p.support_summary(row)), style="dim")
        table.add_row(text)
    return table


def _entrypoints(repo_map: RepoMap) -> RenderableType:
    if not repo_map.entrypoints:
        return Text("No entrypoint found: no README command, console script, shell script or "
                    "__main__ guard.", style="dim")
    # Two lines per entrypoint (the command, then where it was found): commands stay readable
    # at 100 columns instead of being squeezed between four columns.
    table = Table(box=None, show_header=False, padding=(0, 1))
    table.add_column("file", style="bold", max_width=36, overflow="fold")
    table.add_column("how", overflow="fold")
    for e in repo_map.entrypoints:
        how = Text()
        how.append(p.one_line(e.command) if e.command else "(no command found)", style="green" if e.command else "dim")
        how.append("\n")
        how.append(p.one_line(f"{p.entrypoint_kind(e.kind)}, {e.evidence}"), style="dim")
        table.add_row(_t(e.path, "bold"), how)
    return table


def _files(repo_map: RepoMap) -> RenderableType:
    if not repo_map.files:
        return Text("No Python files or notebooks found.", style="dim")
    root = p.file_tree(repo_map)
    tree = Tree(_t(f"{p.repo_name(repo_map.root)}/", "bold"), guide_style="dim")
    _fill(tree, root, repo_map)
    legend = Text("roles: ", style="dim")
    for role, n in p.role_counts(repo_map):
        legend.append_text(role_badge(role))
        legend.append(f" {n}  ")
    parts: list[RenderableType] = [tree, legend]
    hot = p.hot_files(repo_map)
    if hot:
        line = Text("most changed: ", style="dim")
        line.append(p.one_line(", ".join(f"{path} ({commits})" for path, commits, _ in hot)))
        parts.append(line)
    return Group(*parts)


def _fill(node: Tree, folder: p.Folder, repo_map: RepoMap) -> None:
    for sub in folder.folders:
        n = sub.count()
        label = _t(f"{sub.name}/", "bold blue")
        label.append(f"  {n} file{'s' if n != 1 else ''}", style="dim")
        _fill(node.add(label), sub, repo_map)
    for f in folder.files:
        node.add(_file_label(f, repo_map))


def _file_label(f: FileRole, repo_map: RepoMap) -> Text:
    label = Text()
    label.append(p.one_line(p.file_name(f)), style="bold")
    label.append("  ")
    label.append_text(role_badge(f.role))
    confidence_style = "yellow" if p.is_uncertain(f.confidence) else "dim"
    label.append(f" {p.confidence_text(f.confidence)}", style=confidence_style)
    for role in f.secondary:
        label.append(f" +{role}", style=p.ROLE_COLOURS.get(role, ""))
    if not f.parsed:
        label.append("  unparsed", style="bold red")
    note = p.git_note(repo_map, f.path)
    if note:
        label.append(p.one_line(f"  {note}"), style="dim")
    signal = p.telling_signal(f)
    if signal:
        label.append(p.one_line(f"  - {signal}"), style="dim italic")
    label.no_wrap = True
    label.overflow = "ellipsis"
    return label


def _card(repo_map: RepoMap) -> RenderableType:
    if not repo_map.card:
        return Text("No checklist was scored.", style="dim")
    table = Table(box=None, show_header=False, padding=(0, 1))
    table.add_column("ok", no_wrap=True)
    table.add_column("item", no_wrap=True)
    table.add_column("evidence", overflow="fold")
    for _, label, item in p.card_items(repo_map):
        mark = Text("✓", style="bold green") if item.ok else Text("✗", style="bold red")
        table.add_row(mark, _t(label), _t(item.evidence, "dim"))
    return table


def _environment(repo_map: RepoMap) -> RenderableType:
    rows = p.environment_rows(repo_map)
    if not rows:
        return Text("No framework versions declared (requirements*.txt, environment.yml, "
                    "pyproject.toml, setup.py): expect version mismatches.", style="yellow")
    table = Table(box=None, show_header=False, padding=(0, 1))
    table.add_column("package", style="bold", no_wrap=True)
    table.add_column("declared")
    for name, spec in rows:
        table.add_row(_t(name), _t(spec, "dim" if spec == "not declared" else "green"))
    return table


def _problems(repo_map: RepoMap) -> RenderableType:
    shown, more = p.problems_shown(repo_map)
    lines = [Text.assemble(("! ", "bold yellow"), _t(problem)) for problem in shown]
    if more:
        lines.append(Text(f"... and {more} more (all of them are in --format json)", style="dim"))
    return Group(*lines)


def _recipe(repo_map: RepoMap) -> RenderableType:
    recipe = repo_map.recipe
    if recipe is None:
        return Text(NO_RECIPE, style="dim")
    table = Table(box=None, show_header=False, padding=(0, 1))
    table.add_column("field", style="bold", no_wrap=True)
    table.add_column("value", overflow="fold")
    for row in recipe_rows(recipe):
        cell = Text()
        if not row.lines:
            cell.append("absent", style="yellow")
            if row.advice:
                cell.append(p.one_line(f"  {row.advice}"), style="dim")
        for i, line in enumerate(row.lines):
            if i:
                cell.append("\n")
            cell.append(p.one_line(line.value), style="green")
            cell.append(p.one_line(f"  {line.evidence}"), style="dim")
            if line.detail:
                cell.append(p.one_line(f"  ({line.detail})"), style="dim")
        table.add_row(_t(row.label), cell)
    return Group(_t(recipe_heading(recipe), "dim"), table)
