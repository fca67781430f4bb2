"""General role signals that framework code needs (trainers' plumbing, inference code, helpers).

Each test is a small project whose files an expert would label as the assertion says
(benchmarks/labels/README.md is the guideline).
"""

from __future__ import annotations

from repolens.mapper import build_map


def _map(make_project, files):
    m = build_map(str(make_project(files)))
    return {f.path: f for f in m.files}


def test_a_backward_method_that_delegates_is_plumbing_not_training(make_project):
    files = _map(make_project, {
        "fw/strategies/ddp.py": """
            class DDPStrategy:
                '''Runs the module on several processes.'''
                def backward(self, tensor, module):
                    tensor.backward()

                def barrier(self):
                    pass
        """,
    })
    f = files["fw/strategies/ddp.py"]
    assert f.role == "utils", f.signals
    assert not any("backward" in s for s in f.signals)


def test_a_loop_that_calls_backward_outside_a_backward_method_is_training(make_project):
    files = _map(make_project, {
        "engine/loop.py": """
            def run(model, loader, optimizer):
                for x, y in loader:
                    loss = model(x, y)
                    loss.backward()
                    optimizer.step()
                    optimizer.zero_grad()
        """,
    })
    assert files["engine/loop.py"].role == "train"


def test_code_that_runs_model_track_or_predict_is_inference(make_project):
    files = _map(make_project, {
        "apps/counter.py": """
            class ObjectCounter:
                def __init__(self, model):
                    self.model = model

                def process(self, frame):
                    tracks = self.model.track(frame, persist=True)
                    return len(tracks)

                def reset(self):
                    pass
        """,
    })
    assert files["apps/counter.py"].role == "eval", files["apps/counter.py"].signals


def test_subclasses_of_an_inference_base_inherit_its_role(make_project):
    files = _map(make_project, {
        "pkg/backends/base.py": '''
            class BaseBackend:
                """Base class for all inference backends."""
                def load_model(self, weight):
                    raise NotImplementedError

                def forward(self, im):
                    raise NotImplementedError
        ''',
        "pkg/backends/mnn.py": """
            from pkg.backends.base import BaseBackend

            class MNNBackend(BaseBackend):
                def load_model(self, weight):
                    self.net = weight

                def forward(self, im):
                    return self.net(im)
        """,
    })
    assert files["pkg/backends/base.py"].role == "eval", files["pkg/backends/base.py"].signals
    assert files["pkg/backends/mnn.py"].role == "eval", files["pkg/backends/mnn.py"].signals


def test_a_utils_module_inside_a_models_package_is_model_code(make_project):
    files = _map(make_project, {
        "models/utils.py": """
            def make_divisible(v, divisor=8):
                return int(v + divisor / 2) // divisor * divisor

            def fuse(a, b):
                return a
        """,
        "utils/files.py": """
            def increment_path(p):
                return p

            def file_size(p):
                return 0
        """,
    })
    assert files["models/utils.py"].role == "model", files["models/utils.py"].signals
    assert files["utils/files.py"].role == "utils"


def test_a_file_named_for_a_stage_in_a_helpers_folder_keeps_its_own_name(make_project):
    files = _map(make_project, {
        "utils/tuner.py": """
            def run_ray_tune(model, space, grace_period=10):
                return space

            def _default_space():
                return {}
        """,
    })
    assert files["utils/tuner.py"].role == "train", files["utils/tuner.py"].signals


def test_runtime_plumbing_folders_are_utils(make_project):
    files = _map(make_project, {
        "fw/plugins/precision/half.py": """
            class HalfPrecision:
                def convert_module(self, module):
                    return module.half()

                def convert_input(self, data):
                    return data
        """,
    })
    assert files["fw/plugins/precision/half.py"].role == "utils"


def test_a_bare_main_guard_in_a_helper_module_is_not_a_script(make_project):
    files = _map(make_project, {
        "utils/cpu.py": """
            import platform

            class CPUInfo:
                @staticmethod
                def name():
                    return platform.processor()

            if __name__ == "__main__":
                print(CPUInfo.name())
        """,
    })
    assert files["utils/cpu.py"].role == "utils", files["utils/cpu.py"].signals


def test_a_builder_that_puts_models_in_eval_mode_is_a_model_factory(make_project):
    files = _map(make_project, {
        "nets/parts.py": """
            import torch.nn as nn

            class Encoder(nn.Module):
                pass

            class Decoder(nn.Module):
                pass
        """,
        "build_net.py": """
            import torch
            from nets.parts import Decoder, Encoder

            def build(path=None):
                model = torch.nn.Sequential(Encoder(), Decoder())
                if path:
                    model.load_state_dict(torch.load(path, weights_only=True))
                model.eval()
                return model
        """,
    })
    assert files["build_net.py"].role == "model", files["build_net.py"].signals


def test_secondary_roles_come_from_code_not_from_the_file_name(make_project):
    files = _map(make_project, {
        "cifar.py": """
            import torch
            import torch.nn as nn

            class Net(nn.Module):
                def forward(self, x):
                    return x

            def train(model, loader, optimizer):
                model.train()
                for x, y in loader:
                    optimizer.zero_grad()
                    loss = nn.functional.cross_entropy(model(x), y)
                    loss.backward()
                    optimizer.step()

            def test(model, loader):
                model.eval()
                with torch.no_grad():
                    for x, y in loader:
                        model(x)
        """,
    })
    f = files["cifar.py"]
    assert f.role == "train"
    assert set(f.secondary) == {"model", "eval"}  # "cifar" sounds like data, but no data code is here
