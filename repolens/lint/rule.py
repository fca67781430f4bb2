"""The rule base class: one small, self-describing class per rule (Fixit's shape, ruff's docs).

A rule is a libcst batchable visitor. The engine parses a file once, builds an import-alias
table, and walks the tree once with every enabled rule. A rule reports through `self.report`,
optionally with a replacement node: its autofix.

Subclass contract (checked by the registry):
- docstring with the sections "## What it does", "## Why is this bad?", "## Example", "## Use instead";
- `code` (e.g. "RL101"), `name` (kebab-case), `severity`, `source`;
- `tier` ("default", "advice" or "opinion", required of built-in rules) and `tier_reason` (why):
  `default_enabled` follows from the tier unless the class sets it (a user's rule may set only
  `default_enabled`); `superseded_by`: the code of a rule that reports the same thing combined
  (such a rule runs when named, but not through its tier's group selector);
- `valid` and `invalid`: at least one `Example` each;
- optional `needles`: substrings of which a file must contain at least one for the rule to run
  (the cheap text pre-filter), `fix_safety` ("safe"/"unsafe") when the rule offers fixes,
  `options` (defaults of the settings a user can change in `[tool.repolens.rules.<code>]`);
  `quiet_in_dead_code`: the rule is about what a run does (a loader it builds, a loop it runs, a
  file it loads or saves), so it reports nothing in a helper nothing in the project names
  (`repolens.lint.deadcode`): no run performs that code. Rules about what a definition is (a model
  class, a transform pipeline) leave it False;
  `quiet_in_tests`: the rule is about what a training run costs or learns (a loader's speed or
  order, a loop's steps), so it reports nothing in a unit test (`trainflow.is_unit_test`): a
  test's one-batch loader over a 5-item subset is no training run (LLMs-from-scratch's tests,
  judged wrong). Loads and saves stay reported there (RL501: a test that loads released weights
  is judged worth hardening).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Mapping, Sequence

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from repolens.lint.facts import ProjectFacts
from repolens.lint.model import DOC_SECTIONS, Example, FixSafety, Severity
from repolens.pyindex.aliases import AliasTable, cst_dotted_name

_NO_DEFAULT: Any = object()


@dataclass
class FileContext:
    """What a rule may know about the file it checks and the project around it."""

    path: str  # posix, relative to the project root
    source: str
    aliases: AliasTable
    facts: ProjectFacts = field(default_factory=ProjectFacts)
    # the project's torch version: `target-version` when configured, else the lowest release the
    # project declares or whose APIs it uses (ProjectModel.torch_version)
    target_version: tuple[int, ...] | None = None
    module: cst.Module | None = None  # the parsed file (set by the engine)
    _positions: Mapping[cst.CSTNode, CodeRange] | None = field(default=None, init=False, repr=False)

    def positions(self) -> Mapping[cst.CSTNode, CodeRange]:
        """Every node's position, computed on first use and shared by all rules of the file.

        Positions cost a full code generation of the file (as much as the rules themselves), and
        most files have no finding: they are computed only when a rule reports or asks.
        """
        if self._positions is None:
            if self.module is None:
                raise RuntimeError("FileContext.module is not set: positions need the parsed module")
            self._positions = MetadataWrapper(self.module, unsafe_skip_copy=True).resolve(PositionProvider)
        return self._positions


@dataclass(frozen=True)
class Report:
    """A raw report from a rule, before suppression, selection and formatting."""

    code: str
    message: str
    position: CodeRange
    node: cst.CSTNode
    replacement: cst.CSTNode | cst.RemovalSentinel | None = None
    fix_safety: FixSafety | None = None
    severity: Severity | None = None  # a variant's own severity; None: the rule's


class Rule(cst.BatchableCSTVisitor):
    # PositionProvider is answered lazily (FileContext.positions), not resolved for every file.
    METADATA_DEPENDENCIES: ClassVar[tuple[Any, ...]] = ()

    code: ClassVar[str] = ""
    name: ClassVar[str] = ""
    severity: ClassVar[Severity] = Severity.WARNING
    default_enabled: ClassVar[bool] = True
    tier: ClassVar[str] = ""  # "default" | "advice" | "opinion" (repolens.lint.model.TIERS)
    tier_reason: ClassVar[str] = ""  # one sentence: why this tier (shown in `explain` and the docs)
    superseded_by: ClassVar[str] = ""  # a combined rule that reports what this one does
    source: ClassVar[str] = ""  # the seed line or public reference the rule comes from
    message: ClassVar[str] = ""  # default message
    needles: ClassVar[tuple[str, ...]] = ()
    fix_safety: ClassVar[FixSafety | None] = None
    options: ClassVar[Mapping[str, Any]] = {}
    quiet_in_dead_code: ClassVar[bool] = False
    quiet_in_tests: ClassVar[bool] = False
    valid: ClassVar[Sequence[Example]] = ()
    invalid: ClassVar[Sequence[Example]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # The tier decides default on/off; an explicit `default_enabled` in the class body wins
        # (and the registry refuses a contradiction).
        if cls.__dict__.get("tier") and "default_enabled" not in cls.__dict__:
            cls.default_enabled = cls.__dict__["tier"] == "default"

    def __init__(self, context: FileContext, options: Mapping[str, Any] | None = None) -> None:
        super().__init__()
        self.context = context
        self.settings: dict[str, Any] = {**self.options, **(options or {})}
        self.reports: list[Report] = []

    # -- helpers for rule authors -------------------------------------------------------------
    @property
    def facts(self) -> ProjectFacts:
        return self.context.facts

    def qualified_name(self, node: cst.CSTNode | None) -> str | None:
        """The import-resolved dotted name of a Name/Attribute chain (`nn.ReLU` -> `torch.nn.ReLU`)."""
        return self.context.aliases.resolve(cst_dotted_name(node))

    def class_kind(self, node: cst.CSTNode | str | None) -> str:
        """What the class named by `node` (or a dotted name written in this file) is, through the
        project model: "module", "dataset", "iterable-dataset", "optimizer" ... or "" when unknown."""
        written = node if isinstance(node, str) or node is None else cst_dotted_name(node)
        return self.facts.kind_of(written, self.context.path)

    def is_name(self, node: cst.CSTNode | None, *qualified: str) -> bool:
        return self.context.aliases.matches(cst_dotted_name(node), *qualified)

    def position(self, node: cst.CSTNode) -> CodeRange:
        """Where `node` is in the file (1-based lines, 0-based columns)."""
        return self.context.positions()[node]

    def get_metadata(self, key: Any, node: cst.CSTNode, default: Any = _NO_DEFAULT) -> Any:
        """libcst's metadata access; `PositionProvider` works without declaring it (lazily)."""
        if key is PositionProvider and PositionProvider not in self.metadata:
            positions = self.context.positions()
            if default is _NO_DEFAULT:
                return positions[node]
            return positions.get(node, default)
        if default is _NO_DEFAULT:
            return super().get_metadata(key, node)
        return super().get_metadata(key, node, default)

    def report(
        self,
        node: cst.CSTNode,
        message: str | None = None,
        *,
        replacement: cst.CSTNode | cst.RemovalSentinel | None = None,
        fix_node: cst.CSTNode | None = None,
        fix_safety: FixSafety | None = None,
        severity: Severity | None = None,
    ) -> None:
        """Report `node`. `replacement` replaces `fix_node` (default: `node`) when fixing.

        `severity` is for a rule with a milder variant (say, info for a test file, a warning
        elsewhere); a user's severity override wins.
        """
        self.reports.append(
            Report(
                code=self.code,
                message=message or self.message,
                position=self.position(node),
                node=fix_node if fix_node is not None else node,
                replacement=replacement,
                fix_safety=(fix_safety or self.fix_safety or "safe") if replacement is not None else None,
                severity=severity,
            )
        )

    @classmethod
    def doc(cls) -> str:
        import inspect

        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def summary(cls) -> str:
        """First paragraph of "What it does", for rule listings and SARIF shortDescription."""
        doc = cls.doc()
        start = doc.find(DOC_SECTIONS[0])
        if start == -1:
            return cls.name
        body = doc[start + len(DOC_SECTIONS[0]) :].strip().split("\n\n", 1)[0]
        return " ".join(body.split())
