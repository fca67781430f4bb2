"""The HTML reading map opened in a real headless Chromium (Debian's `chromium` package).

Skipped, with the reason, where no Chromium is installed; `.ci/run` installs it.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from cdp import CHROMIUM, Page, png_pixels

from repolens.mapper import build_map
from repolens.output.map.html_page import map_to_html

REPO = Path(__file__).resolve().parents[2]

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
    for section in ("start-here", "diagram", "entrypoints", "files", "calls", "card", "environment"):
        assert f'<section id="{section}">' in dom
    for name in ("train.py", "eval.py", "resnet.py", "dataset.py", "README.md"):
        assert name in dom
    assert "★ core model" in dom
    assert dom.count("<script") == 1  # the page's own search script, nothing else


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
    assert dom.count("<script") == 1 and "<img" not in dom  # the page's own script only
    assert "&lt;script&gt;alert(1)&lt;/script&gt;.py" in dom
    assert "&lt;img src=x onerror=alert(2)&gt;.py" in dom


# -- the page as a navigator, driven through the DevTools protocol -------------------------------

def _large_tree(root: Path) -> Path:
    """Thirty sub-projects with long paths and long README commands: the shape that used to
    squeeze the entrypoints table's command column to three characters."""
    readme = ["# A large tree", "", "```bash"]
    for i in range(30):
        folder = root / f"projects/very_long_sub_project_folder_name_number_{i:02d}/tools"
        folder.mkdir(parents=True)
        (folder / f"train_detector_with_a_rather_long_script_name_{i:02d}.py").write_text(
            "import argparse\nimport torch.nn as nn\n\n\nclass Net(nn.Module):\n    def forward(self, x):\n"
            "        return x\n\n\nif __name__ == '__main__':\n    argparse.ArgumentParser().parse_args()\n")
        readme.append(f"python projects/very_long_sub_project_folder_name_number_{i:02d}/tools/"
                      f"train_detector_with_a_rather_long_script_name_{i:02d}.py --config-file-with-a-long-name "
                      f"configs/a_very_long_configuration_file_name_for_the_experiment_{i:02d}.yaml --epochs 300")
    (root / "README.md").write_text("\n".join([*readme, "```", ""]))
    return root


@pytest.fixture
def fixture_page(tmp_path):
    page_file = tmp_path / "map.html"
    page_file.write_text(map_to_html(build_map(str(REPO / "fixtures" / "image_classifier"))), encoding="utf-8")
    page = Page(tmp_path, page_file.as_uri(), 1400)
    yield page
    page.close()


_VISIBLE_FILES = "Array.from(document.querySelectorAll('li.file')).filter(e => e.offsetParent !== null)"


def test_search_shows_only_the_files_and_rows_that_match(fixture_page):
    page = fixture_page
    total = page.eval("document.querySelectorAll('li.file').length")
    assert page.eval(f"{_VISIBLE_FILES}.length") == total  # nothing hidden before a search
    page.type_into("#search", "resnet")
    shown = page.eval(f"{_VISIBLE_FILES}.map(e => e.dataset.path)")
    assert "models/resnet.py" in shown and "train.py" not in shown and 0 < len(shown) < total
    assert page.eval("document.getElementById('match-count').textContent") == f"{len(shown)} of {total} files match"
    rows = page.eval("Array.from(document.querySelectorAll('#entrypoints tbody tr'))"
                     ".filter(e => e.offsetParent !== null).map(e => e.dataset.path)")
    assert rows == ["models/resnet.py"]
    # Folders with no match left fold away; the diagram dims what does not match.
    assert page.eval("document.querySelector('li.file[data-path=\"data/dataset.py\"]').closest('li.folder').hidden")
    assert page.eval("document.querySelector('svg .node[data-path=\"train.py\"]').classList.contains('dim')")


def test_the_role_filter_keeps_one_role(fixture_page):
    page = fixture_page
    page.eval("{ const s = document.getElementById('role-filter'); s.value = 'model';"
              " s.dispatchEvent(new Event('change')); }")
    roles = page.eval(f"{_VISIBLE_FILES}.map(e => e.dataset.role)")
    assert roles and set(roles) == {"model"}
    assert page.eval("document.querySelector('li.file[data-path=\"train.py\"]').hidden")
    page.eval("{ const s = document.getElementById('role-filter'); s.value = '';"
              " s.dispatchEvent(new Event('change')); }")
    assert page.eval(f"{_VISIBLE_FILES}.length") == page.eval("document.querySelectorAll('li.file').length")


