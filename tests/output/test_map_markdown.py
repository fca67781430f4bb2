"""`--format markdown`: a READING_MAP.md whose Mermaid block renders on GitHub."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from map_samples import HOSTILE_NAME, empty_map, hostile_map, image_classifier_map

from repolens.mapper import build_map
from repolens.mapper.model import CallEdge, ReadingStep, RepoMap
from repolens.output.map.markdown_doc import map_to_markdown, md_code, md_text
from repolens.output.map.graph import MAX_NODES
from repolens.output.map.mermaid import label, reading_flowchart

# The statements our flowcharts may contain, each in the strict form GitHub's Mermaid accepts.
_ID = r"n\d+"
_LABEL = r'"(?P<label>[^"]*)"'
_STATEMENTS = {
    "node": re.compile(rf"^    (?P<id>{_ID})\[{_LABEL}\]$"),
    "edge": re.compile(rf"^    (?P<a>{_ID}) (==>|-\.->)(\|{_LABEL}\|)? (?P<b>{_ID})$"),
    "classDef": re.compile(r"^    classDef (?P<cls>role_[a-z]+) (fill|stroke|color):#[0-9a-f]{6}"
                           r"(,(fill|stroke|color):#[0-9a-f]{6})*$"),
    "class": re.compile(rf"^    class (?P<ids>{_ID}(,{_ID})*) (?P<cls>role_[a-z]+)$"),
    "style": re.compile(rf"^    style (?P<id>{_ID}) stroke:#[0-9a-f]{{6}},stroke-width:\d+px$"),
}
# Inside a label: no quote, angle bracket, backtick, pipe, backslash or percent sign, and every
# "#" starts an entity code.
_UNSAFE_IN_LABEL = re.compile(r'["<>`|\\%\n\r]|#(?!(\d+|[a-z]+);)')


def check_mermaid(source: str) -> dict[str, str]:
    """Parse our flowchart dialect strictly; return node id -> label. Fails on anything else."""
    lines = source.split("\n")
    assert lines[0] == "flowchart TD"
    nodes: dict[str, str] = {}
    classes: set[str] = set()
    for line in lines[1:]:
        kind, match = next(((k, m) for k, r in _STATEMENTS.items() if (m := r.match(line))), (None, None))
        assert match is not None, f"not a statement of our dialect: {line!r}"
        if match.groupdict().get("label") is not None:
            assert not _UNSAFE_IN_LABEL.search(match["label"]), f"unsafe label: {line!r}"
        if kind == "node":
            assert match["id"] not in nodes, f"duplicate id {match['id']}"
            nodes[match["id"]] = match["label"]
        elif kind == "edge":
            assert match["a"] in nodes and match["b"] in nodes, f"edge to an undefined node: {line!r}"
        elif kind == "classDef":
            classes.add(match["cls"])
        elif kind == "class":
            assert match["cls"] in classes
            assert all(i in nodes for i in match["ids"].split(","))
        elif kind == "style":
            assert match["id"] in nodes
    return nodes


def mermaid_blocks(markdown: str) -> list[str]:
    return re.findall(r"^```mermaid\n(.*?)\n```$", markdown, flags=re.S | re.M)


def test_reading_map_has_title_and_sections_in_order():
    text = map_to_markdown(image_classifier_map())
    assert text.startswith("# Reading map: image\\_classifier\n")
    headings = re.findall(r"^## (.+)$", text, flags=re.M)
    assert headings == ["Start here", "Reading path", "Entrypoints", "Training recipe", "Configs and scripts", "Files by role",
                        "Repo card (4/5)", "Environment", "Problems"]


def test_the_then_tier_and_the_configs_and_scripts_are_shown():
    text = map_to_markdown(image_classifier_map())
    start = text.split("## Start here", 1)[1].split("## Reading path", 1)[0]
    first, then = start.split("**Then**", 1)
    assert "6. " in first and "utils/metrics.py" not in first
    assert "\n7. **[`utils/metrics.py:3`](utils/metrics.py#L3)**" in then
    configs = text.split("## Configs and scripts", 1)[1].split("## Files by role", 1)[0]
    assert "| [`configs/cifar10.yaml`](configs/cifar10.yaml) | config | 12 | used at README.md:14 " in configs
    assert "runs train.py" in configs


def test_reading_order_is_a_numbered_list_with_links_to_file_and_line_and_the_core_marked():
    text = map_to_markdown(image_classifier_map())
    assert "2. **[`train.py:58`](train.py#L58)** `main`: main entrypoint (README.md:14)" in text
    core = next(line for line in text.splitlines() if line.startswith("5. "))
    assert "[`models/resnet.py:40`](models/resnet.py#L40)" in core and "**core model**" in core


def test_the_document_holds_exactly_one_mermaid_flowchart_that_parses():
    blocks = mermaid_blocks(map_to_markdown(image_classifier_map()))
    assert len(blocks) == 1
    nodes = check_mermaid(blocks[0])
    assert nodes["n0"] == "1. README.md"
    assert "★ 5. models/resnet.py · ResNet" in nodes.values()


def test_flowchart_follows_the_reading_path_and_the_calls_out_of_it():
    chart = reading_flowchart(image_classifier_map())
    assert "    n0 ==> n1" in chart and "    n5 ==> n6" in chart  # README -> train.py ... -> metrics
    assert '    n1 -.->|"ResNet"| n4' in chart  # train.py calls ResNet in models/resnet.py
    assert '    n7["utils/checkpoint.py"]' in chart  # called by train.py, not on the path itself
    assert "eval.py" not in chart  # eval.py's calls do not start on the reading path
    assert "    style n4 stroke:#f9a825,stroke-width:4px" in chart  # the core node


def test_nodes_are_coloured_by_role_and_the_readme_as_a_document():
    chart = reading_flowchart(image_classifier_map())
    assert "    class n0 role_doc" in chart
    assert "    class n4,n5 role_model" in chart


def test_hostile_names_give_a_flowchart_that_still_parses():
    markdown = map_to_markdown(hostile_map())
    nodes = check_mermaid(mermaid_blocks(markdown)[0])
    assert "★ 2. #lt;script#gt;alert(1)#lt;/script#gt;.py · X#lt;T#gt;" in nodes.values()


def test_labels_escape_every_character_mermaid_could_read_as_syntax():
    assert label('a"b<c>d`e|f#g&h%i\\j\nk') == "a#quot;b#lt;c#gt;d#96;e#124;f#35;g#amp;h#37;i#92;j k"
    assert not _UNSAFE_IN_LABEL.search(label("#quot; already an entity? #35;"))


def test_a_long_reading_order_is_capped_so_the_diagram_stays_readable():
    steps = tuple(ReadingStep(f"pkg/m{i}.py", "why", i + 1, f"f{i}") for i in range(60))
    calls = tuple(CallEdge(f"pkg/m{i}.py:f{i}", f"lib/x{i}.py:g", 1) for i in range(60))
    repo_map = RepoMap(root=".", files=(), entrypoints=(), reading_order=steps, calls=calls,
                       environment={}, card={})
    nodes = check_mermaid(reading_flowchart(repo_map))
    assert len(nodes) == MAX_NODES


def test_a_file_read_twice_is_one_node_with_both_step_numbers():
    steps = (ReadingStep("train.py", "entry", 10, "main"), ReadingStep("model.py", "net", 3, "Net"),
             ReadingStep("train.py", "the loop", 40, "train_one_epoch"))
    repo_map = RepoMap(root=".", files=(), entrypoints=(), reading_order=steps, calls=(),
                       environment={}, card={})
    nodes = check_mermaid(reading_flowchart(repo_map))
    assert nodes == {"n0": "1, 3. train.py · main, train_one_epoch", "n1": "2. model.py · Net"}


def test_no_reading_path_means_no_diagram():
    text = map_to_markdown(empty_map())
    assert "```mermaid" not in text
    assert "No reading order could be built" in text


def test_entrypoints_and_files_tables_have_a_row_per_item():
    text = map_to_markdown(image_classifier_map())
    assert "| [`train.py`](train.py) | `python train.py --epochs 30 --lr 0.1` | README command | README.md:14 |" in text
    file_rows = [line for line in text.splitlines() if re.match(r"^\| (data|model|train|eval|utils|config|test|script) \|", line)]
    assert len(file_rows) == 14
    assert "| script | [`scripts/broken_export.py`](scripts/broken_export.py) (unparsed) | 40% (uncertain) |" in text


def test_card_and_environment_are_tables_with_marks_and_versions():
    text = map_to_markdown(image_classifier_map())
    assert "| ❌ | Pretrained weights linked | no link to weights in README.md |" in text
    assert "| torch | `>=2.1` |" in text and "| python | not declared |" in text


def test_untrusted_text_cannot_inject_html_or_break_tables():
    text = map_to_markdown(hostile_map())
    prose = re.sub(r"^```mermaid\n.*?\n```$", "", text, flags=re.S | re.M)
    prose = re.sub(r"(`+).*?\1", "", prose)  # code spans show "<" literally on GitHub
    assert not re.search(r"(?<!\\)[<>]", prose), "an unescaped angle bracket outside code"
    # Every table row has the same number of unescaped cell separators as its header.
    for table in re.findall(r"((?:^\|.*\|$\n?)+)", text, flags=re.M):
        counts = {len(re.findall(r"(?<!\\)\|", row)) for row in table.strip().splitlines()}
        assert len(counts) == 1, table


def test_code_spans_hold_backticks_and_prose_escapes_markdown():
    assert md_code("a`b") == "``a`b``"
    assert md_code("`x`") == "`` `x` ``"
    assert md_code("a|b", in_table=True) == "`a\\|b`"
    assert md_text("*bold* <b> [x](y) - ok") == "\\*bold\\* \\<b\\> \\[x\\](y) - ok"
    assert md_text("- starts a list") == "\\- starts a list"


def test_hostile_file_name_is_linked_with_a_percent_encoded_target():
    text = map_to_markdown(hostile_map())
    assert f"[`{HOSTILE_NAME}`](%3Cscript%3Ealert%281%29%3C/script%3E.py)" in text


@pytest.mark.parametrize("fixture", ["image_classifier", "mnist_script", "tiny_lm"])
def test_reading_maps_of_the_real_fixtures_hold_a_flowchart_that_parses(fixture):
    root = Path(__file__).resolve().parents[2] / "fixtures" / fixture
    blocks = mermaid_blocks(map_to_markdown(build_map(str(root))))
    assert len(blocks) == 1
    nodes = check_mermaid(blocks[0])
    assert nodes["n0"] == "1. README.md"
    assert any(label.startswith("★ ") for label in nodes.values())  # the core model is marked


def test_recipe_table_links_each_value_to_its_line_and_says_absent_with_advice():
    text = map_to_markdown(image_classifier_map())
    assert "| Learning rate | `0.1` | [`train.py:124`](train.py#L124) | args.lr, argparse default at train.py:31 |" in text
    # Two logging values: the label only on the first row.
    assert "|  | `JSON log` | [`train.py:160`](train.py#L160) | json.dumps(log\\_stats) |" in text
    assert "| Betas | absent | - | - |" in text
    seed = next(line for line in text.splitlines() if line.startswith("| Seed |"))
    assert "| absent |" in seed and "RL320" in seed


def test_recipe_text_cannot_break_the_table():
    text = map_to_markdown(hostile_map())
    row = next(line for line in text.splitlines() if line.startswith("| Optimizer |"))
    assert len(re.split(r"(?<!\\)\|", row)) == 6  # four cells: every pipe inside them is escaped
    assert "\\[red\\]opt" in row and '"\\<i\\>"' in row
