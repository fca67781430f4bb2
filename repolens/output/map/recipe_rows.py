"""The "Training recipe" section as rows, computed once for the rich, markdown and html formats."""

from __future__ import annotations

from dataclasses import dataclass

from repolens.mapper.recipe.model import ADVICE, FIELDS, LABELS, Recipe, RecipeValue

SOURCE_WORDS: dict[str, str] = {
    "literal": "literal",
    "argparse-default": "argparse default",
    "command": "command line",
    "config-file": "config file",
    "class-default": "config class default",
    "dict-default": "defaults dict",
    "function-default": "parameter default",
    "library-default": "library default",
    "computed": "computed",
    "unresolved": "not resolved",
}


@dataclass(frozen=True)
class RecipeLine:
    value: str  # "0.1"
    detail: str  # "args.lr, argparse default at train.py:31, if args.amp"
    evidence: str  # "train.py:124"


@dataclass(frozen=True)
class RecipeRow:
    field: str
    label: str
    lines: tuple[RecipeLine, ...]  # empty: absent
    advice: str  # for an absent field worth a sentence: what that means; "" otherwise


def _detail(v: RecipeValue) -> str:
    parts = []
    if v.written and v.written != v.value:
        parts.append(v.written)
    if v.source != "literal" or v.value_at:
        where = SOURCE_WORDS.get(v.source, v.source)
        parts.append(f"{where} at {v.value_at}" if v.value_at else where)
    if v.when:
        parts.append(v.when)
    return ", ".join(parts)


def recipe_rows(recipe: Recipe) -> list[RecipeRow]:
    found = dict(recipe.fields)
    out = []
    for name in FIELDS:
        values = found.get(name, ())
        lines = tuple(RecipeLine(v.value, _detail(v), v.evidence) for v in values)
        out.append(RecipeRow(name, LABELS[name], lines, "" if lines else ADVICE.get(name, "")))
    return out


def recipe_heading(recipe: Recipe) -> str:
    return f"read from {recipe.entrypoint} and {len(recipe.files) - 1} more file(s)" if len(recipe.files) > 1 \
        else f"read from {recipe.entrypoint}"


NO_RECIPE = "No training entrypoint found, so no training recipe."
