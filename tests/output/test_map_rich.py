"""`--format rich`: the terminal map a newcomer reads first."""

from __future__ import annotations

import io
from dataclasses import replace

from map_samples import empty_map, hostile_map, image_classifier_map
from rich.console import Console

from repolens.mapper.model import SupportFile
from repolens.output.map import render_map
from repolens.output.map.rich_view import map_renderable, map_to_text


def test_rich_map_shows_every_section_in_reading_order():
    text = map_to_text(image_classifier_map())
    headings = ["Start here", "Entrypoints", "Files", "Repo card  4/5", "Environment", "Problems"]
    positions = [text.index(h) for h in headings]
    assert positions == sorted(positions)


def test_header_names_the_repo_its_git_head_and_the_core_model():
    first_lines = "\n".join(map_to_text(image_classifier_map()).splitlines()[:4])
    assert "image_classifier" in first_lines
    assert "git 3f9c2a1b7d" in first_lines
    assert "core model: ResNet in models/resnet.py" in first_lines


def test_start_here_numbers_the_steps_with_file_line_then_why_and_marks_the_core():
    lines = map_to_text(image_classifier_map()).splitlines()
    step2 = next(i for i, line in enumerate(lines) if line.strip().startswith("2."))
    assert lines[step2].split() == ["2.", "train.py:58", "main"]
    assert lines[step2 + 1].strip() == "main entrypoint (README.md:14)"
    core = next(line for line in lines if "★ core model" in line)
    assert core.split()[:3] == ["5.", "models/resnet.py:40", "ResNet"]


def test_entrypoints_show_the_command_then_how_it_was_found():
    lines = map_to_text(image_classifier_map()).splitlines()
    train = next(i for i, line in enumerate(lines) if line.split()[:1] == ["train.py"])
    assert lines[train].split()[1:] == "python train.py --epochs 30 --lr 0.1".split()
    assert lines[train + 1].strip() == "README command, README.md:14"
    guard = next(i for i, line in enumerate(lines) if line.split()[:1] == ["scripts/broken_export.py"])
    assert "(no command found)" in lines[guard]
    assert lines[guard + 1].strip() == "__main__ guard, scripts/broken_export.py:10"


def test_file_tree_groups_files_by_folder_with_role_confidence_and_secondary_roles():
    lines = map_to_text(image_classifier_map()).splitlines()
    models = next(i for i, line in enumerate(lines) if "models/" in line and "3 files" in line)
    assert "resnet.py" in "\n".join(lines[models:models + 4])
    transforms = next(line for line in lines if "transforms.py" in line and "85%" in line)
    assert " data " in transforms and "+utils" in transforms
    assert "unparsed" in next(line for line in lines if "broken_export.py" in line and "%" in line)
    assert "14 commits, last 2024-03-02" in next(line for line in lines if "train.py" in line and "96%" in line)


def test_repo_card_marks_each_item_with_check_or_cross_and_evidence():
    lines = map_to_text(image_classifier_map()).splitlines()
    weights = next(line for line in lines if "Pretrained weights linked" in line)
    assert "✗" in weights and "no link to weights in README.md" in weights
    deps = next(line for line in lines if "Dependencies specified" in line)
    assert "✓" in deps and "requirements.txt" in deps


def test_environment_lists_declared_versions_and_what_is_not_declared():
    text = map_to_text(image_classifier_map())
    assert "torchvision  >=0.16" in text
    assert "python       not declared" in text


def test_every_line_fits_in_100_columns():
    for repo_map in (image_classifier_map(), hostile_map(), empty_map()):
        assert max(len(line) for line in map_to_text(repo_map).splitlines()) <= 100


def test_repository_text_is_never_read_as_rich_markup():
    text = map_to_text(hostile_map())
    assert "[bold]markup[/bold]" in text
    assert "[red]x[/" in text  # the folder part of `we|ird/[red]x[/red].py`


def test_newlines_in_repository_text_cannot_break_the_layout():
    lines = map_to_text(hostile_map()).splitlines()
    assert any("end.py" in line and "a newline" in line for line in lines)


def test_empty_map_explains_what_is_missing_instead_of_empty_sections():
    text = map_to_text(empty_map())
    assert "No reading order could be built" in text
    assert "No entrypoint found" in text
    assert "No Python files or notebooks found." in text
    assert "No framework versions declared" in text
    assert "no Python files or notebooks found" in text  # the problem itself


def test_plain_text_has_no_colour_codes_or_trailing_spaces():
    text = render_map(image_classifier_map(), "rich")
    assert "\x1b[" not in text
    assert all(line == line.rstrip() for line in text.splitlines())


def test_terminal_rendering_colours_role_badges():
    buffer = io.StringIO()
    Console(file=buffer, width=100, force_terminal=True, color_system="truecolor").print(
        map_renderable(image_classifier_map()))
    assert "\x1b[" in buffer.getvalue()
    assert "123;31;162" in buffer.getvalue()  # the model badge's purple, #7b1fa2


def test_the_then_tier_and_the_configs_and_scripts_are_shown():
    text = map_to_text(image_classifier_map(), width=100)
    start = text.split("Start here", 1)[1].split("Entrypoints", 1)[0]
    first, then = start.split("Then", 1)
    assert "models/resnet.py:40" in first and "utils/metrics.py" not in first
    assert "7.  utils/metrics.py:3" in then
    configs = text.split("Configs and scripts", 1)[1].split("Files", 1)[0]
    assert "configs/cifar10.yaml" in configs and "used at README.md:14 (argument of train.py)" in configs


def test_a_folder_of_configs_nobody_names_is_one_line():
    base = image_classifier_map()
    zoo = tuple(SupportFile(f"configs/zoo/m{i}.yaml", "config", "yaml", 3) for i in range(40))
    text = map_to_text(replace(base, support_files=base.support_files + zoo), width=100)
    assert "configs/zoo/" in text and "40 config files that no code or command names" in text
    assert "m17.yaml" not in text


def test_recipe_section_shows_values_where_and_how_and_absent_fields_with_advice():
    text = map_to_text(image_classifier_map())
    section = text.split("Training recipe", 1)[1].split("Files ", 1)[0]
    lr = next(line for line in section.splitlines() if "Learning rate" in line)
    assert "0.1" in lr and "train.py:124" in lr and "argparse default at train.py:31" in lr
    seed = next(line for line in section.splitlines() if line.strip().startswith("Seed"))
    assert "absent" in seed and "no seed" in seed
    assert "TensorBoard" in section and "JSON log" in section


def test_recipe_markup_from_the_repository_prints_as_itself():
    text = map_to_text(hostile_map(), width=200)
    assert "<b>Adam</b> | `x`" in text and "[red]opt[/red]" in text


def test_no_training_entrypoint_says_so_in_the_terminal():
    assert "No training entrypoint found" in map_to_text(empty_map())
