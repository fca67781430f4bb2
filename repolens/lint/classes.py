"""What kind of class is this: the module-kind questions the rules ask (is it an nn.Module?).

One place for them; the project model answers them (`Rule.class_kind`: through imports,
re-exports and bases across files), so same-named classes in two files never mix.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from repolens.lint.knowledge.nn import is_torch_nn_class
from repolens.pyindex.aliases import cst_dotted_name

if TYPE_CHECKING:
    from repolens.lint.rule import Rule


def is_module_base(rule: Rule, base: cst.BaseExpression) -> bool:
    qualified = rule.qualified_name(base)
    if not qualified:
        return False
    if qualified in ("torch.nn.Module", "torch.nn.modules.module.Module") or is_torch_nn_class(qualified):
        return True
    return rule.class_kind(base) == "module"


def is_module_class(rule: Rule, node: cst.ClassDef) -> bool:
    """A class whose bases make it an nn.Module: torch.nn classes or the repo's Module classes."""
    return rule.class_kind(node.name.value) == "module" or any(is_module_base(rule, b.value) for b in node.bases)


def is_module_construction(rule: Rule, node: cst.CSTNode | None) -> bool:
    """`nn.Linear(...)`, `torch.nn.Conv2d(...)`, `MyBlock(...)` (a Module class of this repo)."""
    if not isinstance(node, cst.Call):
        return False
    dotted = cst_dotted_name(node.func)
    if dotted is None:
        return False
    if is_torch_nn_class(rule.qualified_name(node.func)):
        return True
    return rule.class_kind(dotted) == "module"


class ModuleKinds:
    """`class_is_module` for `ScopedRule`: `is_module_class`, memoised per class for the file."""

    _module_class: dict[int, bool]

    def class_is_module(self, node: cst.ClassDef) -> bool:
        key = id(node)
        if key not in self._module_class:
            self._module_class[key] = is_module_class(self, node)
        return self._module_class[key]
