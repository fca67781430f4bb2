"""The main entrypoint and the core model as an expert picks them, on layouts of real repositories:
several training scripts (the one that trains the model most scripts build comes first), and a
model built by a registry from a name the training script writes as a string."""

from __future__ import annotations

from repolens.mapper import build_map


def _first_code_and_core(root) -> tuple[str, list[tuple[str, str | None]]]:
    """The first code step of the map's reading order, and the (path, symbol) of its core steps."""
    m = build_map(str(root))
    code = [s for s in m.reading_order if s.path.endswith(".py")]
    return code[0].path, [(s.path, s.symbol) for s in m.reading_order if s.core]

_UNET = """
    import torch.nn as nn


    class ResBlock(nn.Module):
        def __init__(self, ch):
            super().__init__()
            self.conv1 = nn.Conv2d(ch, ch, 3, padding=1)
            self.conv2 = nn.Conv2d(ch, ch, 3, padding=1)

        def forward(self, x):
            return x + self.conv2(self.conv1(x).relu())


    class UNetModel(nn.Module):
        def __init__(self, ch=64, depth=4):
            super().__init__()
            self.inp = nn.Conv2d(3, ch, 3, padding=1)
            self.down = nn.ModuleList([ResBlock(ch) for _ in range(depth)])
            self.mid = ResBlock(ch)
            self.up = nn.ModuleList([ResBlock(ch) for _ in range(depth)])
            self.out = nn.Conv2d(ch, 3, 3, padding=1)

        def forward(self, x, t):
            h = self.inp(x)
            for block in self.down:
                h = block(h)
            h = self.mid(h)
            for block in self.up:
                h = block(h)
            return self.out(h)


    class EncoderUNetModel(nn.Module):
        def __init__(self, ch=64):
            super().__init__()
            self.inp = nn.Conv2d(3, ch, 3, padding=1)
            self.head = nn.Linear(ch, 1000)

        def forward(self, x, t):
            return self.head(self.inp(x).mean((2, 3)))
"""

_SCRIPT_UTIL = """
    from guided.unet import EncoderUNetModel, UNetModel


    def create_model(ch=64):
        return UNetModel(ch=ch)


    def create_classifier(ch=64):
        return EncoderUNetModel(ch=ch)
"""


def _train(factory: str) -> str:
    return f"""
        import argparse

        import torch
        from guided.script_util import {factory}


        def main():
            parser = argparse.ArgumentParser()
            parser.add_argument("--lr", type=float, default=1e-4)
            args = parser.parse_args()
            model = {factory}()
            opt = torch.optim.AdamW(model.parameters(), lr=args.lr)
            for x, t in []:
                opt.zero_grad()
                model(x, t).mean().backward()
                opt.step()


        if __name__ == "__main__":
            main()
    """


def _sample(factory: str) -> str:
    return f"""
        import argparse

        import torch
        from guided.script_util import {factory}


        def main():
            parser = argparse.ArgumentParser()
            parser.add_argument("--model_path", required=True)
            args = parser.parse_args()
            model = {factory}()
            model.load_state_dict(torch.load(args.model_path))
            model.eval()
            with torch.no_grad():
                return model(torch.randn(1, 3, 64, 64), 0)


        if __name__ == "__main__":
            main()
    """


def test_the_training_script_of_the_model_most_scripts_build_comes_first(make_project):
    root = make_project({
        # The README documents only the classifier's training command.
        "README.md": """
            # Guided diffusion

            ```
            python scripts/image_sample.py --model_path m.pt
            python scripts/classifier_train.py --data_dir imagenet
            ```
        """,
        "guided/__init__.py": "",
        "guided/unet.py": _UNET,
        "guided/script_util.py": _SCRIPT_UTIL,
        "scripts/image_train.py": _train("create_model"),
        "scripts/classifier_train.py": _train("create_classifier"),
        "scripts/image_sample.py": _sample("create_model"),
        "scripts/image_nll.py": _sample("create_model"),
    })
    first, core = _first_code_and_core(root)
    assert first == "scripts/image_train.py"
    assert core == [("guided/unet.py", "UNetModel")]


