"""Stage 6, fixes: apply the rules' replacements, in rounds, until nothing changes.

`fix_loop` is THE fix loop (the CLI's `--fix`/`--diff` and the test API's `fix_text` both run it):
each round applies the chosen fixes, re-parses and re-lints the new text (suppressions and
per-file-ignores included, through the caller's `relint`), and the end result must compile when
the original did. `apply_fixes` refuses a fix that would add a keyword to a call passing
`*args`/`**kwargs`, whatever the rule says.
"""

from __future__ import annotations

import difflib
from typing import Any, Callable, Mapping, Sequence

import libcst as cst

from repolens.discover.source import keep_final_newline
from repolens.lint.rule import Report
from repolens.lint.traverse import children_of

MAX_FIX_ROUNDS = 10


class _ApplyFixes(cst.CSTTransformer):
    def __init__(self, replacements: Mapping[int, Any]) -> None:
        super().__init__()
        self.replacements = replacements

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode) -> Any:
        replacement = self.replacements.get(id(original_node))
        if replacement is not None:
            return replacement
        return updated_node


def replace_nodes(node: cst.CSTNode, replacements: Mapping[int, Any]) -> cst.CSTNode:
    """`node` with each descendant whose id is a key replaced by its value, in one pass (a rule's
    fix that edits several places of one class: RL201)."""
    return node.visit(_ApplyFixes(replacements))  # type: ignore[return-value]


def apply_fixes(module: cst.Module, reports: Sequence[Report], *, unsafe: bool = False) -> tuple[cst.Module, int]:
    """Apply the fixes of `reports` (safe only unless `unsafe`). Returns (new module, fixes applied).

    Fixes whose nodes nest inside another fix's node are left for the next round: the caller
    loops (re-parse, re-lint, fix) until nothing changes.
    """
    chosen: dict[int, Any] = {}
    taken: list[cst.CSTNode] = []
    for r in reports:
        if r.replacement is None or (r.fix_safety == "unsafe" and not unsafe):
            continue
        if id(r.node) in chosen:
            continue
        if adds_keyword_to_star_call(r.node, r.replacement):
            continue  # the keyword may already arrive through *args/**kwargs: TypeError at run time
        chosen[id(r.node)] = r.replacement
        taken.append(r.node)
    if not chosen:
        return module, 0
    # Drop fixes nested inside another chosen fix (they would be lost under the outer replacement).
    nested: set[int] = set()
    for outer in taken:
        for child in _descendants(outer):
            if id(child) in chosen:
                nested.add(id(child))
    for key in nested:
        chosen.pop(key, None)
    return module.visit(_ApplyFixes(chosen)), len(chosen)


def _star_call_keywords(node: cst.CSTNode) -> list[set[str]]:
    calls = [n for n in [node, *_descendants(node)] if isinstance(n, cst.Call)]
    return [{a.keyword.value for a in c.args if a.keyword is not None}
            for c in calls if any(a.star for a in c.args)]


def adds_keyword_to_star_call(node: cst.CSTNode, replacement: Any) -> bool:
    """Would this fix add a keyword to a call that passes `*args`/`**kwargs`?

    Such a call may already carry the keyword (`DataLoader(ds, **cfg)` with cfg holding
    pin_memory): adding it raises "got multiple values for keyword argument" at run time.
    The engine refuses the fix whatever the rule says.
    """
    if not isinstance(replacement, cst.CSTNode):
        return False
    before = _star_call_keywords(node)
    after = _star_call_keywords(replacement)
    known = set().union(*before) if before else set()
    return any(kw - known for kw in after)


def _descendants(node: cst.CSTNode) -> list[cst.CSTNode]:
    out: list[cst.CSTNode] = []
    stack = list(children_of(node))
    while stack:
        n = stack.pop()
        out.append(n)
        stack.extend(children_of(n))
    return out


def _compiles(code: str, rel: str) -> str | None:
    """None when `code` compiles (no `exec`: compile only checks it), else the error."""
    try:
        compile(code, rel, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as exc:
        return str(exc)
    return None


Relint = Callable[[str], "tuple[cst.Module, Sequence[Report]]"]


def fix_loop(code: str, rel: str, module: cst.Module, reports: Sequence[Report], relint: Relint, *,
             unsafe: bool) -> tuple[str, int, str | None]:
    """Fix until a round changes nothing. Returns (new code, fixes applied, refusal reason).

    `relint(text)` parses and lints a new text the way the first round was (raises
    libcst.ParserSyntaxError when it does not parse).
    """
    original = code
    total = 0
    for _ in range(MAX_FIX_ROUNDS):
        new_module, applied = apply_fixes(module, reports, unsafe=unsafe)
        if not applied:
            break
        new_code = new_module.code
        if new_code == code:
            break
        total += applied
        code = new_code
        try:
            module, reports = relint(code)
        except cst.ParserSyntaxError as exc:
            return original, 0, f"fixes skipped: the fixed code would not parse ({exc.message})"
    if code != original:
        code = keep_final_newline(original, code)
        err = _compiles(code, rel)
        if err is not None and _compiles(original, rel) is None:
            return original, 0, f"fixes skipped: the fixed code would not compile ({err})"
    return code, total, None


def unified_diff(rel: str, before: str, after: str) -> str:
    if "\r" in before.replace("\r\n", ""):
        # CR-only (or mixed) endings: a diff is a \n-separated format, so its lines are shown with
        # \n; keeping the \r would mix terminators in one output (the file itself keeps its \r).
        return "\n".join(difflib.unified_diff(before.splitlines(), after.splitlines(),
                                               fromfile=f"a/{rel}", tofile=f"b/{rel}", lineterm="")) + "\n"
    return "".join(difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                        fromfile=f"a/{rel}", tofile=f"b/{rel}"))
