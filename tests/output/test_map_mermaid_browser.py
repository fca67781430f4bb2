"""The Mermaid diagram parsed and rendered by real Mermaid in headless Chromium (opt-in).

The suite has no network, so this runs only when REPOLENS_MERMAID_JS names a local mermaid.min.js
(e.g. from `npm install mermaid`) and chromium is on PATH; the strict syntax test in
test_map_markdown.py always runs.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from map_samples import hostile_map, image_classifier_map

from repolens.mapper import build_map
from repolens.output.map.mermaid import reading_flowchart

MERMAID_JS = os.environ.get("REPOLENS_MERMAID_JS")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = pytest.mark.skipif(
    not (MERMAID_JS and Path(MERMAID_JS).is_file() and CHROMIUM),
    reason="set REPOLENS_MERMAID_JS to a local mermaid.min.js (and install chromium) to render diagrams")

_HARNESS = """<!DOCTYPE html><html><body><pre id="out">pending</pre>
<script src="%(src)s"></script>
<script>
mermaid.initialize({startOnLoad: false, securityLevel: "strict"});
(async () => {
  const results = [];
  for (const [i, chart] of %(charts)s.entries()) {
    try { await mermaid.parse(chart); const r = await mermaid.render("g" + i, chart);
          results.push("ok " + (r.svg.includes("README.md") ? "labelled" : "unlabelled")); }
    catch (e) { results.push("error " + String(e.message || e).split("\\n")[0]); }
  }
  document.getElementById("out").textContent = results.join("\\n");
})();
</script></body></html>"""


def render_all(tmp_path: Path, charts: list[str]) -> list[str]:
    page = tmp_path / "harness.html"
    page.write_text(_HARNESS % {"src": Path(MERMAID_JS).resolve().as_uri(), "charts": json.dumps(charts)},
                    encoding="utf-8")
    result = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}", "--allow-file-access-from-files",
         "--virtual-time-budget=15000", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120, env={**os.environ, "HOME": str(tmp_path)})
    return re.search(r'<pre id="out">(.*?)</pre>', result.stdout, re.S).group(1).split("\n")


def test_real_mermaid_renders_every_diagram_and_rejects_a_broken_one(tmp_path):
    root = Path(__file__).resolve().parents[2] / "fixtures"
    charts = [reading_flowchart(image_classifier_map()), reading_flowchart(hostile_map())]
    charts += [reading_flowchart(build_map(str(root / name))) for name in ("image_classifier", "tiny_lm")]
    results = render_all(tmp_path, [*charts, 'flowchart TD\n    n0["broken" label"]'])
    assert results[:-1] == ["ok labelled"] * len(charts)
    assert results[-1].startswith("error")  # the harness can fail
