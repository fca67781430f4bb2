"""The card's `pretrained_weights` item: which README lines count as a link to released weights."""

from __future__ import annotations

import pytest

from repolens.mapper import build_map
from repolens.mapper.weights import find_weights_link


def _find(text: str) -> str | None:
    return find_weights_link("README.md", text.splitlines())


@pytest.mark.parametrize("line", [
    "Weights: [v1.0 release](https://github.com/lab/repo/releases/tag/v1.0)",
    "wget https://github.com/lab/repo/releases/download/v1.0/resnet20.pth",
    "[checkpoint](https://drive.google.com/file/d/1AbC/view?usp=sharing)",
    "Models are on https://huggingface.co/lab/resnet-cifar10",
    "Archived at https://zenodo.org/record/123456",
    "<https://www.dropbox.com/s/abc/model.zip?dl=0>",
    "[best](https://example.org/files/best.ckpt)",
    "[st](https://example.org/files/model.safetensors)",
    "[pt](https://example.org/files/model.pt?raw=1)",
    "[tar](https://example.org/files/model_best.pth.tar)",
    "https://download.pytorch.org/models/resnet18-f37072fd.pth",
])
def test_a_link_to_a_weights_host_or_file_counts_anywhere(line: str):
    got = _find(f"# Project\n\nSome text.\n\n{line}\n")
    assert got is not None and got.startswith("README.md:5 ")


def test_a_reference_style_link_counts():
    got = _find("# P\n\nGet the [weights][w].\n\n[w]: https://github.com/lab/repo/releases/tag/v2\n")
    assert got == "README.md:5 https://github.com/lab/repo/releases/tag/v2"


@pytest.mark.parametrize("heading", ["## Pretrained weights", "## Pre-trained models", "### Model zoo",
                                     "## Checkpoints", "## Downloads"])
def test_any_link_under_a_weights_heading_counts(heading: str):
    got = _find(f"# P\n\n{heading}\n\nDownload from [our server](https://lab.example.org/models/)\n")
    assert got is not None and "https://lab.example.org/models/" in got and got.startswith("README.md:5")


def test_a_link_under_a_weights_heading_in_rst_counts():
    got = _find("Project\n=======\n\nPretrained models\n-----------------\n\n`here <https://lab.example.org/m>`_\n")
    assert got is not None and "https://lab.example.org/m" in got


def test_the_section_ends_at_the_next_heading_of_the_same_level():
    text = "# P\n\n## Pretrained weights\n\nComing soon.\n\n## Citation\n\n[site](https://lab.example.org)\n"
    assert _find(text) is None


@pytest.mark.parametrize("line", [
    "Paper: https://arxiv.org/abs/1512.03385",
    "[![CI](https://img.shields.io/badge/ci-passing-green.svg)](https://github.com/lab/repo/actions)",
    "Visit https://www.example.pt/about for the lab",
    "Source on https://github.com/lab/repo",
])
def test_papers_badges_and_plain_sites_are_not_weights(line: str):
    assert _find(f"# P\n\n{line}\n") is None


def test_a_paper_link_under_a_weights_heading_is_not_weights():
    assert _find("# P\n\n## Pretrained weights\n\nSee the paper https://arxiv.org/abs/2101.00001\n") is None


def test_loading_code_in_the_readme_counts_as_weaker_evidence():
    got = _find("# P\n\n```python\nmodel = Net.from_pretrained('lab/net')\n```\n")
    assert got is not None and "from_pretrained(" in got and got.startswith("README.md:4")


def test_card_reports_the_weights_line_through_build_map(make_project):
    root = make_project({
        "README.md": "# R\n\n## Pretrained weights\n\nDownload the checkpoints from the\n"
                     "[v1.0 release](https://github.com/lab/repo/releases/tag/v1.0)\n(`r20.pth`).\n",
        "train.py": "import torch\n",
    })
    item = build_map(str(root)).card["pretrained_weights"]
    assert item.ok and item.evidence == "README.md:6 https://github.com/lab/repo/releases/tag/v1.0"


def test_card_says_what_is_missing_without_a_link(make_project):
    root = make_project({"README.md": "# R\n\nTrain with `python train.py`.\n", "train.py": "import torch\n"})
    item = build_map(str(root)).card["pretrained_weights"]
    assert not item.ok and "Pretrained / Model zoo" in item.evidence