@pytest.mark.parametrize("width", [1400, 420])
def test_nothing_overflows_the_page_and_commands_stay_readable_on_a_large_tree(tmp_path, width):
    page_file = tmp_path / "map.html"
    page_file.write_text(map_to_html(build_map(str(_large_tree(tmp_path / "tree")))), encoding="utf-8")
    page = Page(tmp_path, page_file.as_uri(), width)
    try:
        assert page.eval("document.querySelectorAll('#entrypoints tbody tr').length") == 30
        page.eval("document.querySelectorAll('details').forEach(d => d.open = true)")  # the calls table too
        body = page.eval("[document.body.scrollWidth, document.body.clientWidth,"
                         " document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert body[0] <= body[1] and body[2] <= body[3], body
        # Every command gets a real share of the width, not a few characters.
        widths = page.eval("Array.from(document.querySelectorAll('#entrypoints code.cmd'))"
                           ".map(e => e.parentElement.getBoundingClientRect().width)")
        assert len(widths) == 30 and min(widths) >= (560 if width == 1400 else 300), widths
    finally:
        page.close()


@pytest.mark.parametrize("width", [1400, 420])
def test_a_collections_index_links_to_each_sub_project_and_stays_inside_the_page(tmp_path, width):
    # The large tree is a collection: thirty self-contained folders, each with its own program.
    page_file = tmp_path / "map.html"
    page_file.write_text(map_to_html(build_map(str(_large_tree(tmp_path / "tree")))), encoding="utf-8")
    page = Page(tmp_path, page_file.as_uri(), width)
    try:
        targets = page.eval("Array.from(document.querySelectorAll('#subprojects table.subprojects tbody a.path'))"
                            ".map(a => a.getAttribute('href'))")
        assert len(targets) == 30
        # Every index link lands on a section of the page that holds that sub-project's reading order.
        assert page.eval("Array.from(document.querySelectorAll('#subprojects table.subprojects tbody a.path'))"
                         ".every(a => document.querySelector(a.getAttribute('href') + ' ol.reading li') !== null)")
        body = page.eval("[document.body.scrollWidth, document.body.clientWidth]")
        assert body[0] <= body[1], body
        widths = page.eval("Array.from(document.querySelectorAll('#subprojects table.subprojects tbody code.cmd'))"
                           ".map(e => e.parentElement.getBoundingClientRect().width)")
        assert len(widths) == 30 and min(widths) >= (560 if width == 1400 else 300), widths
        # A search narrows the index like the other tables.
        page.type_into("#search", "number_07")
        shown = page.eval("Array.from(document.querySelectorAll('#subprojects table.subprojects tbody tr'))"
                          ".filter(e => e.offsetParent !== null).map(e => e.dataset.path)")
        assert shown == ["projects/very_long_sub_project_folder_name_number_07/tools"]
    finally:
        page.close()


def test_the_diagram_is_drawn_in_a_screenshot(fixture_page):
    page = fixture_page
    box = page.eval("(() => { const svg = document.querySelector('#diagram svg');"
                    " svg.scrollIntoView(); const r = svg.getBoundingClientRect();"
                    " return {x: r.x + scrollX, y: r.y + scrollY, width: r.width, height: r.height}; })()")
    assert box["width"] > 100 and box["height"] > 100, box
    assert page.eval("document.querySelectorAll('#diagram svg .node').length") >= 6
    width, height, pixels = png_pixels(page.screenshot(box))
    assert (width, height) == (round(box["width"]), round(box["height"]))
    background = max(set(pixels), key=pixels.count)
    drawn = sum(1 for px in pixels if px[:3] != background[:3]) / len(pixels)
    colours = {px[:3] for px in pixels}
    assert drawn > 0.05, drawn  # boxes, arrows and labels, not a blank rectangle
    assert len(colours) > 8  # role colours, text and anti-aliased edges
