"""ProjectModel.hooked_modules: which modules carry hooks of their own (RL209)."""

from repolens.project.model import ProjectModel
from repolens.project.moduleinfo import module_info


def hooked(**files: str) -> frozenset[str]:
    return ProjectModel([module_info(rel, text) for rel, text in files.items()]).hooked_modules


def test_receivers_of_hooks_norms_and_pruning_by_last_name():
    assert hooked(a="target_layer.register_forward_hook(f)\nself.conv = nn.utils.weight_norm(nn.Conv1d(2, 2, 3))\n"
                    "prune.l1_unstructured(self.fc, 'weight', amount=0.3)\n") == {"target_layer", "conv", "fc"}
    assert hooked(a="prune.l1_unstructured(self.fc, 'weight', amount=0.3)\nprune.remove(self.fc, 'weight')\n") == set()


def test_hooks_on_every_module_or_an_unnamed_receiver_reach_any_module():
    assert hooked(a="for name, layer in model.named_modules():\n    layer.register_forward_hook(f)\n") == {"*"}
    assert hooked(a="dict(model.named_modules())[n].register_forward_hook(f)\n") == {"*"}
    assert hooked(a="import deepspeed\n") == {"*"}
    assert hooked(a="model = torch.nn.Sequential(weight_norm(nn.Linear(2, 2)))\n") == set()


def test_the_hook_evidence_and_the_hooked_modules_are_read_from_one_table():
    def both(text: str) -> tuple[bool, frozenset[str]]:
        model = ProjectModel([module_info("a.py", text)])
        return model.module_hooks.value, model.hooked_modules

    # A weight norm inside a container: the project hooks, no named module carries it.
    assert both("model = torch.nn.Sequential(nn.utils.weight_norm(nn.Linear(2, 2)))\n") == (True, frozenset())
    assert both("self.conv = nn.utils.weight_norm(nn.Conv1d(2, 2, 3))\n") == (True, frozenset({"conv"}))
    # The parametrization API keeps no hook: `.forward()` reads the parametrized weight too.
    assert both("self.conv = nn.utils.parametrizations.weight_norm(nn.Conv1d(2, 2, 3))\n") == (False, frozenset())
    assert both("torch.nn.modules.module.register_module_forward_hook(f)\n") == (True, frozenset({"*"}))
    assert both("x = 1\n") == (False, frozenset())
