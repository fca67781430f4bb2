"""Does the project publish trained weights? Links in its READMEs and download calls in its code.

A `torch.load` is a security question only for files that come from elsewhere. A project that
publishes no weights (no link to a checkpoint in its documents, no download of one in its code)
loads the files its own runs wrote: its training checkpoints, read back by its test or resume
scripts. Judged on real code (issue #8), such loads were not worth a change, while the same call
in a project whose README links released checkpoints was.

What counts as publishing: a link to a weights file (`.pth`, `.pt`, `.ckpt`, `.pkl`, `.bin`,
`.safetensors`, `.pth.tar`, darknet `.weights`), a link to a file host or model hub (Google Drive,
Dropbox, Hugging Face, a GitHub release, Baidu Pan, OneDrive) on a line that speaks of weights,
models or checkpoints, in a README, a model-zoo page or a shell script (`download_weights.sh`); and
in code: `load_state_dict_from_url`, `download_url_to_file`, `hf_hub_download`, `model_zoo.load_url`,
or a URL string naming a weights file. What cannot be seen: weights announced elsewhere (a paper's
project page, an issue), or a user who passes in someone else's checkpoint.
"""

from __future__ import annotations

import re
from pathlib import Path

from repolens.project.treewalk import project_files

WEIGHT_SUFFIX = r"\.(?:pth\.tar|pt\.tar|pth|pt|ckpt|pkl|bin|safetensors|weights)"
# the suffix ends the URL (`mnistm.pkl.gz` is a dataset, `model.pth?dl=1` a weights file)
_WEIGHT_LINK = re.compile(r"https?://[^\s)\]\"'>]+" + WEIGHT_SUFFIX + r"(?![\w.-])", re.I)
_HOST_LINK = re.compile(r"https?://(?:[\w-]+\.)*(?:drive\.google\.com|docs\.google\.com|dropbox\.com|huggingface\.co"
                        r"|hf\.co|pan\.baidu\.com|1drv\.ms|onedrive\.live\.com|sharepoint\.com|mega\.nz|zenodo\.org"
                        r"|github\.com/[^\s/]+/[^\s/]+/releases|storage\.googleapis\.com|dl\.fbaipublicfiles\.com)", re.I)
_WEIGHT_WORDS = re.compile(r"pre-?trained|checkpoint|weights?\b|models?\b|model zoo|\bckpt|\w" + WEIGHT_SUFFIX + r"\b",
                           re.I)
_TORCH_ZOO = re.compile(r"^https?://download\.pytorch\.org/models/", re.I)
_DOWNLOAD_CALLS = re.compile(r"\b(?:load_state_dict_from_url|download_url_to_file|hf_hub_download|snapshot_download"
                             r"|model_zoo\.load_url|load_url)\(")
# Documents read: READMEs, model-zoo pages and shell scripts (`scripts/download_weights.sh`).
_DOC_NAME = re.compile(r"^(?:readme|model_zoo|modelzoo|models|pretrained|getting_started)[\w.-]*"
                       r"\.(?:md|markdown|rst|txt|org|adoc)$|^readme$|^[\w.-]+\.sh$", re.I)
MAX_DOC_BYTES = 1 << 20
MAX_DOCS = 50
MAX_DOC_DEPTH = 3


def release_lines(text: str) -> list[tuple[int, str]]:
    """(line, what) for every sign in a document that weights are published: a link to a weights
    file, or to a file host where the line, the one before it or an enclosing section heading
    speaks of weights ("# Weights Download" / "## 0.2 pytorch" / "- yolov4.pth(https://drive...)")."""
    out: list[tuple[int, str]] = []
    if "http" not in text:
        return out
    headings: dict[int, str] = {}  # level -> the open heading of that level
    previous = ""
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.lstrip()
        if stripped.startswith("#") and not stripped.startswith("#!"):
            level = len(stripped) - len(stripped.lstrip("#"))
            headings = {lv: h for lv, h in headings.items() if lv < level}
            headings[level] = stripped
        found = next((m for m in _WEIGHT_LINK.finditer(line) if not _TORCH_ZOO.search(m.group(0))), None)
        host = None if found else _HOST_LINK.search(line)
        if found:
            out.append((number, f"links {found.group(0)[:80]}"))
        elif host and any(_WEIGHT_WORDS.search(t) for t in (line, previous, *headings.values())):
            out.append((number, f"links weights on {host.group(0)[:60]}"))
        previous = line
    return out


def code_downloads(text: str) -> list[tuple[int, str]]:
    """(line, what) for a download call of weights or a URL string naming a weights file in code.
    PyTorch's own model zoo (`download.pytorch.org/models/resnet50-19c8e357.pth`, the ImageNet
    backbones a copied `resnet.py` lists) is not the project publishing weights: its links do not
    count, nor do download calls in a file whose only weights links are such."""
    out: list[tuple[int, str]] = []
    links = [m for m in _WEIGHT_LINK.finditer(text)] if "http" in text else []
    own = [m for m in links if not _TORCH_ZOO.search(m.group(0))]
    call = _DOWNLOAD_CALLS.search(text)
    if call and (own or not links):
        out.append((text.count("\n", 0, call.start()) + 1, f"downloads weights: `{call.group(0)[:80]}`"))
    if own:
        out.append((text.count("\n", 0, own[0].start()) + 1, f"links: `{own[0].group(0)[:80]}`"))
    return out


def is_release_document(rel: str) -> bool:
    """A README or model-zoo page (at any depth: a tutorial collection has one per folder)."""
    return _DOC_NAME.match(rel.rsplit("/", 1)[-1]) is not None


def released_weights_in(documents: dict[str, str]) -> tuple[str, ...] | None:
    """Evidence ("README.md:42: links ...") from documents given as {file: text}; None when there is
    no README or model-zoo page among them (a project that says nothing about itself tells nothing
    about its weights either)."""
    documents = {rel: text for rel, text in documents.items() if is_release_document(rel)}
    if not any(not rel.lower().endswith(".sh") for rel in documents):
        return None
    return tuple(f"{rel}:{line}: {what}" for rel, text in sorted(documents.items())
                 for line, what in release_lines(text))


def released_weights_at(folder: Path) -> tuple[str, ...] | None:
    """Evidence from the READMEs, model-zoo pages and shell scripts under `folder` (nearest first, a
    bounded walk); () when they link no weights; None when the project has no README at all."""
    texts: dict[str, str] = {}
    for path in project_files(folder, is_release_document, MAX_DOCS, MAX_DOC_DEPTH):
        try:
            with open(path, "rb") as handle:
                texts[path.relative_to(folder).as_posix()] = handle.read(MAX_DOC_BYTES).decode("utf-8", "replace")
        except OSError:
            continue
    return released_weights_in(texts)
