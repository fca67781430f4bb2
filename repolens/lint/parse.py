"""Stage 2, parse: read a file (source or notebook), parse it with libcst, build its FileContext.

Reading needs no libcst: the facts pass (stage 3) reads every file, and a warm run reads only
those the cache does not answer, never importing libcst. The parse functions import it on first
use for the same reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from repolens.discover.notebook import NotebookError, NotebookSource, load_notebook
from repolens.discover.source import SourceText, read_source
from repolens.lint.targets import Target

if TYPE_CHECKING:
    import libcst as cst

    from repolens.lint.facts import ProjectFacts
    from repolens.lint.rule import FileContext
    from repolens.pyindex.aliases import AliasTable


# -- reading ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Loaded:
    source: SourceText
    code: str | None  # Python text (a notebook's code cells joined)
    notebook: NotebookSource | None = None
    problem: str | None = None


def load_target(target: Target) -> Loaded:
    src = read_source(target.path)
    if src.text is None:
        return Loaded(src, None, problem=src.problem)
    if target.kind == "notebook":
        try:
            nb = load_notebook(src.text)
        except NotebookError as exc:
            return Loaded(src, None, problem=str(exc))
        return Loaded(src, nb.code, nb, problem=src.problem)
    return Loaded(src, src.text, problem=src.problem)


def file_stat(path: Path) -> tuple[int, int]:
    try:
        st = path.stat()
        return st.st_mtime_ns, st.st_size
    except OSError:
        return 0, -1


# -- parsing ----------------------------------------------------------------------------------
def module_package(path: str) -> str | None:
    """Dotted package of a posix path (`pkg/sub/mod.py` -> `pkg.sub`), for relative imports."""
    parts = path.split("/")[:-1]
    return ".".join(parts)


def collect_aliases(module: cst.Module, package: str | None = None) -> AliasTable:
    """Import aliases from statements only (no expression traversal: cheap)."""
    import libcst as cst

    from repolens.pyindex.aliases import AliasTable

    table = AliasTable(package)
    stack: list[cst.CSTNode] = list(module.body)
    while stack:
        stmt = stack.pop()
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, (cst.Import, cst.ImportFrom)):
                    table.visit_cst_import(small)
        elif isinstance(stmt, (cst.If, cst.Try, cst.TryStar, cst.With, cst.For, cst.While,
                               cst.FunctionDef, cst.ClassDef, cst.Else, cst.ExceptHandler,
                               cst.ExceptStarHandler, cst.Finally, cst.IndentedBlock)):
            for attr in ("body", "orelse", "handlers", "finalbody"):
                child = getattr(stmt, attr, None)
                if child is None:
                    continue
                if isinstance(child, (list, tuple)):
                    stack.extend(child)
                elif isinstance(child, cst.BaseSuite):
                    body = child.body
                    stack.extend(body if isinstance(body, (list, tuple)) else [body])
                else:
                    stack.append(child)
    return table


def file_context(module: cst.Module, source: str, path: str, facts: ProjectFacts,
                 target_version: tuple[int, ...] | None) -> FileContext:
    from repolens.lint.rule import FileContext

    if target_version is None:  # explicit configuration wins; else the torch the project is written for
        target_version = facts.model.torch_version.minimum
    info = facts.model.infos.get(path)  # its package as the project model sees it (relative imports)
    package = info.package if info is not None else module_package(path)
    return FileContext(path=path, source=source, aliases=collect_aliases(module, package),
                       facts=facts, target_version=target_version, module=module)


def parse(source: str, path: str, facts: ProjectFacts,
          target_version: tuple[int, ...] | None) -> tuple[cst.Module, FileContext]:
    """ONE libcst parse and the file's context. Raises libcst.ParserSyntaxError."""
    import libcst as cst

    module = cst.parse_module(source)
    return module, file_context(module, source, path, facts, target_version)
