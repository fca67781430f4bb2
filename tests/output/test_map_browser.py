"""The HTML reading map opened in a real headless Chromium (Debian's `chromium` package).

Skipped, with the reason, where no Chromium is installed; `.ci/run` installs it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from repolens.mapper import build_map
from repolens.output.map.html_page import map_to_html

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = next((found for name in ("chromium", "chromium-browser", "google-chrome")
                 if (found := shutil.which(name))), None)

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium on PATH (apt-get install chromium): the HTML map is not browser-checked")


def chromium(tmp_path: Path, page: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """One headless run that cannot reach the network or touch the user's profile."""
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run", "--no-default-browser-check",
               f"--user-data-dir={tmp_path / 'profile'}", *args, page.as_uri()]
    env = {**os.environ, "HOME": str(tmp_path)}  # chromium writes caches under HOME
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    return result


def test_chromium_renders_every_section_and_file_of_the_fixture_map(tmp_path):
    page = tmp_path / "map.html"
    page.write_text(map_to_html(build_map(str(REPO / "fixtures" / "image_classifier"))), encoding="utf-8")
    dom = chromium(tmp_path, page, "--dump-dom").stdout
    for section in ("start-here", "entrypoints", "files", "calls", "card", "environment"):
        assert f'<section id="{section}">' in dom
    for name in ("train.py", "eval.py", "resnet.py", "dataset.py", "README.md"):
        assert name in dom
    assert "★ core model" in dom
    assert "<script" not in dom


def test_chromium_screenshot_of_the_map_is_a_real_image(tmp_path):
    page = tmp_path / "map.html"
    page.write_text(map_to_html(build_map(str(REPO / "fixtures" / "tiny_lm"))), encoding="utf-8")
    shot = tmp_path / "map.png"
    chromium(tmp_path, page, f"--screenshot={shot}", "--window-size=1100,1600", "--hide-scrollbars")
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 20_000  # a blank page compresses to a few hundred bytes


def test_a_repository_file_named_like_a_script_tag_stays_text_in_the_browser(tmp_path):
    repo = tmp_path / "repo"
    (repo / "<script>alert(1)<").mkdir(parents=True)  # so the path reads <script>alert(1)</script>.py
    (repo / "<script>alert(1)<" / "script>.py").write_text(
        "import torch.nn as nn\n\n\nclass Net(nn.Module):\n    def forward(self, x):\n        return x\n",
        encoding="utf-8")
    (repo / "<img src=x onerror=alert(2)>.py").write_text("x = 1\n", encoding="utf-8")
    page = tmp_path / "map.html"
    page.write_text(map_to_html(build_map(str(repo))), encoding="utf-8")
    dom = chromium(tmp_path, page, "--dump-dom").stdout
    assert "<script" not in dom and "<img" not in dom
    assert "&lt;script&gt;alert(1)&lt;/script&gt;.py" in dom
    assert "&lt;img src=x onerror=alert(2)&gt;.py" in dom
