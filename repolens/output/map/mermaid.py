"""A Mermaid flowchart of the reading path and the main calls, strict enough for GitHub.

GitHub's Mermaid rejects or mangles many characters in labels, so: every node id is generated
(`n0`, `n1`, ...), every label is double-quoted, and every character that Mermaid or the
Markdown around it could read as syntax is written as a Mermaid entity code (`#quot;`, `#lt;` ...).
"""

from __future__ import annotations

from repolens.mapper.model import RepoMap
from repolens.output.map import presentation as p
from repolens.output.map.graph import reading_graph

MAX_LABEL = 60

# Characters written as entity codes. "#" first: the other replacements introduce "#".
_ENTITIES = (
    ("#", "#35;"),
    ("&", "#amp;"),
    ('"', "#quot;"),
    ("<", "#lt;"),
    (">", "#gt;"),
    ("`", "#96;"),
    ("|", "#124;"),
    ("%", "#37;"),
    ("\\", "#92;"),
)


def label(text: str) -> str:
    """A safe label body (without its quotes): one line, short, entity-coded."""
    text = p.one_line(text).strip()
    if len(text) > MAX_LABEL:
        text = text[: MAX_LABEL - 1] + "…"
    for char, code in _ENTITIES:
        text = text.replace(char, code)
    return text


def reading_flowchart(repo_map: RepoMap) -> str | None:
    """The diagram's source (without the ``` fence), or None when there is no reading path."""
    graph = reading_graph(repo_map)
    if graph is None:
        return None
    nodes, path_order, call_edges = graph.nodes, graph.path_order, graph.call_edges
    roles = {f.path: f.role for f in repo_map.files}
    lines = ["flowchart TD"]
    for node in nodes.values():
        lines.append(f'    {node.node_id}["{label(node.text())}"]')
    for a, b in zip(path_order, path_order[1:]):
        if a in nodes and b in nodes:
            lines.append(f"    {nodes[a].node_id} ==> {nodes[b].node_id}")
    for src_node, dst_node, callees in call_edges:
        text = ", ".join(callees[:2]) + (", …" if len(callees) > 2 else "")
        edge = f'-.->|"{label(text)}"|' if text else "-.->"
        lines.append(f"    {src_node.node_id} {edge} {dst_node.node_id}")
    # Class names are prefixed: bare words such as `end` or `click` are Mermaid keywords.
    for role, colour in [*p.ROLE_COLOURS.items(), ("doc", "#eceff1")]:
        text_colour = "#263238" if role == "doc" else "#ffffff"
        lines.append(f"    classDef role_{role} fill:{colour},stroke:#37474f,color:{text_colour}")
    by_class: dict[str, list[str]] = {}
    for node in nodes.values():
        role = roles.get(node.path, "doc")
        by_class.setdefault(role if role in p.ROLE_COLOURS else "doc", []).append(node.node_id)
    for role, ids in by_class.items():
        lines.append(f"    class {','.join(ids)} role_{role}")
    for node in nodes.values():
        if node.core:
            lines.append(f"    style {node.node_id} stroke:#f9a825,stroke-width:4px")
    return "\n".join(lines)
