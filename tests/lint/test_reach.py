"""uses_after: the reads of a name after one binding of it, without the branches that exclude it."""

import libcst as cst

from repolens.lint.reach import uses_after
from repolens.lint.traverse import walk

SOURCE = """
def main(args):
    if args.dataset == "cifar":
        test_set = make("cifar")
        valid_set = test_set
    elif args.dataset == "imagenet":
        test_set = make("imagenet")
        print(test_set)
    loader = load(test_set)
    test_set = None
    return test_set.x, other.test_set
"""


def _binding(module: cst.Module, text: str) -> cst.Call:
    return next(n for n in walk(module) if isinstance(n, cst.Call) and module.code_for_node(n) == text)


def test_reads_after_the_binding_skip_the_other_branch_and_rebinding_targets():
    module = cst.parse_module(SOURCE)
    uses = uses_after(module, _binding(module, 'make("imagenet")'), "test_set")
    lines = [module.code_for_node(a[-1]) for _, a in uses]
    # print(test_set), load(test_set), test_set.x: not `valid_set = test_set` (the cifar branch),
    # not the rebinding `test_set = None`, not `other.test_set` (another object's field)
    assert lines == ["test_set", "test_set", "test_set.x"]


def test_the_first_branch_sees_its_own_alias_but_not_the_elif():
    module = cst.parse_module(SOURCE)
    uses = uses_after(module, _binding(module, 'make("cifar")'), "test_set")
    statements = [module.code_for_node(a[-2]) for _, a in uses]
    assert statements[0] == "valid_set = test_set\n"  # the statement line: the alias in its own branch
    assert len(uses) == 3  # the alias, load(test_set), test_set.x; print(test_set) is in the elif


def test_a_value_outside_the_scope_has_no_answer():
    module = cst.parse_module(SOURCE)
    assert uses_after(cst.parse_module("x = 1\n"), _binding(module, 'make("cifar")'), "test_set") is None
