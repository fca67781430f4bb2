"""The formats of `repolens map`: one module per format, all reading the same `RepoMap`.

`render_map(repo_map, fmt)` gives the text of any format (rich as plain text, for files); the CLI
prints the rich renderable itself (`rich_view.map_renderable`) so a terminal gets colours.
"""

from __future__ import annotations

from typing import Literal

from repolens.mapper.model import RepoMap

MapFormat = Literal["rich", "json", "markdown", "html"]
FORMATS: tuple[MapFormat, ...] = ("rich", "json", "markdown", "html")

# `--output FILE` without `--format` picks the format from the file's suffix.
SUFFIX_FORMATS: dict[str, MapFormat] = {
    ".json": "json", ".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html",
}


def render_map(repo_map: RepoMap, fmt: MapFormat, *, width: int = 100) -> str:
    if fmt == "json":
        from repolens.output.map.json_doc import map_to_json

        return map_to_json(repo_map)
    if fmt == "markdown":
        from repolens.output.map.markdown_doc import map_to_markdown

        return map_to_markdown(repo_map)
    if fmt == "html":
        from repolens.output.map.html_page import map_to_html

        return map_to_html(repo_map)
    if fmt == "rich":
        from repolens.output.map.rich_view import map_to_text

        return map_to_text(repo_map, width=width)
    raise ValueError(f"unknown map format {fmt!r}; expected one of {', '.join(FORMATS)}")
