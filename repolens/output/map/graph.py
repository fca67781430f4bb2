"""The reading path as a graph, for the diagrams (Mermaid in markdown, SVG in html): the files of
the reading order in order, and the calls out of them, grouped by pair of files. Kept small
enough to stay legible: at most MAX_NODES files and MAX_CALL_EDGES call arrows."""

from __future__ import annotations

from dataclasses import dataclass, field

from repolens.mapper.model import RepoMap

MAX_NODES = 24
MAX_CALL_EDGES = 30


@dataclass
class GraphNode:
    node_id: str  # n0, n1, ...: generated, never repository text
    path: str
    steps: list[int] = field(default_factory=list)  # its numbers in the reading order
    symbols: list[str] = field(default_factory=list)
    core: bool = False

    def text(self) -> str:
        head = f"{', '.join(map(str, self.steps))}. " if self.steps else ""
        tail = f" · {', '.join(self.symbols)}" if self.symbols else ""
        star = "★ " if self.core else ""
        return f"{star}{head}{self.path}{tail}"


@dataclass
class ReadingGraph:
    nodes: dict[str, GraphNode]  # by path, in the order they were added
    path_order: list[str]  # the reading path, consecutive repeats merged
    call_edges: list[tuple[GraphNode, GraphNode, list[str]]]  # (from, to, what is called)


def split_ref(ref: str) -> tuple[str, str]:
    """'models/net.py:Net' -> ('models/net.py', 'Net'); a ref without a symbol is a path."""
    path, sep, symbol = ref.rpartition(":")
    return (path, symbol) if sep and path else (ref, "")


def reading_graph(repo_map: RepoMap) -> ReadingGraph | None:
    """The graph of the reading path, or None when there is no reading path."""
    nodes: dict[str, GraphNode] = {}

    def node_for(path: str) -> GraphNode | None:
        if path not in nodes:
            if len(nodes) >= MAX_NODES:
                return None
            nodes[path] = GraphNode(f"n{len(nodes)}", path)
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
    call_edges: list[tuple[GraphNode, GraphNode, list[str]]] = []
    for (src, dst), callees in pairs.items():
        if len(call_edges) >= MAX_CALL_EDGES:
            break
        target = node_for(dst)
        if target is not None:
            call_edges.append((nodes[src], target, callees))
    return ReadingGraph(nodes, path_order, call_edges)
