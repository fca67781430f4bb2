"""Which `extend-rules` folders a run may import.

A rule folder is Python code: loading it runs it. A `pyproject.toml` is part of the repository
it sits in, so linting someone else's checkout (a clone, a downloaded project, a pull request
in CI) must not run the code its config names. The rule (docs/robustness.md):

- `--config FILE` names the config explicitly: its folders load (the user chose that file);
- otherwise the folders of the config found for the linted paths load only when that config
  belongs to the project you are working in: its folder is the current folder or one above it
  (`cd their-repo && repolens lint` is a decision to trust it; `repolens lint ~/Downloads/x`
  is not);
- `--no-project-rules` (or REPOLENS_NO_PROJECT_RULES=1, for CI on pull requests) refuses them
  always. Nested projects under the lint root never contribute rule folders (only the one
  config in effect does), and `map` never loads rules.

The library returns the decision; the CLI prints it (one line on stderr either way).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from repolens.lint.config import LintConfig


@dataclass(frozen=True)
class RuleTrust:
    config: LintConfig  # with `extend_rules` emptied when they are refused
    loaded: tuple[Path, ...] = ()
    refused: tuple[Path, ...] = ()
    reason: str = ""  # why they were refused


def decide(config: LintConfig, *, explicit: bool, allow: bool, cwd: Path) -> RuleTrust:
    folders = tuple(config.extend_rules)
    if not folders:
        return RuleTrust(config)
    if not allow:
        reason = "--no-project-rules"
    elif explicit or config.path is None:
        return RuleTrust(config, loaded=folders)
    else:
        home = config.path.resolve().parent
        here = cwd.resolve()
        if here == home or home in here.parents:
            return RuleTrust(config, loaded=folders)
        reason = (f"{config.path} is not the config of the current folder's project; "
                  "run repolens from inside that project or pass --config to trust it")
    return RuleTrust(replace(config, extend_rules=()), refused=folders, reason=reason)
