"""`--format html`: one self-contained page; repository text can never become markup."""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import replace
from html.parser import HTMLParser

from map_samples import HOSTILE_NAME, empty_map, hostile_map, image_classifier_map

from repolens.mapper.model import GitInfo
from repolens.output.map.html_page import _SCRIPT, map_to_html


class _Page(HTMLParser):
    """Every start tag with its attributes, and the page's text."""

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(markup)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


# The only elements the page is built from; anything else came from the repository.
ALLOWED_TAGS = {"html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "span", "p", "nav",
                "a", "main", "section", "ol", "li", "div", "code", "table", "thead", "tbody", "tr", "th", "td",
                "ul", "details", "summary", "footer", "h3", "input", "select", "option", "colgroup", "col",
                "script", "svg", "defs", "marker", "path", "g", "rect", "text"}


def test_page_has_every_section_with_an_anchor():
    page = _Page(map_to_html(image_classifier_map()))
    ids = [attrs.get("id") for tag, attrs in page.tags if tag == "section"]
    assert ids == ["start-here", "diagram", "entrypoints", "recipe", "configs-and-scripts", "files", "calls", "card",
                   "environment", "problems"]
    assert [attrs["href"] for tag, attrs in page.tags if tag == "a"][:len(ids)] == [f"#{i}" for i in ids]


def test_the_only_script_is_the_pages_own_and_the_csp_allows_nothing_else():
    markup = map_to_html(hostile_map())
    page = _Page(markup)
    assert [attrs for tag, attrs in page.tags if tag == "script"] == [{}]  # inline, no src
    assert markup.count("<script>") == 1 and f"<script>{_SCRIPT}</script>" in markup
    csp = next(a["content"] for t, a in page.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    digest = base64.b64encode(hashlib.sha256(_SCRIPT.encode()).digest()).decode()
    assert csp.startswith("default-src 'none';") and f"script-src 'sha256-{digest}'" in csp
    assert "unsafe-inline'" not in csp.split("script-src", 1)[1]


def test_page_is_self_contained_with_no_network():
    markup = map_to_html(image_classifier_map())
    page = _Page(markup)
    assert {tag for tag, _ in page.tags} <= ALLOWED_TAGS
    assert not any(tag in {"link", "img", "iframe", "object"} for tag, _ in page.tags)
    for _, attrs in page.tags:
        for name, value in attrs.items():
            assert name not in {"src", "srcset"} and not name.startswith("on")
            assert "http:" not in (value or "") and "https:" not in (value or "")
    assert "@import" not in markup and not re.search(r"url\((?!#)", markup)  # url(#arrow): the SVG marker
    csp = next(a["content"] for t, a in page.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert csp.startswith("default-src 'none'")


def test_file_tree_is_collapsible_folders_with_role_coloured_badges():
    markup = map_to_html(image_classifier_map())
    page = _Page(markup)
    summaries = [t for t, _ in page.tags if t == "summary"]
    assert len(summaries) >= 14 + 6  # one per file (its signals) and one per folder
    badges = [a["class"] for t, a in page.tags if t == "span" and "role" in (a.get("class") or "").split()]
    assert "role role-model" in badges and "role role-utils secondary" in badges
    assert ".role-model { background: #7b1fa2; }" in markup


def test_reading_order_marks_the_core_model():
    markup = map_to_html(image_classifier_map())
    assert ('<li value="5" class="core" data-path="models/resnet.py" data-role="model"><a class="loc" '
            'href="models/resnet.py"><code>models/resnet.py:40</code></a> <code class="sym">ResNet</code> '
            '<span class="core-badge">★ core model</span>') in markup


def test_the_then_tier_has_its_own_heading_and_numbers_run_on():
    markup = map_to_html(image_classifier_map())
    assert "<h3>Then " in markup
    assert re.search(r'<li value="7" data-path="utils/metrics.py"', markup.split("<h3>Then ", 1)[1])


def test_links_go_to_the_remote_at_head_for_committed_files_and_stay_relative_otherwise():
    base = image_classifier_map()
    web = "https://github.com/o/r/blob/" + base.git.head
    markup = map_to_html(replace(base, git=GitInfo(base.git.head, base.git.files, web)))
    assert f'href="{web}/train.py#L58"' in markup  # a reading step: file and line
    assert f'href="{web}/models/resnet.py#L40"' in markup
    assert 'href="data/transforms.py"' in markup  # no history: not known to be on the remote
    assert f'href="{web}/README.md"' not in markup
    relative = map_to_html(base)
    assert "https://github.com" not in relative and 'href="train.py"' in relative


def test_the_diagram_is_an_inline_svg_with_a_box_per_file_of_the_reading_path():
    page = _Page(map_to_html(image_classifier_map()))
    svgs = [a for t, a in page.tags if t == "svg"]
    assert len(svgs) == 1 and svgs[0]["class"] == "diagram"
    boxes = [a["data-path"] for t, a in page.tags if t in ("a", "g") and a.get("class") == "node"]
    assert boxes[:6] == ["README.md", "train.py", "data/cifar.py", "data/transforms.py", "models/resnet.py",
                         "models/heads.py"]
    assert {"utils/checkpoint.py", "utils/metrics.py"} <= set(boxes)  # reached through calls
    links = {a["data-path"]: a["href"] for t, a in page.tags if t == "a" and a.get("class") == "node"}
    ids = {a["data-path"]: a["id"] for t, a in page.tags if t == "li" and "file" in (a.get("class") or "")}
    assert links["train.py"] == f"#{ids['train.py']}"


def test_a_hostile_remote_address_stays_an_escaped_attribute():
    markup = map_to_html(hostile_map())
    assert '"><script>' not in markup.replace("<script>" + _SCRIPT, "")


def test_a_file_named_like_a_script_tag_cannot_inject_markup():
    markup = map_to_html(hostile_map())
    page = _Page(markup)
    assert {tag for tag, _ in page.tags} <= ALLOWED_TAGS  # no <img>, <b>, <i> from the data
    assert [tag for tag, _ in page.tags].count("script") == 1  # the page's own, nothing from the data
    assert not any(name.startswith("on") for _, attrs in page.tags for name in attrs)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;.py" in markup
    text = "".join(page.text)
    assert HOSTILE_NAME in text  # shown to the reader as the text it is
    assert '<img src=x onerror="alert(2)">' in text


def test_empty_map_page_explains_each_empty_section():
    text = "".join(_Page(map_to_html(empty_map())).text)
    for sentence in ("No reading order could be built", "No entrypoint found", "No Python files or notebooks",
                     "No calls between the files", "No checklist was scored", "No framework versions declared"):
        assert sentence in text


def test_recipe_table_shows_values_with_their_source_and_absent_fields_with_advice():
    page = map_to_html(image_classifier_map())
    section = page.split('<section id="recipe">', 1)[1].split("</section>", 1)[0]
    assert "<code>0.1</code>" in section and "args.lr, argparse default at train.py:31" in section
    assert '<code class="loc">train.py:124</code>' in section
    seed_row = next(row for row in section.split("<tr") if ">Seed<" in row)
    assert "absent" in seed_row and "RL320" in seed_row


def test_recipe_text_from_the_repository_is_escaped():
    section = map_to_html(hostile_map()).split('<section id="recipe">', 1)[1].split("</section>", 1)[0]
    assert "<b>Adam</b>" not in section and "&lt;b&gt;Adam&lt;/b&gt;" in section
    assert "&lt;i&gt;" in section


def test_no_training_entrypoint_says_so():
    assert "No training entrypoint found" in map_to_html(empty_map())
