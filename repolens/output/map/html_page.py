"""`--format html`: the reading map as one self-contained page, a navigator of the repository.

A diagram of the reading path (inline SVG drawn here), a search box and a role filter, links from
every file and line to the file (on its GitHub / GitLab origin at HEAD when the repository has
one, else relative to the repository root), and tables that stay inside the page at any width.
Nothing is fetched from the network: the Content-Security-Policy is `default-src 'none'`, with the
page's one inline script allowed by its sha256 hash and nothing else. The page works without the
script (everything is shown; the search tools stay hidden). Every piece of repository text goes
through `html.escape`, so a file named `<script>...</script>.py` stays text.
"""

from __future__ import annotations

import base64
import hashlib
import html
from urllib.parse import quote

from repolens import __version__
from repolens.mapper.model import FileRole, ReadingStep, RepoMap
from repolens.output.map import presentation as p
from repolens.output.map.graph import split_ref
from repolens.output.map.svg_diagram import reading_svg
from repolens.output.map.recipe_rows import NO_RECIPE, recipe_heading, recipe_rows


def _e(text: str) -> str:
    return html.escape(p.one_line(text), quote=True)


def _role_class(role: str) -> str:
    return f"role-{role}" if role in p.ROLE_COLOURS else "role-other"


def _badge(role: str, extra: str = "") -> str:
    return f'<span class="role {_role_class(role)}{extra}">{_e(role)}</span>'


def file_href(repo_map: RepoMap, path: str, line: int | None = None) -> str:
    """The file (and line) on the remote at HEAD when it is committed there, else a relative link."""
    target = quote(p.one_line(path), safe="/._-~")
    if repo_map.git is not None and repo_map.git.web and path in repo_map.git.files:
        return f"{repo_map.git.web}/{target}" + (f"#L{line}" if line else "")
    return target


def _loc_link(repo_map: RepoMap, text: str, path: str, line: int | None = None, css: str = "loc") -> str:
    return f'<a class="{css}" href="{_e(file_href(repo_map, path, line))}"><code>{_e(text)}</code></a>'


def _anchors(repo_map: RepoMap) -> dict[str, str]:
    """path -> the id of its entry on the page (generated: never repository text)."""
    out = {f.path: f"file-{i}" for i, f in enumerate(repo_map.files)}
    out.update({f.path: f"support-{i}" for i, f in enumerate(repo_map.support_files)})
    return out


def _data(path: str, role: str) -> str:
    """The attributes the search and the role filter read."""
    return f'data-path="{_e(path)}" data-role="{_e(role)}"'


def map_to_html(repo_map: RepoMap) -> str:
    name = p.repo_name(repo_map.root)
    ok, total = p.card_score(repo_map)
    anchors = _anchors(repo_map)
    sections = [
        ("start-here", "Start here", _start_here(repo_map)),
        *([("subprojects", f"Sub-projects {len(repo_map.subprojects)}", _subprojects(repo_map))]
          if repo_map.subprojects else []),
        ("diagram", "Reading path", _diagram(repo_map, anchors)),
        ("entrypoints", "Entrypoints", _entrypoints(repo_map)),
        ("recipe", "Training recipe", _recipe(repo_map)),
    ]
    if repo_map.support_files:
        sections.append(("configs-and-scripts", "Configs and scripts", _support(repo_map, anchors)))
    sections += [
        ("files", "Files", _files(repo_map, anchors)),
        ("calls", "Calls", _calls(repo_map)),
        ("card", f"Repo card {ok}/{total}", _card(repo_map)),
        ("environment", "Environment", _environment(repo_map)),
    ]
    if repo_map.problems:
        sections.append(("problems", "Problems", _problems(repo_map)))
    nav = " ".join(f'<a href="#{sid}">{_e(title)}</a>' for sid, title, _ in sections)
    meta = f"root <code>{_e(repo_map.root)}</code>"
    if repo_map.git is not None:
        meta += f" · git <code>{_e(p.short_head(repo_map.git.head))}</code>"
    if repo_map.git is not None and repo_map.git.web:
        meta += " · links open the files on the repository's origin at this commit"
    else:
        meta += " · links are relative to the repository root"
    body = "\n".join(f'<section id="{sid}">\n<h2>{_e(title)}</h2>\n{content}\n</section>'
                     for sid, title, content in sections)
    roles = sorted({f.role for f in repo_map.files} | {f.role for f in repo_map.support_files},
                   key=lambda r: (p.ROLE_ORDER.get(r, 99), r))
    options = "".join(f'<option value="{_e(r)}">{_e(r)}</option>' for r in roles)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="repolens {__version__}">
