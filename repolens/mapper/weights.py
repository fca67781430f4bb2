"""Does the README link released weights? (the card's `pretrained_weights` item)

Two kinds of evidence, strongest first:
- a link whose address is a place where weights are published: a GitHub release page or
  `/releases/download/` asset, Google Drive, Hugging Face, Zenodo, Dropbox, OneDrive, Baidu Pan,
  download.pytorch.org/models, or a file ending in a weights suffix (`.pth`, `.pt`, `.ckpt`,
  `.safetensors`, `.pth.tar`, `.bin`, `.h5`, `.onnx`); markdown and reference-style links
  (`[v1]: https://...`) and bare URLs all count, wherever they sit;
- any link (other than a paper or a badge) inside a section whose heading says "Pretrained",
  "Pre-trained", "Model zoo", "Checkpoints", "Weights" or "Download".
Loading code in the README (`from_pretrained(`, `torch.hub.load(`) counts as well.
"""

from __future__ import annotations

import re

_HOSTS = (r"github\.com/[^/\s]+/[^/\s]+/releases\b|drive\.google\.com|docs\.google\.com/uc|huggingface\.co/|"
          r"hf\.co/|zenodo\.org|dropbox\.com|onedrive\.live\.com|1drv\.ms|sharepoint\.com|pan\.baidu\.com|"
          r"download\.pytorch\.org/models|dl\.fbaipublicfiles\.com|storage\.googleapis\.com|s3\.amazonaws\.com")
_URL = re.compile(r"https?://[^\s<>()\[\]`\"']+")
_WEIGHT_HOST = re.compile(_HOSTS, re.I)
# The suffix must end the path: `https://site.pt/page` is a Portuguese site, not a checkpoint.
_WEIGHT_FILE = re.compile(r"\.(?:pth|pt|ckpt|safetensors|pth\.tar|pt\.tar|bin|h5|hdf5|onnx|npz|pkl)(?:$|[?#])", re.I)
_LOADER = re.compile(r"\bfrom_pretrained\(|\btorch\.hub\.load(?:_state_dict_from_url)?\(|\bhf_hub_download\(")
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*)$")
_RST_UNDERLINE = re.compile(r"^\s*([=\-~^\"'`#*+])\1{2,}\s*$")
_WEIGHTS_HEADING = re.compile(r"pre-?trained|model\s*zoo|checkpoints?\b|\bweights\b|\bdownloads?\b|released models", re.I)
_NOT_WEIGHTS = re.compile(r"arxiv\.org|openreview\.net|shields\.io|badge|doi\.org|paperswithcode\.com/paper|"
                          r"colab\.research\.google\.com|\.pdf(?:$|[?#])", re.I)
_LINK_IN_SECTION = re.compile(r"\]\(\s*<?([^)\s>]+)|^\s*\[[^\]]+\]:\s*(\S+)|(https?://\S+)")


def _clean(url: str) -> str:
    return url.rstrip(").,;:>]`'\"*_")


def _strong(url: str) -> bool:
    if _NOT_WEIGHTS.search(url):
        return False
    path = url.split("://", 1)[-1]
    return bool(_WEIGHT_HOST.search(url) or ("/" in path and _WEIGHT_FILE.search(path.split("/", 1)[1])))


def _sections(lines: tuple[str, ...] | list[str]) -> list[tuple[int, int, str]]:
    """(first body line, end, heading text), 0-based, for markdown `#` and rst underlined headings."""
    heads: list[tuple[int, int, str]] = []  # (line, level, text)
    for i, line in enumerate(lines):
        m = _HEADING.match(line)
        if m:
            heads.append((i, len(m.group(1)), m.group(2).strip()))
        elif i > 0 and _RST_UNDERLINE.match(line) and lines[i - 1].strip() and not _RST_UNDERLINE.match(lines[i - 1]):
            heads.append((i - 1, 2, lines[i - 1].strip()))
    out = []
    for k, (line, level, text) in enumerate(heads):
        end = len(lines)
        for line2, level2, _ in heads[k + 1:]:
            if level2 <= level:
                end = line2
                break
        out.append((line + 1, end, text))
    return out


def find_weights_link(rel: str, lines: tuple[str, ...] | list[str]) -> str | None:
    """`README.md:64 https://...` for the first released-weights link, or None."""
    for lineno, line in enumerate(lines, 1):
        for m in _URL.finditer(line):
            url = _clean(m.group(0))
            if _strong(url):
                return f"{rel}:{lineno} {url[:120]}"
    for start, end, heading in _sections(lines):
        if not _WEIGHTS_HEADING.search(heading):
            continue
        for i in range(start, end):
            for m in _LINK_IN_SECTION.finditer(lines[i]):
                target = _clean(next(g for g in m.groups() if g))
                if target.startswith("#") or _NOT_WEIGHTS.search(target):
                    continue
                return f"{rel}:{i + 1} {target[:120]} (under \"{heading[:60]}\")"
    for lineno, line in enumerate(lines, 1):
        m = _LOADER.search(line)
        if m:
            return f"{rel}:{lineno} {m.group(0)} (weights loaded by the README's code)"
    return None
