"""Running a real model with one command: constructor arguments, config objects, --tiny, input
inference, and the model `repolens probe` picks when none is named."""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass

import pytest

from probe_helpers import probe_here, run_cli

from repolens.probe import ProbeConfigError
from repolens.probe.config import parse_args
from repolens.probe.target import pick_model


def test_arg_values_are_read_as_json_else_as_strings():
    assert parse_args(["n_layer=2", "dropout=0.1", "bias=false", "name=gpt", "sizes=[1, 2]",
                       '{"n_head": 4, "act": "gelu"}']) == {
        "n_layer": 2, "dropout": 0.1, "bias": False, "name": "gpt", "sizes": [1, 2], "n_head": 4, "act": "gelu"}
    for bad in ("n_layer", "=2", "2x=3", "{not json"):
        with pytest.raises(ProbeConfigError):
            parse_args([bad])


@dataclass
class Cfg:
    n_layer: int = 12
    n_embd: int = 768
    vocab_size: int = 50257
    dropout: float = 0.1


def test_config_dataclass_is_filled_from_arguments_and_tiny_shrinks_the_rest():
    torch = pytest.importorskip("torch")
    from repolens.probe.runtime.construct import BuildError, build_model

    class Net(torch.nn.Module):
        def __init__(self, config: Cfg, width: int = 256):
            super().__init__()
            self.config, self.width = config, width

    model, info = build_model(Net, {"n_layer": 3, "width": 32})
    assert model.config == Cfg(n_layer=3) and model.width == 32
    assert info["configs"] == {"config": "Cfg(n_layer=3)"}
    model, info = build_model(Net, {"n_layer": 3}, tiny=True)
    assert model.config == Cfg(n_layer=3, n_embd=64, vocab_size=512) and model.width == 16
    assert info["tiny"] == {"width": [256, 16], "n_embd": [768, 64], "vocab_size": [50257, 512]}
    with pytest.raises(BuildError, match="takes no argument.* n_layr; it takes: config, width"):
        build_model(Net, {"n_layr": 3})


def test_a_script_parsing_argv_at_import_runs_with_its_config_from_the_command_line():
    pytest.importorskip("torch")
    proc = run_cli("scripted.py:TinyLM", "--arg", "n_embd=96", "--tiny", "--format", "json", "--steps", "300")
    data = json.loads(proc.stdout)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr
    build = data["measurements"]["build"]
    assert build["configs"] == {"config": "TinyConfig(n_embd=96, n_layer=2)"} and build["tiny"] == {"n_layer": [6, 2]}
    assert data["measurements"]["input"]["dtype"] == "int64"
    assert data["options"]["tiny"] is True and data["options"]["kwargs"] == {"n_embd": 96}


def test_input_keeps_the_inferred_token_dtype():
    m = probe_here("LSTMLanguageModel", input_shape=(4, 12)).measurements
    assert m["input"]["shape"] == [4, 12] and m["input"]["dtype"] == "int64"
    assert m["input"]["source"].startswith("--input, dtype from embed: Embedding")


