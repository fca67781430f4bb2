"""The project's prose: the README, the docs it links inside the repository, and the paper link."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_README_NAMES = ("readme.md", "readme.rst", "readme.txt", "readme", "readme.markdown")
_DOC_LINK = re.compile(r"\]\(\s*<?([^)\s>#]+)[^)]*\)|`[^`<]*<([^>`#]+)>`_|href=[\"']([^\"'#]+)[\"']")
_PAPER = re.compile(
    r"https?://(?:www\.)?(?:arxiv\.org/(?:abs|pdf)/[\w.\-/]+|openreview\.net/[\w?=&.\-/]+|"
    r"paperswithcode\.com/paper/[\w\-]+|aclanthology\.org/[\w.\-/]+|proceedings\.neurips\.cc/[\w.\-/]+|"
    r"openaccess\.thecvf\.com/[\w.\-/]+|papers\.nips\.cc/[\w.\-/]+|proceedings\.mlr\.press/[\w.\-/]+|"
    r"[\w.\-]+/[\w.\-/]*paper[\w.\-/]*\.pdf|[\w.\-/]+\.pdf)",
    re.I,
)


@dataclass(frozen=True)
class Doc:
    rel: str
    lines: tuple[str, ...]


def _read(path: Path) -> tuple[str, ...] | None:
    try:
        if not path.is_file() or path.stat().st_size > 2_000_000:
            return None
        return tuple(path.read_text(encoding="utf-8", errors="replace").splitlines())
    except OSError:
        return None


def find_readme(root: Path, other_rels: list[str]) -> str | None:
    top = [r for r in other_rels if "/" not in r and r.lower() in _README_NAMES]
    if not top:
        return None
    return sorted(top, key=lambda r: _README_NAMES.index(r.lower()))[0]


def read_docs(root: Path, other_rels: list[str]) -> list[Doc]:
    """The README first, then the in-repo .md/.rst/.txt documents it links (one level deep)."""
    readme = find_readme(root, other_rels)
    if readme is None:
        return []
    lines = _read(root / readme)
    if lines is None:
        return []
    docs = [Doc(readme, lines)]
    known = set(other_rels)
    seen = {readme}
    for line in lines:
        for m in _DOC_LINK.finditer(line):
            target = next(g for g in m.groups() if g)
            if "://" in target or target.startswith("mailto:"):
                continue
            rel = target.lstrip("./").split("?")[0]
            if rel in seen or rel not in known or not rel.lower().endswith((".md", ".rst", ".txt", ".markdown")):
                continue
            seen.add(rel)
            sub = _read(root / rel)
            if sub is not None:
                docs.append(Doc(rel, sub))
            if len(docs) > 12:
                return docs
    return docs


_LINK = re.compile(r"\[([^\]]*)\]\(\s*<?(https?://[^)\s>]+)>?[^)]*\)")
_BADGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_HREF = re.compile(r"href=[\"'](https?://[^\"']+)[\"']")
_PAPER_LABEL = re.compile(r"\b(?:paper|arxiv|pdf|openreview|preprint|publication)\b", re.I)
_BIB_START = re.compile(r"^\s*@(?:article|inproceedings|misc|conference|techreport|phdthesis|book|unpublished)\s*\{", re.I)
_BIB_FIELD = re.compile(r"^\s*(title|eprint|url|journal|booktitle|archiveprefix)\s*=\s*[{\"](.*?)[}\"]?\s*,?\s*$", re.I)
_ARXIV_ID = re.compile(r"(?<![\d.])(\d{4}\.\d{4,5})(?:v\d+)?(?![\d])")


def _paper_url(text: str) -> str | None:
    m = _PAPER.search(text)
    return m.group(0).rstrip(".)") if m else None


def _intro(lines: tuple[str, ...]) -> tuple[str, ...]:
    """The README's head: up to its second heading (or 30 lines), where authors name their paper."""
    end = min(len(lines), 30)
    headings = [i for i, line in enumerate(lines[:end]) if re.match(r"^\s*#{1,6}\s|^\s*<h[1-6]", line)]
    if len(headings) >= 2 and headings[1] >= 3:
        end = headings[1]
    return lines[:end]


def _bibtex_paper(lines: tuple[str, ...]) -> tuple[str | None, str | None]:
    """(url, title) of the first BibTeX entry: the paper the authors ask to be cited for."""
    fields: dict[str, str] = {}
    inside = False
    for line in lines:
        if not inside:
            inside = bool(_BIB_START.match(line))
            continue
        m = _BIB_FIELD.match(line)
        if m:
            fields.setdefault(m.group(1).lower(), m.group(2).strip().strip("{}"))
        if line.strip() in ("}", "```") or line.strip().startswith("```"):
            break
    if not inside:
        return None, None
    title = re.sub(r"[{}]", "", fields.get("title", "")).strip() or None
    for key in ("url", "eprint", "journal", "booktitle"):
        value = fields.get(key, "")
        url = _paper_url(value)
        if url:
            return url, title
        m = _ARXIV_ID.search(value)
        if m and (key == "eprint" or "arxiv" in value.lower()):
            return f"https://arxiv.org/abs/{m.group(1)}", title
    return None, title


def own_paper(docs: list[Doc]) -> list[str]:
    """The project's own paper, as its README cites it: [] or [url].

    In order: a link labelled as the paper (a "Paper" / "arXiv" link or badge) or a paper link in
    the README's head; the first BibTeX entry's url or arXiv id (or a README link on a line that
    carries its title). Papers the README mentions elsewhere (related work, the backbones it
    uses) are not the project's own and are never returned.
    """
    if not docs:
        return []
    lines = docs[0].lines
    head = _intro(lines)
    for line in head:  # a link labelled as the paper, or an arXiv badge
        line = _BADGE.sub(r"\1", line)  # [![arXiv](badge.svg)](https://arxiv.org/...) -> [arXiv](...)
        for m in _LINK.finditer(line):
            label, url = m.group(1), m.group(2)
            if _PAPER_LABEL.search(label) and _paper_url(url):
                return [url.rstrip(".)")]
        found = _PAPER.search(line)  # "Paper: https://arxiv.org/abs/..."
        if found and _PAPER_LABEL.search(line[max(0, found.start() - 24):found.start()]):
            return [found.group(0).rstrip(".)")]
        for m in _HREF.finditer(line):  # <a href="https://arxiv.org/..."><img alt="arXiv"></a>
            if _PAPER_LABEL.search(line) and _paper_url(m.group(1)):
                return [m.group(1)]
    url, title = _bibtex_paper(lines)
    if url:
        return [url]
    if title and len(title) > 12:
        for line in lines:
            if title.lower() in line.lower() and (found := _paper_url(line)):
                return [found]
    for i, line in enumerate(head):  # the title line links the paper, or a link's text is a title
        if i == _first_heading(head) and (found := _paper_url(line)):
            return [found]
        for m in _LINK.finditer(_BADGE.sub("", line)):
            if len(m.group(1).split()) >= 3 and _paper_url(m.group(2)):
                return [m.group(2).rstrip(".)")]
    return []


def _first_heading(lines: tuple[str, ...]) -> int:
    return next((i for i, line in enumerate(lines) if re.match(r"^\s*#\s|^\s*<h1", line)), -1)
