"""The reading path drawn as an inline SVG for the HTML page: no script, no network, no Mermaid.

Layout: the files of the reading order stand in one column, in reading order, joined by thick
arrows; a file reached only through calls stands in a second column on the row of its first
caller (or the next free row). Calls are dashed curves, from the right side of the caller to the
target. Every box links to the file's entry on the page. Repository text is escaped; the boxes
are coloured by role, the core model outlined in gold.
"""

from __future__ import annotations

import html

from repolens.mapper.model import RepoMap
from repolens.output.map import presentation as p
from repolens.output.map.graph import GraphNode, reading_graph

BOX_W = 320
BOX_H = 44
ROW_H = 62
COL_GAP = 120
PAD = 16
_CHARS = 44  # what fits on one line of a box at 12 px
_DOC_FILL = "#eceff1"
MIN_SHOWN_W = 540


def _e(text: str) -> str:
    return html.escape(p.one_line(text), quote=True)


def _fit(text: str, n: int = _CHARS) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def reading_svg(repo_map: RepoMap, anchors: dict[str, str]) -> str | None:
    """The `<svg>` element, or None when there is no reading path. `anchors`: path -> element id."""
    graph = reading_graph(repo_map)
    if graph is None:
        return None
    roles = {f.path: f.role for f in repo_map.files} | {f.path: f.role for f in repo_map.support_files}
    place: dict[str, tuple[int, int]] = {}  # path -> (column, row)
    for row, path in enumerate(dict.fromkeys(graph.path_order)):
        place[path] = (0, row)
    taken: set[int] = set()
    for src, dst, _ in graph.call_edges:
        if dst.path in place:
            continue
        row = place.get(src.path, (0, 0))[1]
        while row in taken:
            row += 1
        taken.add(row)
        place[dst.path] = (1, row)
    for node in graph.nodes.values():  # a node with no place yet (cannot happen today): below all
        place.setdefault(node.path, (1, max([r for _, r in place.values()], default=-1) + 1))
    rows = max(r for _, r in place.values()) + 1
    cols = 1 + any(c == 1 for c, _ in place.values())
    width = PAD * 2 + BOX_W * cols + COL_GAP * (cols - 1) + (40 if cols == 1 else 0)
    height = PAD * 2 + ROW_H * (rows - 1) + BOX_H

    def box(path: str) -> tuple[float, float]:
        col, row = place[path]
        return PAD + col * (BOX_W + COL_GAP), PAD + row * ROW_H

    parts = [f'<svg class="diagram" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" role="img" aria-labelledby="diagram-title" '
             # On a phone the diagram keeps a readable size and its box scrolls sideways.
             f'style="min-width: {min(width, MIN_SHOWN_W)}px">',
             '<title id="diagram-title">Reading path: files in reading order, thick arrows; calls, dashed</title>',
             '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="9" markerHeight="9" '
             'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#607d8b"/></marker></defs>']
    order = list(dict.fromkeys(graph.path_order))
    for a, b in zip(order, order[1:]):
        (ax, ay), (bx, by) = box(a), box(b)
        parts.append(f'<path class="path-edge" d="M{ax + BOX_W / 2},{ay + BOX_H} L{bx + BOX_W / 2},{by - 2}" '
                     'stroke="#607d8b" stroke-width="3" fill="none" marker-end="url(#arrow)"/>')
    for src, dst, callees in graph.call_edges:
        (sx, sy), (dx, dy) = box(src.path), box(dst.path)
        x1, y1 = sx + BOX_W, sy + BOX_H / 2
        if place[dst.path][0] == place[src.path][0]:  # same column: an arc on the right side
            x2, y2 = dx + BOX_W, dy + BOX_H / 2
            bulge = x1 + 30 + 6 * abs(place[dst.path][1] - place[src.path][1])
            d = f"M{x1},{y1} C{bulge},{y1} {bulge},{y2} {x2 + 2},{y2}"
        else:
            x2, y2 = dx, dy + BOX_H / 2
            d = f"M{x1},{y1} C{x1 + COL_GAP / 2},{y1} {x2 - COL_GAP / 2},{y2} {x2 - 2},{y2}"
        what = ", ".join(callees[:3]) + (", …" if len(callees) > 3 else "")
        parts.append(f'<path class="call-edge" d="{d}" stroke="#90a4ae" stroke-width="1.5" '
                     f'stroke-dasharray="5 4" fill="none" marker-end="url(#arrow)"><title>'
                     f'{_e(src.path)} calls {_e(what or dst.path)}</title></path>')
    for node in graph.nodes.values():
        parts.append(_node(node, *box(node.path), roles.get(node.path), anchors.get(node.path)))
    parts.append("</svg>")
    return "\n".join(parts)


def _node(node: GraphNode, x: float, y: float, role: str | None, anchor: str | None) -> str:
    fill = p.ROLE_COLOURS.get(role or "", _DOC_FILL)
    ink = "#ffffff" if fill != _DOC_FILL else "#263238"
    stroke, stroke_w = ("#f9a825", 4) if node.core else ("#37474f", 1)
    head = f"{'★ ' if node.core else ''}{', '.join(map(str, node.steps)) + '. ' if node.steps else ''}{node.path}"
    sub = ", ".join(node.symbols) or (role or "")
    inner = (f'<rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="7" fill="{fill}" '
             f'stroke="{stroke}" stroke-width="{stroke_w}"/>'
             f'<text x="{x + 10}" y="{y + 18}" fill="{ink}" font-size="13" font-weight="600" '
             f'font-family="ui-monospace, Menlo, Consolas, monospace">{_e(_fit(head))}</text>'
             f'<text x="{x + 10}" y="{y + 35}" fill="{ink}" font-size="12" '
             f'font-family="-apple-system, Segoe UI, Helvetica, Arial, sans-serif">{_e(_fit(sub, 48))}</text>'
             f"<title>{_e(node.text())}</title>")
    attrs = f'class="node" data-path="{_e(node.path)}" data-role="{_e(role or "doc")}"'
    if anchor:
        return f'<a href="#{anchor}" {attrs}>{inner}</a>'
    return f"<g {attrs}>{inner}</g>"