def test_patch_embedding_input_is_sized_by_the_positional_embedding():
    torch = pytest.importorskip("torch")
    from repolens.probe.runtime.loading import infer_input

    class ViTish(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.patch = torch.nn.Conv2d(3, 8, 16, 16)
            self.pos_embed = torch.nn.Parameter(torch.zeros(1, 1 + 4 * 4, 8))

    shape, dtype, why = infer_input(ViTish())
    assert shape == (8, 3, 64, 64) and "patch embedding" in why


def test_model_without_a_known_first_layer_gets_a_clear_message(tmp_path):
    (tmp_path / "net.py").write_text(textwrap.dedent("""
        import torch
        from torch import nn

        class OnlyParameters(nn.Module):
            def __init__(self):
                super().__init__()
                self.w = nn.Parameter(torch.randn(4, 4))

            def forward(self, x):
                return x @ self.w
        """))
    proc = run_cli("net.py:OnlyParameters", cwd=tmp_path)
    assert proc.returncode == 2
    assert "cannot infer the input" in proc.stdout and "--input" in proc.stdout


def test_without_a_model_the_core_model_of_the_map_is_probed_not_a_helper(tmp_path):
    (tmp_path / "models.py").write_text(textwrap.dedent("""
        import torch
        from torch import nn

        class Swish(nn.Module):
            def forward(self, x):
                return x * torch.sigmoid(x)

        class FeatureSampler(nn.Module):
            def forward(self, x, idx):
                return x[idx]

        class Net(nn.Module):
            def __init__(self, width=32):
                super().__init__()
                self.fc1 = nn.Linear(8, width)
                self.act = Swish()
                self.fc2 = nn.Linear(width, 3)

            def forward(self, x):
                return self.fc2(self.act(self.fc1(x)))
        """))
    (tmp_path / "train.py").write_text(textwrap.dedent("""
        import argparse
        from models import Net

        def main():
            parser = argparse.ArgumentParser()
            parser.add_argument("--epochs", type=int, default=3)
            args = parser.parse_args()
            model = Net()

        if __name__ == "__main__":
            main()
        """))
    pick = pick_model(tmp_path)
    assert pick.target == f"{tmp_path / 'models.py'}:Net"
    assert pick.origin == "auto: the core model repolens map finds (models.py:Net)" and pick.kwargs == {}


_UNET_LIKE = {
    "models.py": """
        from torch import nn

        class Net(nn.Module):
            def __init__(self, n_channels, n_classes, bilinear=True, width=32):
                super().__init__()
                self.bilinear = bilinear
                self.conv = nn.Conv2d(n_channels, width, 3, padding=1)
                self.fc = nn.Linear(width * 16, n_classes)

            def forward(self, x):
                x = nn.functional.adaptive_avg_pool2d(self.conv(x).relu(), 4)
                return self.fc(x.flatten(1))
        """,
    "train.py": """
        import argparse
        import torch
        from models import Net

        def get_args():
            parser = argparse.ArgumentParser()
            parser.add_argument("--classes", "-c", type=int, default="3")
            parser.add_argument("--bilinear", action="store_true")
            parser.add_argument("--width", type=int, required=True)
            return parser.parse_args()

        if __name__ == "__main__":
            args = get_args()
            model = Net(1, n_classes=args.classes, bilinear=args.bilinear,
                        width=args.width)
            opt = torch.optim.Adam(model.parameters())
        """,
}


def _write(root, files):
    for rel, text in files.items():
        (root / rel).write_text(textwrap.dedent(text))


def test_the_core_model_is_built_with_the_entrypoints_literals_and_argparse_defaults(tmp_path):
    _write(tmp_path, _UNET_LIKE)
    pick = pick_model(tmp_path)
    assert pick.target == f"{tmp_path / 'models.py'}:Net"
    # positional 1 -> n_channels; "3" through type=int; store_true -> False; a required option is unknown
    assert pick.kwargs == {"n_channels": 1, "n_classes": 3, "bilinear": False}
    assert "Net(n_channels=1, n_classes=3, bilinear=False) as train.py:15 builds it; not resolved: width" \
        in pick.origin


def test_probe_without_a_model_builds_it_as_the_entrypoint_does(tmp_path):
    _write(tmp_path, _UNET_LIKE)
    proc = run_cli("--format", "json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads(proc.stdout)
    assert report["measurements"]["build"]["kwargs"] == {"n_channels": 1, "n_classes": 3, "bilinear": False}
    assert report["measurements"]["input"]["shape"][:2] == [8, 1]


def test_static_scan_ranks_activations_samplers_and_wrappers_after_the_model(tmp_path):
    from repolens.probe.autodetect import find_candidates

    (tmp_path / "nets.py").write_text(textwrap.dedent("""
        from torch import nn

        class Mish(nn.Module):
            def forward(self, x):
                return x

        class InferenceWrapper(nn.Module):
            def __init__(self):
                super().__init__()
                self.net = nn.Linear(4, 4)
                self.extra = nn.Linear(4, 4)
                self.more = nn.Linear(4, 4)

        class Classifier(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 2)
        """))
    names = [c.name for c in find_candidates(tmp_path)]
    assert names[0] == "Classifier" and set(names[1:]) == {"Mish", "InferenceWrapper"}


def test_static_scan_tells_same_named_classes_of_different_files_apart(tmp_path):
    # a collection (PyTorch-GAN): every implementation has its own Generator; whether one needs
    # arguments is read from that class and from the base its own file imports, not from the first
    # class of that name
    from repolens.probe.autodetect import find_candidates

    for folder, signature in (("a", "self, latent_dim"), ("b", "self")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "models.py").write_text(textwrap.dedent(f"""
            from torch import nn

            class Generator(nn.Module):
                def __init__({signature}):
                    super().__init__()
                    self.fc = nn.Linear(4, 4)
            """))
    (tmp_path / "a" / "wide.py").write_text(textwrap.dedent("""
        from models import Generator

        class WideGenerator(Generator):
            pass
        """))
    found = {c.target for c in find_candidates(tmp_path)}
    assert "b/models.py:Generator" in found
    assert not found & {"a/models.py:Generator", "a/wide.py:WideGenerator"}  # both need latent_dim


def test_default_time_limit_grows_with_the_parameter_count_and_steps():
    from repolens.probe import ProbeSpec
    from repolens.probe.runner import time_limit

    spec = ProbeSpec(model="m.py:M", root=".")
    assert time_limit(spec, None) == 120
    assert time_limit(spec, 86_000_000) == pytest.approx(120 + 860)
    assert time_limit(ProbeSpec(model="m.py:M", root=".", steps=30), 86_000_000) == pytest.approx(120 + 86)
    assert time_limit(ProbeSpec(model="m.py:M", root=".", timeout=7.0), 86_000_000) == 7.0


def test_rich_report_prints_measurements_and_groups_repeated_info_findings():
    import io

    from rich.console import Console

    from repolens.cli.probe_cmd import render_rich
    from repolens.probe import ProbeReport
    from repolens.probe.model import finding

    report = ProbeReport(model="m.py:M", device="cpu", findings=(
        finding("RT001", "info", "act (ReLU, no parameters) is never called", "act"),
        finding("RT001", "info", "drop (Dropout, no parameters) is never called", "drop"),
        finding("RT007", "warning", "exploding logits", "head", value=812.5, threshold=50.0, hint="init small"),
    ))
    buffer = io.StringIO()
    render_rich(report, Console(file=buffer, width=120, no_color=True))
    text = buffer.getvalue()
    assert "RT001 submodule-never-called [info] x2" in text
    assert "act: act (ReLU" in text and "drop: drop (Dropout" in text
    assert "measured 812.5, threshold 50" in text and "hint: init small" in text
