"""`--format html`: one self-contained page; repository text can never become markup."""

from __future__ import annotations

from html.parser import HTMLParser

from map_samples import HOSTILE_NAME, empty_map, hostile_map, image_classifier_map

from repolens.output.map.html_page import map_to_html


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
                "ul", "details", "summary", "footer"}


def test_page_has_every_section_with_an_anchor():
    page = _Page(map_to_html(image_classifier_map()))
    ids = [attrs.get("id") for tag, attrs in page.tags if tag == "section"]
    assert ids == ["start-here", "entrypoints", "recipe", "files", "calls", "card", "environment", "problems"]
    assert [attrs["href"] for tag, attrs in page.tags if tag == "a"] == [f"#{i}" for i in ids]


def test_page_is_self_contained_with_no_script_and_no_network():
    markup = map_to_html(image_classifier_map())
    page = _Page(markup)
    assert {tag for tag, _ in page.tags} <= ALLOWED_TAGS
    assert not any(tag in {"script", "link", "img", "iframe", "object"} for tag, _ in page.tags)
    for _, attrs in page.tags:
        for name, value in attrs.items():
            assert name not in {"src", "srcset"} and not name.startswith("on")
            assert "http:" not in (value or "") and "https:" not in (value or "")
    assert "@import" not in markup and "url(" not in markup
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
    assert '<li class="core"><code class="loc">models/resnet.py:40</code> <code class="sym">ResNet</code> ' \
           '<span class="core-badge">★ core model</span>' in markup


def test_a_file_named_like_a_script_tag_cannot_inject_markup():
    markup = map_to_html(hostile_map())
    page = _Page(markup)
    assert {tag for tag, _ in page.tags} <= ALLOWED_TAGS  # no <script>, <img>, <b>, <i> from the data
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
