"""`ScopedRule`: a Rule that knows its enclosing classes and functions."""

from __future__ import annotations

import libcst as cst

from repolens.lint import bindings
from repolens.lint.classes import ModuleKinds
from repolens.lint.rule import Rule


class ScopedRule(ModuleKinds, Rule):
    """A Rule that knows its enclosing classes and functions.

    Subclasses that define visit/leave methods for ClassDef or FunctionDef must call super().
    """

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.class_stack: list[cst.ClassDef] = []
        self.function_stack: list[cst.FunctionDef] = []
        self._module_class: dict[int, bool] = {}
        bindings.clear_class_bindings()  # rules are made anew for each file: drop the previous file's classes

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.class_stack.append(node)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.class_stack.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.function_stack.append(node)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.function_stack.pop()

    @property
    def in_module_class(self) -> bool:
        """Inside (a method of) the innermost enclosing class, and that class is an nn.Module."""
        return bool(self.class_stack) and self.class_is_module(self.class_stack[-1])

    @property
    def current_function(self) -> cst.FunctionDef | None:
        return self.function_stack[-1] if self.function_stack else None

    @property
    def enclosing_scope(self) -> cst.CSTNode | None:
        """The innermost enclosing function, else the module (None before the module is known; BindingTracker.current_scope answers the same for trackers)."""
        return self.current_function if self.current_function is not None else self.context.module
