"""Calls out of the entrypoint, resolved to file:line, and the reading order built from them."""

from __future__ import annotations

from repolens.mapper import build_map

PROJECT = {
    "README.md": """
        # Classifier
        Paper: https://arxiv.org/abs/1512.03385

        ```
        python train.py
        python eval.py
        ```
    """,
    "train.py": """
        import torch
        from models import build_model
        from data.loader import make_loader
        from utils.log import get_logger

        def main():
            log = get_logger()
            loader = make_loader()
            model = build_model("net")
            opt = torch.optim.SGD(model.parameters(), lr=0.1)
            for x, y in loader:
                opt.zero_grad()
                model(x).sum().backward()
                opt.step()

        if __name__ == "__main__":
            main()
    """,
    "eval.py": """
        import torch
        from models import build_model

        def main():
            model = build_model("net")
            model.eval()
            with torch.no_grad():
                pass

        if __name__ == "__main__":
            main()
    """,
    "models/__init__.py": """
        from .net import Net, Block

        def build_model(name):
            return Net()
    """,
    "models/net.py": """
        import torch.nn as nn

        class Block(nn.Module):
            def forward(self, x):
                return x

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.block = Block()
                self.head = nn.Linear(4, 2)

            def forward(self, x):
                return self.head(self.block(x))
    """,
    "data/__init__.py": "",
    "data/loader.py": """
        from torch.utils.data import DataLoader, Dataset

        class Pairs(Dataset):
            def __getitem__(self, i):
                return i
            def __len__(self):
                return 2

        def make_loader():
            return DataLoader(Pairs())
    """,
    "utils/__init__.py": "",
    "utils/log.py": """
        import logging

        def get_logger():
            return logging.getLogger("x")
    """,
}


def test_calls_are_resolved_through_package_reexports_to_file_and_line(make_project):
    m = build_map(str(make_project(PROJECT)))
    edges = {(c.source, c.target) for c in m.calls}
    assert ("train.py:main", "models/__init__.py:build_model") in edges
    assert ("models/__init__.py:build_model", "models/net.py:Net") in edges
    assert ("train.py:main", "data/loader.py:make_loader") in edges
    line = next(c.line for c in m.calls if c.target == "models/__init__.py:build_model" and c.source == "train.py:main")
    assert line == 9


def test_reading_order_is_readme_entry_then_data_model_utils_with_core_marked(make_project):
    m = build_map(str(make_project(PROJECT)))
    paths = [s.path for s in m.reading_order]
    assert paths[:2] == ["README.md", "train.py"]
    assert "https://arxiv.org/abs/1512.03385" in m.reading_order[0].why
    assert paths.index("data/loader.py") < paths.index("models/net.py") < paths.index("utils/log.py")
    core = [s for s in m.reading_order if s.core]
    assert [(s.path, s.symbol, s.line) for s in core] == [("models/net.py", "Net", 7)]
    assert "eval.py" in paths  # the evaluation entrypoint comes after the training path
    step = next(s for s in m.reading_order if s.path == "data/loader.py")
    assert step.line == 9 and "train.py:main" in step.why


def test_library_without_entry_script_starts_from_its_core_model(make_project):
    root = make_project({
        "README.md": "# lib\n",
        "lib/__init__.py": "",
        "lib/layers.py": "import torch.nn as nn\nclass Small(nn.Module):\n    pass\n",
        "lib/big.py": """
            import torch.nn as nn
            from lib.layers import Small

            class Big(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.a = Small()
                    self.b = Small()

                def forward(self, x):
                    return self.b(self.a(x))
        """,
    })
    m = build_map(str(root))
    assert m.entrypoints == ()
    assert m.reading_order[1].path == "lib/big.py"
    assert m.reading_order[1].core and m.reading_order[1].symbol == "Big"


def test_star_imports_are_followed(make_project):
    root = make_project({
        "README.md": "python main.py\n",
        "main.py": "from models import *\n\nnet = ResNet18()\nfor x in []:\n    net(x).backward()\n",
        "models/__init__.py": "from .resnet import *\n",
        "models/resnet.py": """
            import torch.nn as nn
            class ResNet(nn.Module):
                pass
            def ResNet18():
                return ResNet()
        """,
    })
    m = build_map(str(root))
    assert ("main.py:net", "models/resnet.py:ResNet18") in {(c.source, c.target) for c in m.calls}


def test_core_is_the_network_a_factory_assembles_not_its_largest_block(make_project):
    # hkproj/pytorch-transformer's layout: the factory builds the blocks, hands them to the network
    # class and returns it through a local name; the network class itself is short
    root = make_project({
        "README.md": "python train.py\n",
        "model.py": """
            import torch.nn as nn

            class Attention(nn.Module):
                def __init__(self, d):
                    super().__init__()
                    self.q = nn.Linear(d, d)
                    self.k = nn.Linear(d, d)
                    self.v = nn.Linear(d, d)
                    self.o = nn.Linear(d, d)

                def forward(self, x):
                    a = (self.q(x) @ self.k(x).transpose(-1, -2)).softmax(-1)
                    return self.o(a @ self.v(x))

            class Block(nn.Module):
                def __init__(self, attention):
                    super().__init__()
                    self.attention = attention

                def forward(self, x):
                    return x + self.attention(x)

            class Transformer(nn.Module):
                def __init__(self, blocks):
                    super().__init__()
                    self.blocks = blocks

                def forward(self, x):
                    return self.blocks(x)

            def build_transformer(d=64, n=2):
                blocks = nn.Sequential(*[Block(Attention(d)) for _ in range(n)])
                transformer = Transformer(blocks)
                for p in transformer.parameters():
                    nn.init.normal_(p, std=0.02)
                return transformer
        """,
        "train.py": """
            import torch
            from model import build_transformer

            def main():
                model = build_transformer()
                opt = torch.optim.Adam(model.parameters())
                for x in []:
                    model(x).sum().backward()
                    opt.step()

            if __name__ == "__main__":
                main()
        """,
    })
    core = [s for s in build_map(str(root)).reading_order if s.core]
    assert [(s.path, s.symbol) for s in core] == [("model.py", "Transformer")]
