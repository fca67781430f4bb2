"""Stage 1: find the files of a project and read them robustly (shared by map and lint)."""

from repolens.discover.files import DiscoveredFile, Discovery, discover
from repolens.discover.source import SourceText, read_source

__all__ = ["DiscoveredFile", "Discovery", "SourceText", "discover", "read_source"]
