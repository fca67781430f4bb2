"""The training recipe of a repository's main training entrypoint, read statically.

`extract_recipe(root, project, entrypoint)` returns a frozen `Recipe`: for each field of FIELDS
(optimizer and its hyperparameters, schedule, epochs, batch size, precision, distribution, seed,
logging, checkpointing, augmentations, loss) the values as written, where they are used
(`file:line`), where the value comes from (literal, argparse default, command line, config file,
config class, dict of defaults, library default) and under which condition. An empty field is
absent, which the formats say in words with the advice that goes with it.
"""

from repolens.mapper.recipe.extract import extract_recipe, training_entrypoint
from repolens.mapper.recipe.model import ADVICE, FIELDS, LABELS, Recipe, RecipeValue

__all__ = ["ADVICE", "FIELDS", "LABELS", "Recipe", "RecipeValue", "extract_recipe", "training_entrypoint"]
