"""`repolens map`: a reading map of a PyTorch repository, computed statically.

    from repolens.mapper import build_map, MapError
    repo_map = build_map("path/or/git-url", jobs=None, progress=None)
    repo_map.to_json()  # the SPEC's JSON contract

Stages, one module each: `summary` (one `ast` pass per file, in worker processes) -> `project`
(modules, imports, class kinds across files) -> `roles` -> `docs` + `entrypoints` -> `callgraph`
+ `reading` -> `card` (checklist and environment) -> `subprojects` (is it a collection? then the
stages again per sub-project, `subproject_map`) -> `build` (orchestration, clone, git).

Known imprecision (see also benchmarks/map_accuracy.py for measured agreement):
- roles are weighted evidence, not certainty (the labelling guideline they are measured against is
  benchmarks/labels/README.md). Measured agreement: 94 % (timm), 93 % (torchvision), 94 %
  (ultralytics), 82 % (lightning sample) on trees that were tuned on; 73 % (transformers sample)
  held out; on 13 labelled real research repositories see benchmarks/labels/README.md. Framework plumbing (callbacks, summaries, loop helpers) and
  library code whose job only its docs say (generation engines, serving, quantizers) disagree most;
- the call graph follows names bound by imports and module-level definitions; calls through
  attributes of objects (`self.model(x)`, `trainer.fit()`) are not followed;
- `python -c ...`, Makefiles, notebooks' shell cells and CI files are not read for entrypoints;
- sub-projects: units that share a helper through `sys.path`, a collection inside a single project
  (a library's `examples/`) and folders of notebook tutorials are not split (docs/map.md).
"""

from typing import Any

from repolens.mapper.model import (
    ROLES, CallEdge, CardItem, Entrypoint, FileRole, GitFileInfo, GitInfo, ReadingStep, RepoMap, Role, Subproject,
)

__all__ = [
    "ROLES", "CallEdge", "CardItem", "Entrypoint", "FileRole", "GitFileInfo", "GitInfo", "MapError",
    "ReadingStep", "RepoMap", "Role", "Subproject", "build_map",
]


def __getattr__(name: str) -> Any:
    # The analysis stages load on first use: `repolens.mapper.model` alone (what formatters and
    # other commands import) stays cheap.
    if name in ("MapError", "build_map"):
        from repolens.mapper import build

        return getattr(build, name)
    raise AttributeError(name)