def test_a_documented_training_script_keeps_first_place_when_it_trains_that_model(make_project):
    root = make_project({
        "README.md": """
            # Guided diffusion

            ```
            python scripts/image_train.py --data_dir imagenet
            ```
        """,
        "guided/__init__.py": "",
        "guided/unet.py": _UNET,
        "guided/script_util.py": _SCRIPT_UTIL,
        "scripts/image_train.py": _train("create_model"),
        "scripts/finetune.py": _train("create_model"),
        "scripts/classifier_train.py": _train("create_classifier"),
        "scripts/image_sample.py": _sample("create_model"),
    })
    assert _first_code_and_core(root)[0] == "scripts/image_train.py"


def test_core_model_through_a_registry_name_written_as_a_string(make_project):
    root = make_project({
        "README.md": """
            # DeiT

            ```
            python main.py --model deit_base_patch16_224 --data-path /imagenet
            ```
        """,
        # timm builds the model from `args.model`; `import models` registers the builders.
        "main.py": """
            import argparse

            import torch
            from timm.models import create_model

            import models
            import models_v2


            def main():
                parser = argparse.ArgumentParser()
                parser.add_argument('--model', default='deit_base_patch16_224', type=str)
                args = parser.parse_args()
                model = create_model(args.model, pretrained=False, num_classes=1000)
                opt = torch.optim.AdamW(model.parameters())
                for x, y in []:
                    opt.zero_grad()
                    torch.nn.functional.cross_entropy(model(x), y).backward()
                    opt.step()


            if __name__ == '__main__':
                main()
        """,
        "models.py": """
            import torch.nn as nn
            from timm.models.registry import register_model
            from timm.models.vision_transformer import VisionTransformer


            class DistilledVisionTransformer(VisionTransformer):
                def __init__(self, *args, **kwargs):
                    super().__init__(*args, **kwargs)
                    self.head_dist = nn.Linear(self.embed_dim, self.num_classes)


            @register_model
            def deit_base_patch16_224(pretrained=False, **kwargs):
                return VisionTransformer(patch_size=16, embed_dim=768, depth=12, num_heads=12, **kwargs)


            @register_model
            def deit_base_distilled_patch16_224(pretrained=False, **kwargs):
                return DistilledVisionTransformer(patch_size=16, embed_dim=768, depth=12, num_heads=12, **kwargs)
        """,
        # A larger family of models elsewhere: the largest hierarchy, but not the one trained here.
        "patchconvnet_models.py": "import torch.nn as nn\n\n\n" + "\n\n".join(
            f"class Block{i}(nn.Module):\n" + "".join(f"    def f{j}(self, x):\n        return x\n\n" for j in range(30))
            for i in range(3)) + "\n\nclass PatchConvnet(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
            "        self.blocks = nn.ModuleList([Block0(), Block1(), Block2()])\n",
        "models_v2.py": """
            import torch.nn as nn


            class vit_models(nn.Module):
                def forward(self, x):
                    return x
        """,
    })
    m = build_map(str(root))
    core = [s for s in m.reading_order if s.core]
    assert [(s.path, s.symbol) for s in core] == [("models.py", "DistilledVisionTransformer")]
    assert "main.py:12 names deit_base_patch16_224" in core[0].why