<title>Reading map: {_e(name)}</title>
<style>
{_CSS}
</style>
</head>
<body>
<header>
<h1>{_e(name)} <span class="muted">reading map</span></h1>
<p class="summary">{_e(p.summary_line(repo_map))}</p>
<p class="muted">{meta}</p>
<nav>{nav}</nav>
<div id="tools" class="tools" hidden>
<input id="search" type="search" placeholder="Search files, symbols, signals, commands" aria-label="Search">
<select id="role-filter" aria-label="Role"><option value="">all roles</option>{options}</select>
<span id="match-count" class="muted" aria-live="polite"></span>
</div>
</header>
<main>
{body}
</main>
<footer class="muted">Generated by repolens {__version__} (<code>repolens map --format html</code>). Static analysis only: nothing in the repository was imported or run.</footer>
<script>{_SCRIPT}</script>
</body>
</html>
"""


def _steps(repo_map: RepoMap, numbered: list[tuple[int, ReadingStep]], roles: dict[str, str]) -> str:
    items = []
    for number, step in numbered:
        head = _loc_link(repo_map, p.step_location(step), step.path, step.line)
        if step.symbol:
            head += f' <code class="sym">{_e(step.symbol)}</code>'
        if step.core:
            head += ' <span class="core-badge">★ core model</span>'
        css = ' class="core"' if step.core else ""
        items.append(f'<li value="{number}"{css} {_data(step.path, roles.get(step.path, "doc"))}>{head}'
                     f'<div class="why">{_e(step.why)}</div></li>')
    return '<ol class="reading">\n' + "\n".join(items) + "\n</ol>"


def _start_here(repo_map: RepoMap) -> str:
    if not repo_map.reading_order:
        return '<p class="muted">No reading order could be built (no README, entrypoint or model found).</p>'
    roles = {f.path: f.role for f in repo_map.files}
    first, then = p.reading_tiers(repo_map)
    out = _steps(repo_map, first, roles)
    if then:
        out += (f'\n<h3>{_e(p.THEN_TITLE)} <span class="muted">{_e(p.THEN_NOTE)}</span></h3>\n'
                + _steps(repo_map, then, roles))
    return out


def _subprojects(repo_map: RepoMap) -> str:
    """The collection's index, each row linking to the sub-project's section below it: its own
    reading order and entrypoints, every file linked as on the rest of the page."""
    rows = p.subproject_rows(repo_map)
    index = []
    for row in rows:
        command = f'<code class="cmd">{_e(row.command)}</code>' if row.command else '<span class="muted">no command found</span>'
        core = (_loc_link(repo_map, p.core_text(row.core), row.core.path, row.core.line, css="evidence")
                if row.core else f'<span class="muted">{_e(p.core_text(None))}</span>')
        about = _e(row.about) if row.about else '<span class="muted">no description found</span>'
        index.append(f'<tr {_data(row.path, "project")}><td class="file-cell"><a class="path" href="#{row.anchor}">'
                     f'<code>{_e(row.path)}</code></a></td><td>{about}<div>{command}</div>'
                     f'<div class="muted small">core model: {core}</div></td></tr>')
    out = [f'<p class="muted">{_e(p.SUBPROJECTS_NOTE)}.</p>',
           '<table class="entrypoints subprojects">\n<colgroup><col class="c-file"><col></colgroup>\n'
           "<thead><tr><th>Sub-project</th><th>What it is, how to run it</th></tr></thead>\n"
           "<tbody>\n" + "\n".join(index) + "\n</tbody>\n</table>"]
    for row in rows:
        roles = {f.path: f.role for f in row.view.files}
        first, then = p.reading_tiers(row.view)
        steps = _steps(row.view, [*first, *then], roles) if first or then else '<p class="muted">No reading order.</p>'
        about = f'<p>{_e(row.about)}</p>' if row.about else ""
        out.append(f'<div class="subproject" id="{row.anchor}">\n<h3><code>{_e(row.path)}</code></h3>\n{about}\n'
                   f"{steps}\n{_entrypoints(row.view)}\n</div>")
    return "\n".join(out)


def _diagram(repo_map: RepoMap, anchors: dict[str, str]) -> str:
    svg = reading_svg(repo_map, anchors)
    if svg is None:
        return '<p class="muted">No reading path to draw.</p>'
    return ('<p class="muted">Files in reading order (thick arrows) and the calls out of them (dashed). '
            'Click a box to jump to the file.</p>\n<div class="diagram-box">' + svg + "</div>")


def _entrypoints(repo_map: RepoMap) -> str:
    if not repo_map.entrypoints:
        return ('<p class="muted">No entrypoint found: no README command, console script, '
                "shell script or <code>__main__</code> guard.</p>")
    roles = {f.path: f.role for f in repo_map.files}
    rows = []
    for e in repo_map.entrypoints:
        command = f'<code class="cmd">{_e(e.command)}</code>' if e.command else '<span class="muted">no command found</span>'
        where, _, line = e.evidence.partition(":")
        evidence = (_loc_link(repo_map, e.evidence, where, int(line), css="evidence") if line.isdigit()
                    else f"<span>{_e(e.evidence)}</span>")
        rows.append(f'<tr {_data(e.path, roles.get(e.path, "script"))}><td class="file-cell">'
                    f'{_loc_link(repo_map, e.path, e.path, css="path")}</td>'
                    f'<td>{command}<div class="muted small">{_e(p.entrypoint_kind(e.kind))} · {evidence}</div></td></tr>')
    # Two columns, the command with its evidence under it: on a large tree the command keeps the
    # width instead of being squeezed between four columns.
    return ('<table class="entrypoints">\n<colgroup><col class="c-file"><col></colgroup>\n'
            "<thead><tr><th>File</th><th>Run it with</th></tr></thead>\n"
            "<tbody>\n" + "\n".join(rows) + "\n</tbody>\n</table>")


def _support(repo_map: RepoMap, anchors: dict[str, str]) -> str:
    rows = []
    for row in p.support_rows(repo_map):
        if row.file is None:
            name = f"<code>{_e(row.path)}</code>"
            attrs = _data(row.path, row.role)
            lines = ""
        else:
            name = _loc_link(repo_map, row.path, row.path, css="path")
            attrs = f'id="{anchors[row.path]}" {_data(row.path, row.role)}'
            lines = f'<span class="muted small"> · {row.file.lines} lines</span>'
        uses = ""
        if row.file is not None and (row.file.used_by or row.file.runs):
            links = [_loc_link(repo_map, f"{u.path}:{u.line}", u.path, u.line, css="evidence")
                     + f' <span class="muted small">{_e(u.how)}</span>' for u in row.file.used_by]
            links += [_loc_link(repo_map, f"{row.path}:{u.line}", row.path, u.line, css="evidence")
                      + f' <span class="muted small">runs {_e(u.path)}</span>' for u in row.file.runs]
            uses = '<ul class="uses">' + "".join(f"<li>{x}</li>" for x in links) + "</ul>"
        rows.append(f'<tr {attrs}><td class="file-cell">{name} {_badge(row.role)}{lines}</td>'
                    f'<td>{_e(p.support_summary(row))}{uses}</td></tr>')
    return ('<table class="support">\n<colgroup><col class="c-file"><col></colgroup>\n'
            "<thead><tr><th>File</th><th>Who reads or runs it</th></tr></thead>\n<tbody>\n"
            + "\n".join(rows) + "\n</tbody>\n</table>")


def _recipe(repo_map: RepoMap) -> str:
    recipe = repo_map.recipe
    if recipe is None:
        return f'<p class="muted">{_e(NO_RECIPE)}</p>'
    rows = []
    for row in recipe_rows(recipe):
        if not row.lines:
            rows.append(f'<tr class="absent"><td>{_e(row.label)}</td><td><span class="warn">absent</span></td>'
                        f'<td></td><td class="muted">{_e(row.advice)}</td></tr>')
        for i, line in enumerate(row.lines):
            label = _e(row.label) if i == 0 else ""
            rows.append(f"<tr><td>{label}</td><td><code>{_e(line.value)}</code></td>"
                        f'<td class="nowrap"><code class="loc">{_e(line.evidence)}</code></td>'
                        f'<td class="muted">{_e(line.detail)}</td></tr>')
    return (f'<p class="muted">{_e(recipe_heading(recipe))}</p>\n<table class="recipe">\n'
            "<thead><tr><th>Field</th><th>Value</th><th>Where</th><th>How it is set</th></tr></thead>\n"
            "<tbody>\n" + "\n".join(rows) + "\n</tbody>\n</table>")


def _files(repo_map: RepoMap, anchors: dict[str, str]) -> str:
    if not repo_map.files:
        return '<p class="muted">No Python files or notebooks found.</p>'
    legend = " ".join(f'<span title="{_e(p.ROLE_MEANINGS.get(role, ""))}">{_badge(role)} {n}</span>'
                      for role, n in p.role_counts(repo_map))
    parts = [f'<p class="legend">{legend}</p>',
             '<p class="muted">Click a file to see the signals that decided its role.</p>',
             '<ul class="tree">', _folder_items(p.file_tree(repo_map), repo_map, anchors), "</ul>"]
    hot = p.hot_files(repo_map)
    if hot:
        listed = ", ".join(f"<code>{_e(path)}</code> ({commits})" for path, commits, _ in hot)
        parts.append(f'<p class="muted">Most changed: {listed}</p>')
    return "\n".join(parts)


def _folder_items(folder: p.Folder, repo_map: RepoMap, anchors: dict[str, str]) -> str:
    items = []
    for sub in folder.folders:
        n = sub.count()
        items.append(
            f'<li class="folder"><details open><summary><span class="folder-name">{_e(sub.name)}/</span> '
            f'<span class="muted">{n} file{"s" if n != 1 else ""}</span></summary>\n'
            f'<ul>\n{_folder_items(sub, repo_map, anchors)}\n</ul></details></li>')
    items += [_file_item(f, repo_map, anchors[f.path]) for f in folder.files]
    return "\n".join(items)


def _file_item(f: FileRole, repo_map: RepoMap, anchor: str) -> str:
    conf_css = "conf uncertain" if p.is_uncertain(f.confidence) else "conf"
    summary = (f'<span class="name">{_e(p.file_name(f))}</span> {_badge(f.role)} '
               f'<span class="{conf_css}">{_e(p.confidence_text(f.confidence))}</span>')
    summary += "".join(" " + _badge(role, " secondary") for role in f.secondary)
    if not f.parsed:
        summary += ' <span class="unparsed">unparsed</span>'
    note = p.git_note(repo_map, f.path)
    if note:
        summary += f' <span class="conf">· {_e(note)}</span>'
    signal = p.telling_signal(f)
    if signal:
        summary += f' <span class="signal">· {_e(signal)}</span>'
    details = [f"<li>{_e(signal)}</li>" for signal in f.signals]
    details.append(f'<li class="muted">{f.lines} lines · {_loc_link(repo_map, f.path, f.path, css="path")}</li>')
    if f.problem:
        details.append(f'<li class="unparsed">{_e(f.problem)}</li>')
    return (f'<li class="file" id="{anchor}" {_data(f.path, f.role)}><details><summary>{summary}</summary>'
            f'<ul class="signals">{"".join(details)}</ul></details></li>')


def _calls(repo_map: RepoMap) -> str:
    if not repo_map.calls:
        return '<p class="muted">No calls between the files were found.</p>'
    roles = {f.path: f.role for f in repo_map.files}
    rows = []
    for c in repo_map.calls:
        src, _ = split_ref(c.source)
        dst, _ = split_ref(c.target)
        rows.append(f'<tr {_data(src, roles.get(src, "script"))}><td>{_loc_link(repo_map, c.source, src, c.line)}</td>'
                    f"<td>→</td><td>{_loc_link(repo_map, c.target, dst)}</td>"
                    f'<td class="num">{c.line}</td></tr>')
    return ('<details><summary>What calls what (' + str(len(repo_map.calls)) + ' calls)</summary>\n'
            '<div class="scroll"><table class="calls">\n<thead><tr><th>From</th><th></th><th>To</th><th>Line</th></tr>'
            "</thead>\n<tbody>\n" + "\n".join(rows) + "\n</tbody>\n</table></div>\n</details>")


def _card(repo_map: RepoMap) -> str:
    if not repo_map.card:
        return '<p class="muted">No checklist was scored.</p>'
    rows = []
    for _, label, item in p.card_items(repo_map):
        mark = '<span class="ok">✓</span>' if item.ok else '<span class="missing">✗</span>'
        rows.append(f"<tr><td>{mark}</td><td>{_e(label)}</td><td class=\"muted\">{_e(item.evidence)}</td></tr>")
    return ('<p class="muted">Scored from the repository itself, after the Papers with Code ML code '
            "completeness checklist.</p>\n<table>\n<tbody>\n" + "\n".join(rows) + "\n</tbody>\n</table>")


def _environment(repo_map: RepoMap) -> str:
    rows = p.environment_rows(repo_map)
    if not rows:
        return ('<p class="warn">No framework versions declared (requirements*.txt, environment.yml, '
                "pyproject.toml, setup.py): expect version mismatches.</p>")
    body = "\n".join(
        f"<tr><td><code>{_e(name)}</code></td><td>"
        + (f"<code>{_e(spec)}</code>" if spec != "not declared" else '<span class="muted">not declared</span>')
        + "</td></tr>" for name, spec in rows)
    return f"<table>\n<tbody>\n{body}\n</tbody>\n</table>"


def _problems(repo_map: RepoMap) -> str:
    shown, more = p.problems_shown(repo_map)
    items = [f"<li>{_e(problem)}</li>" for problem in shown]
    if more:
        items.append(f'<li class="muted">... and {more} more (all of them are in --format json)</li>')
    return '<ul class="problems">' + "\n".join(items) + "</ul>"


# The page's one script: search and role filter. Allowed by its hash in the CSP, nothing else is.
# `#q=word&role=model` in the address opens the page filtered (a link to share).
_SCRIPT = """
(() => {
  const tools = document.getElementById("tools");
  const search = document.getElementById("search");
  const role = document.getElementById("role-filter");
  const count = document.getElementById("match-count");
  const items = Array.from(document.querySelectorAll("main [data-path]"));
  const files = items.filter((el) => el.classList.contains("file"));
  tools.hidden = false;
  function apply() {
    const words = search.value.trim().toLowerCase().split(/\\s+/).filter(Boolean);
    const wanted = role.value;
    for (const el of items) {
      const text = (el.getAttribute("data-path") + " " + el.textContent).toLowerCase();
      const ok = words.every((w) => text.includes(w)) && (!wanted || el.getAttribute("data-role") === wanted);
      if (el instanceof SVGElement) { el.classList.toggle("dim", !ok); } else { el.hidden = !ok; }
    }
    for (const folder of document.querySelectorAll("li.folder")) {
      folder.hidden = !folder.querySelector("li.file:not([hidden])");
    }
    const shown = files.filter((el) => !el.hidden).length;
    count.textContent = words.length || wanted ? shown + " of " + files.length + " files match" : "";
  }
  const params = new URLSearchParams(location.hash.slice(1));
  if (params.get("q")) { search.value = params.get("q"); }
  if (params.get("role")) { role.value = params.get("role"); }
  search.addEventListener("input", apply);
  role.addEventListener("change", apply);
  apply();
})();
""".strip()
_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
        f"script-src 'sha256-{base64.b64encode(hashlib.sha256(_SCRIPT.encode()).digest()).decode()}'")

_ROLE_CSS = "\n".join(f".role-{role} {{ background: {colour}; }}" for role, colour in p.ROLE_COLOURS.items())

_CSS = """
:root { --fg: #1f2328; --muted: #656d76; --bg: #ffffff; --panel: #f6f8fa; --line: #d0d7de;
        --accent: #0969da; --gold: #bf8700; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e6edf3; --muted: #8d96a0; --bg: #0d1117; --panel: #161b22; --line: #30363d;
          --accent: #4493f8; --gold: #d29922; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg);
       font: 15px/1.5 -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; }
