"""A quieter map: the project's own paper only, calls only to functions and classes, whole words."""

from __future__ import annotations

import pytest

from repolens.mapper import build_map
from repolens.mapper.docs import Doc, own_paper


def _paper(readme: str) -> list[str]:
    return own_paper([Doc("README.md", tuple(readme.splitlines()))])


def test_a_detector_readme_citing_other_peoples_papers_has_no_paper_of_its_own():
    readme = """# Detector

[![CI](https://img.shields.io/badge/ci-passing-green)](https://ci.example.org)

Fast object detection. We use CSP blocks and a ResNet-style stem.

## Models

| Model | Backbone |
| ----- | -------- |
| S | [ResNet](https://arxiv.org/abs/1512.03385) |
| M | [EfficientNet](https://arxiv.org/abs/1905.11946) |

## Related work

Focal loss https://arxiv.org/abs/1708.02002
"""
    assert _paper(readme) == []


@pytest.mark.parametrize(("readme", "paper"), [
    ("# MAE\n\n<p>[[Paper](https://arxiv.org/abs/2111.06377)] [[Project page](https://x.io)]</p>\n\n"
     "## Intro\n\nLike ResNet https://arxiv.org/abs/1512.03385", "https://arxiv.org/abs/2111.06377"),
    ("# X\n[![arXiv](https://img.shields.io/badge/arXiv-2106.01234-b31b1b.svg)](https://arxiv.org/abs/2106.01234)\n",
     "https://arxiv.org/abs/2106.01234"),
    ("# X\n\nPaper: https://openreview.net/forum?id=abc123\n", "https://openreview.net/forum?id=abc123"),
    ("# Deep Residual Learning\n\n[Deep Residual Learning for Image Recognition](https://arxiv.org/abs/1512.03385)\n",
     "https://arxiv.org/abs/1512.03385"),
    # The BibTeX block the authors ask to be cited with; the id in its journal field.
    ("# X\n\nWords.\n\n## Usage\nAs in https://arxiv.org/abs/1111.11111\n\n## Citation\n```bibtex\n"
     "@article{me2020,\n  title={Our Great Method for Things},\n  journal={arXiv preprint arXiv:2001.00001},\n"
     "  year={2020}\n}\n```\n", "https://arxiv.org/abs/2001.00001"),
    # A BibTeX entry without a link: the README line that carries its title gives it.
    ("# X\n\n## Citation\n@inproceedings{a,\n title = {Deep Stuff Is Great},\n booktitle={CVPR}\n}\n\n"
     "## Links\n- Deep Stuff Is Great: https://openaccess.thecvf.com/content/x.pdf\n",
     "https://openaccess.thecvf.com/content/x.pdf"),
])
def test_the_projects_own_paper_is_found_where_authors_put_it(readme: str, paper: str):
    assert _paper(readme) == [paper]


def test_calls_point_only_at_functions_and_classes_not_module_variables(make_project):
    root = make_project({
        "train.py": """
            import os
            from model import Net, build
            from registry import MODELS
            RANK = int(os.getenv("RANK", -1))

            def main():
                print(RANK)
                net = build(MODELS["net"])
                return Net()
            """,
        "model.py": """
            import torch.nn as nn

            class Net(nn.Module):
                pass

            def build(cls):
                return cls()
            """,
        "registry.py": """
            from model import Net
            MODELS = {"net": Net}
            """,
        "README.md": "# P\n\n```\npython train.py\n```\n",
    })
    m = build_map(str(root))
    targets = {c.target for c in m.calls}
    assert "model.py:Net" in targets and "model.py:build" in targets
    assert not any(t.endswith((":RANK", ":MODELS")) for t in targets)


def test_docstring_signals_quote_whole_words(make_project):
    root = make_project({"runner.py": '"""Inference on a folder of images."""\n\ndef run(x):\n    return x\n'})
    signals = build_map(str(root)).files[0].signals
    assert any('"Inference"' in s for s in signals), signals
    assert not any('"Inferenc"' in s for s in signals)
