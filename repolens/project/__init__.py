"""The project model that map, lint and probe share: see `repolens.project.model`.

`moduleinfo` reads one file (stdlib `ast`, statements only); `frameworks` says what a base class
from outside the repository is; `environment` reads the versions a project declares; `model`
puts it together and answers the questions that need more than one file.
"""

from repolens.project.model import Definition, Fact, ProjectModel, TorchVersion
from repolens.project.moduleinfo import ClassInfo, ModuleInfo, module_info

__all__ = ["ClassInfo", "Definition", "Fact", "ModuleInfo", "ProjectModel", "TorchVersion", "module_info"]
