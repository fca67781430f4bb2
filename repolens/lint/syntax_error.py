"""RL000 syntax-error: the engine's own finding for a file that does not parse.

It is not a visitor (there is no tree to visit); the class exists so that the catalogue, the
explain command and the SARIF rule table describe RL000 like any other rule.
"""

from __future__ import annotations

from repolens.lint.model import Example, Severity
from repolens.lint.rule import Rule


class SyntaxErrorRule(Rule):
    """
    ## What it does
    Reports a file that Python's grammar (as libcst reads it) cannot parse.

    ## Why is this bad?
    No other rule can check a file that does not parse, and Python cannot import it either.
    The run goes on with the other files.

    ## Example
    ```python
    def train(:
        pass
    ```

    ## Use instead
    ```python
    def train():
        pass
    ```
    """

    code = "RL000"
    name = "syntax-error"
    severity = Severity.ERROR
    default_enabled = True
    source = "repolens engine"
    message = "syntax error: the file does not parse"
    valid = (Example("def train():\n    pass\n"),)
    invalid = (Example("def train(:\n    pass\n"),)