header, main, footer { max-width: 1100px; margin: 0 auto; padding: 0 20px; overflow-wrap: anywhere; }
[hidden] { display: none !important; }
a { color: var(--accent); }
a.loc, a.path, a.evidence { text-decoration: none; }
a.loc:hover, a.path:hover, a.evidence:hover { text-decoration: underline; }
.tools { display: flex; flex-wrap: wrap; gap: 8px 12px; align-items: center; margin: 0 0 16px; }
.tools input { flex: 1 1 220px; min-width: 0; font: inherit; padding: 5px 9px; border: 1px solid var(--line);
               border-radius: 6px; background: var(--bg); color: var(--fg); }
.tools select { font: inherit; padding: 5px 6px; border: 1px solid var(--line); border-radius: 6px;
                background: var(--bg); color: var(--fg); max-width: 100%; }
.diagram-box { overflow-x: auto; max-width: 100%; }
svg.diagram { display: block; max-width: 100%; height: auto; }
svg.diagram .dim { opacity: 0.2; }
.small { font-size: 13px; }
.scroll { overflow-x: auto; max-width: 100%; }
table.entrypoints, table.support { table-layout: fixed; }
col.c-file { width: 32%; }
td.file-cell code { white-space: normal; overflow-wrap: anywhere; }
code.cmd { display: inline-block; max-width: 100%; white-space: pre-wrap; overflow-wrap: anywhere; }
ul.uses { list-style: none; margin: 4px 0 0; padding: 0; }
ul.uses li { margin: 2px 0; }
h3 { font-size: 16px; margin: 16px 0 4px; }
header { padding-top: 24px; border-bottom: 1px solid var(--line); }
h1 { margin: 0 0 4px; font-size: 28px; overflow-wrap: anywhere; }
h2 { margin: 32px 0 12px; font-size: 20px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
.summary { font-size: 16px; margin: 4px 0; }
nav { margin: 12px 0 16px; display: flex; flex-wrap: wrap; gap: 6px 16px; }
nav a { color: var(--accent); text-decoration: none; }
.muted { color: var(--muted); }
.warn { color: var(--gold); }
code { font: 13px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
       background: var(--panel); padding: 1px 5px; border-radius: 4px; overflow-wrap: anywhere; }
ol.reading { padding-left: 28px; }
ol.reading li { margin: 6px 0; padding: 6px 10px; border-left: 3px solid var(--line); }
ol.reading li.core { border-left-color: var(--gold); background: var(--panel); }
.why { color: var(--muted); }
.sym { color: var(--accent); }
.core-badge { color: var(--gold); font-weight: 600; white-space: nowrap; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; }
th, td { text-align: left; vertical-align: top; padding: 6px 10px; border-bottom: 1px solid var(--line); }
th { font-weight: 600; background: var(--panel); }
td.num { text-align: right; }
.role { display: inline-block; color: #fff; font-size: 12px; font-weight: 600; line-height: 18px;
        padding: 0 7px; border-radius: 9px; }
.role.secondary { background: transparent !important; color: var(--muted); border: 1px solid var(--line); }
.role-other { background: #555; }
""" + _ROLE_CSS + """
.legend span { margin-right: 10px; white-space: nowrap; }
ul.tree, ul.tree ul { list-style: none; margin: 0; padding-left: 18px; }
ul.tree { padding-left: 0; }
ul.tree ul { border-left: 1px dotted var(--line); margin-left: 6px; }
ul.tree li { margin: 2px 0; }
summary { cursor: pointer; }
.folder { font-weight: 600; }
.name { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 14px;
        overflow-wrap: anywhere; }
.conf { color: var(--muted); font-size: 13px; }
.signal { color: var(--muted); font-size: 13px; font-style: italic; }
.nowrap { white-space: nowrap; }
.conf.uncertain { color: var(--gold); }
.unparsed { color: #cf222e; font-weight: 600; }
ul.signals { list-style: disc; color: var(--muted); font-size: 14px; padding-left: 40px; }
.ok { color: #1a7f37; font-weight: 700; }
.missing { color: #cf222e; font-weight: 700; }
ul.problems li { color: var(--gold); }
@media (max-width: 640px) {
  header, main, footer { padding: 0 10px; }
  table.entrypoints, table.support, table.entrypoints tbody, table.support tbody,
  table.entrypoints tr, table.support tr, table.entrypoints td, table.support td { display: block; width: auto; }
  table.entrypoints thead, table.support thead { display: none; }
  table.entrypoints tr, table.support tr { border-bottom: 1px solid var(--line); padding: 6px 0; }
  table.entrypoints td, table.support td { border: 0; padding: 2px 4px; }
  ol.reading { padding-left: 22px; }
  ul.signals { padding-left: 20px; }
}
footer { margin-top: 40px; padding: 16px 20px 32px; border-top: 1px solid var(--line); font-size: 13px; }
""".strip()
