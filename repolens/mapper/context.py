"""What the map's stages read: the per-file summaries and the shared project model."""

from __future__ import annotations

from dataclasses import dataclass

from repolens.mapper.summary import FileSummary
from repolens.project.model import ProjectModel


@dataclass(frozen=True)
class MapContext:
    summaries: dict[str, FileSummary]  # rel -> what the map read of the file (roles' signals, uses)
    model: ProjectModel  # imports, classes, facts: the questions that need more than one file
