"""BindingTracker: what a name was last assigned, and what a name unpacked from a call stands for."""

import libcst as cst

from repolens.lint.bindings import BindingTracker
from repolens.pyindex.aliases import cst_dotted_name


class _Probe(BindingTracker, cst.CSTVisitor):
    """Records, at each `probe(name)` call, what the tracker knows of `name`."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[str, str | None, tuple[str, int] | None]] = []

    def visit_Call(self, node: cst.Call) -> None:
        if cst_dotted_name(node.func) == "probe":
            name = cst_dotted_name(node.args[0].value) or ""
            value = self.assigned.get(name)
            unpacked = self.unpacked.get(name)
            self.seen.append((name, cst.Module([]).code_for_node(value) if value is not None else None,
                              (cst_dotted_name(unpacked[0].func) or "", unpacked[1]) if unpacked else None))


def _probe(code: str) -> list[tuple[str, str | None, tuple[str, int] | None]]:
    visitor = _Probe()
    cst.parse_module(code).visit(visitor)
    return visitor.seen


def test_names_unpacked_from_a_call_keep_the_call_and_their_index():
    seen = _probe("train_set = Folder('a')\ntrain_set, val_set = data.get_sets(root)\nprobe(train_set)\nprobe(val_set)\n")
    # The earlier value is hidden (as by a parameter), the unpacked item is known by its index.
    assert seen == [("train_set", "train_set", ("data.get_sets", 0)), ("val_set", "val_set", ("data.get_sets", 1))]


def test_a_later_plain_assignment_or_a_starred_target_forgets_the_item():
    seen = _probe("a, b = f()\na = g()\nprobe(a)\nc, *rest = f()\nprobe(c)\n")
    assert seen == [("a", "g()", None), ("c", "c", None)]


def test_unpacked_names_are_scoped_like_assignments():
    seen = _probe("def load():\n    x, y = f()\n    probe(x)\nprobe(x)\n")
    assert seen == [("x", "x", ("f", 0)), ("x", None, None)]


def test_the_parts_of_a_random_split_are_parts_of_the_split_dataset():
    seen = _probe("train_data = datasets.MNIST('d')\ntrain_data, valid_data = data.random_split(train_data, [9, 1])\n"
                  "probe(train_data)\nprobe(valid_data)\n")
    assert seen == [("train_data", "datasets.MNIST('d')", None), ("valid_data", "datasets.MNIST('d')", None)]