def test_core_model_imported_by_the_name_the_readme_command_gives(make_project):
    # Chinese-Text-Classification's run.py imports `models.<--model>`; the README runs `--model bert`:
    # models/bert.py is the core, not the largest of its siblings (bert_DPCNN).
    dpcnn_layers = "".join(f"        self.conv{i} = nn.Conv2d(250, 250, (3, 1))\n" for i in range(12))
    root = make_project({
        "README.md": """
            # Text classification

            ```
            python run.py --model bert
            python run.py --model bert_DPCNN
            ```
        """,
        "run.py": """
            import argparse
            from importlib import import_module

            import torch

            parser = argparse.ArgumentParser()
            parser.add_argument('--model', type=str, required=True)
            args = parser.parse_args()

            if __name__ == '__main__':
                x = import_module('models.' + args.model)
                model = x.Model(x.Config())
                opt = torch.optim.Adam(model.parameters())
                for batch, labels in []:
                    opt.zero_grad()
                    torch.nn.functional.cross_entropy(model(batch), labels).backward()
                    opt.step()
        """,
        "models/__init__.py": "",
        "models/bert.py": """
            import torch.nn as nn


            class Config:
                hidden_size = 768


            class Model(nn.Module):
                def __init__(self, config):
                    super().__init__()
                    self.fc = nn.Linear(config.hidden_size, 10)

                def forward(self, x):
                    return self.fc(x)
        """,
        "models/bert_DPCNN.py": "import torch.nn as nn\n\n\nclass Config:\n    hidden_size = 768\n\n\n"
                                "class Model(nn.Module):\n    def __init__(self, config):\n        super().__init__()\n"
                                + dpcnn_layers + "        self.fc = nn.Linear(250, 10)\n\n"
                                "    def forward(self, x):\n        return self.fc(self.conv0(x))\n",
    })
    m = build_map(str(root))
    core = [s for s in m.reading_order if s.core]
    assert [(s.path, s.symbol) for s in core] == [("models/bert.py", "Model")]
    assert "`python run.py --model bert` imports models/bert.py by name" in core[0].why


_RENDERER = """
    import torch.nn as nn


    class NeRFRenderer(nn.Module):
        def __init__(self):
            super().__init__()
""" + "".join(f"""
        def step{i}(self, rays):
            out = rays * {i}
            out = out + 1
            return out
""" for i in range(12))


def _ngp_main(module: str) -> str:
    return f"""
        import argparse
        import torch
        from {module} import NeRFNetwork

        if __name__ == '__main__':
            parser = argparse.ArgumentParser()
            parser.add_argument('path')
            model = NeRFNetwork()
            opt = torch.optim.Adam(model.parameters())
            for rays in []:
                opt.zero_grad()
                model(rays).mean().backward()
                opt.step()
    """


def _network(extra: int) -> str:
    body = "".join(f"        self.layer{i} = nn.Linear(8, 8)\n" for i in range(extra))
    return ("import torch.nn as nn\nfrom nerf.renderer import NeRFRenderer\n\n\nclass NeRFNetwork(NeRFRenderer):\n"
            "    def __init__(self):\n        super().__init__()\n" + body)


def test_documented_training_scripts_keep_the_readmes_order_and_a_network_outranks_its_base(make_project):
    # torch-ngp: five documented main_*.py, two of which train variants of one TensoRF network; the
    # README leads with main_nerf.py, whose NeRFNetwork extends the large NeRFRenderer base.
    root = make_project({
        "readme.md": """
            # torch-ngp

            ```
            python main_nerf.py data/fox --workspace trial_nerf
            python main_tensoRF.py data/fox --workspace trial_tensoRF
            python main_CCNeRF.py data/fox --workspace trial_cc
            ```
        """,
        "nerf/__init__.py": "",
        "nerf/renderer.py": _RENDERER,
        "nerf/network.py": _network(3),
        "tensoRF/__init__.py": "",
        "tensoRF/network_cc.py": _network(30),
        "main_nerf.py": _ngp_main("nerf.network"),
        "main_tensoRF.py": _ngp_main("tensoRF.network_cc"),
        "main_CCNeRF.py": _ngp_main("tensoRF.network_cc"),
    })
    first, core = _first_code_and_core(root)
    assert first == "main_nerf.py"
    assert core == [("nerf/network.py", "NeRFNetwork")]
