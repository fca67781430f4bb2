"""The `json` format: the SPEC contract, a sorted list of `Finding.to_json()` objects."""

from __future__ import annotations

import json
from typing import Sequence

from repolens.lint.model import Finding
from repolens.output.findings._common import ordered


def render_json(findings: Sequence[Finding]) -> str:
    # ensure_ascii=False: messages and paths stay readable; the bytes are still valid UTF-8 JSON.
    return json.dumps([f.to_json() for f in ordered(findings)], indent=2, ensure_ascii=False) + "\n"
