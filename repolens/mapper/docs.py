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


def paper_links(docs: list[Doc]) -> list[str]:
    out: list[str] = []
    for doc in docs[:1]:  # the README's own links: linked docs cite many related papers
        for line in doc.lines:
            for m in _PAPER.finditer(line):
                url = m.group(0).rstrip(".)")
                if url not in out:
                    out.append(url)
    return out
