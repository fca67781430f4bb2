"""A Mermaid flowchart of the reading path and the main calls, strict enough for GitHub.

GitHub's Mermaid rejects or mangles many characters in labels, so: every node id is generated
(`n0`, `n1`, ...), every label is double-quoted, and every character that Mermaid or the
Markdown around it could read as syntax is written as a Mermaid entity code (`#quot;`, `#lt;` ...).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from repolens.mapper.model import RepoMap
from repolens.output.map import presentation as p

MAX_NODES = 24
MAX_CALL_EDGES = 30
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


@dataclass
class _Node:
    node_id: str
    path: str
    steps: list[int] = field(default_factory=list)
    symbols: list[str] = field(default_factory=list)
    core: bool = False

    def text(self) -> str:
        head = f"{', '.join(map(str, self.steps))}. " if self.steps else ""
        tail = f" · {', '.join(self.symbols)}" if self.symbols else ""
        star = "★ " if self.core else ""
        return f"{star}{head}{self.path}{tail}"


def split_ref(ref: str) -> tuple[str, str]:
    """'models/net.py:Net' -> ('models/net.py', 'Net'); a ref without a symbol is a path."""
    path, sep, symbol = ref.rpartition(":")
    return (path, symbol) if sep and path else (ref, "")


def reading_flowchart(repo_map: RepoMap) -> str | None:
    """The diagram's source (without the ``` fence), or None when there is no reading path."""
    nodes: dict[str, _Node] = {}

    def node_for(path: str) -> _Node | None:
        if path not in nodes:
            if len(nodes) >= MAX_NODES:
                return None
            nodes[path] = _Node(f"n{len(nodes)}", path)
        return nodes[path]

    path_order: list[str] = []
    for number, step in enumerate(repo_map.reading_order, 1):
        node = node_for(step.path)
        if node is None:
            break
        node.steps.append(number)
        if step.symbol and step.symbol not in node.symbols:
            node.symbols.append(step.symbol)
        node.core = node.core or step.core
        if not path_order or path_order[-1] != step.path:
            path_order.append(step.path)
    if not nodes:
        return None

    # Calls between files, grouped by file pair, starting only from files on the reading path.
    on_path = set(nodes)
    pairs: dict[tuple[str, str], list[str]] = {}
    for call in repo_map.calls:
        src, _ = split_ref(call.source)
        dst, symbol = split_ref(call.target)
        if src == dst or src not in on_path:
            continue
        callees = pairs.setdefault((src, dst), [])
        if symbol and symbol not in callees:
            callees.append(symbol)
    call_edges: list[tuple[_Node, _Node, list[str]]] = []
    for (src, dst), callees in pairs.items():
        if len(call_edges) >= MAX_CALL_EDGES:
            break
        target = node_for(dst)
        if target is not None:
            call_edges.append((nodes[src], target, callees))

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
