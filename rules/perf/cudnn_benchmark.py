"""RL401 cudnn-benchmark: a CUDA conv-net training entrypoint that never lets cuDNN pick its algorithms."""

from repolens.lint import Example, Severity
from repolens.lint.inputscale import small_images
from repolens.lint.trainflow import TrainingEntrypointRule, is_lr_range_test

_MAIN = """
def main():
    model = nn.Conv2d(3, 8, 3).cuda()
    for x, y in loader:
        optimizer.zero_grad()
        criterion(model(x.cuda()), y.cuda()).backward()
        optimizer.step()

if __name__ == "__main__":
    main()
"""


class CudnnBenchmark(TrainingEntrypointRule):
    """
    ## What it does
    Flags a training entrypoint (a non-test file with a `__main__` guard, or module-level code,
    that runs a loop with `backward()` and an optimizer step) in a project that moves tensors to
    CUDA, builds convolutions (`Conv2d`/`Conv3d`, torchvision or timm models, a ResNet) and never
    mentions `torch.backends.cudnn.benchmark`. A project that sets `cudnn.deterministic = True` or
    `torch.use_deterministic_algorithms(True)` has chosen reproducibility and is not flagged;
    neither is one that sets `benchmark` to any value anywhere (the whole project is searched).
    The GPU must be this entrypoint's too: evidence in its own file or in a project file it imports,
    or, where those name a device they do not choose (`torch.device(cfg.training.device)`), in
    a file near it (`ProjectModel.gpu_reached`). pytorch-cnn-visualizations' CPU-only scripts,
    which share a helper module with the one script that moves its model to CUDA, had four
    findings judged wrong (thirty-eighth set, read in the thirtieth session).
    The convolutions must be this entrypoint's: in its own file, or in a project file it imports
    by name (`from model import Net`, `import models.resnet`); an LSTM or VAE script in a
    tutorial repository whose other scripts train conv-nets is not flagged. Nor is an entrypoint
    whose stated image sizes are all at most 64 px (its own `--img_size` default or torchvision
    dataset such as MNIST, else the project's config files; `repolens.lint.inputscale`): the gain
    is seconds per run. On the judged GAN demos the 128-256 px scripts were worth the line, the
    28-64 px ones were not (a judgement, not a certainty). A size given only at run time is not seen.
    With no size stated, a reinforcement-learning script (84 px Atari frames at batch 32) is left
    alone the same way. Tried and withdrawn (twenty-second session): silence in every project that
    reads no image (text, audio, point clouds, whose shapes often vary per batch; BiDAF's character
    CNN over bucketed words was judged wrong). It also silenced CPC's audio pretraining over fixed
    20,480-sample windows (tuned) and a held-out finding, both judged worth acting on, for three
    not-worth findings and one wrong: the rule cannot tell a fixed-length audio window from a
    variable-length sentence.
    Nor is an LR range test script (`lr_finder.py`, `find_lr.py`): minutes of a sweep.

    Only code counts as a convolution: a comment that names one ("initialise the patch embedding
    like nn.Linear (instead of nn.Conv2d)") does not, and neither does a non-overlapping patchify
    conv (`Conv2d(c, d, kernel_size=p, stride=p)`, a vision transformer's patch embedding): a
    transformer is not the fixed-size conv-net the advice is for. On the judged repositories, DiT
    (a transformer that uses timm's `PatchEmbed`) was flagged only through such a comment and was
    judged not worth a change (issue #8). What it cannot see: a patchify conv written with other
    keywords or helpers (`kernel_size=to_2tuple(p)`) still counts as a conv-net, and whether input
    sizes are fixed. A ResNet counts by its name (`resnet50(...)`, `args.arch == "resnet34"`) only
    where the file neither defines that class nor imports it by name from a module other than
    torchvision / timm: then its convolutions are looked for where it is defined. A tabular
    MLP-ResNet (Linear + BatchNorm1d blocks, Yura52/tabular-dl-revisiting-models) had two findings
    judged wrong by its name alone. The cost: a ResNet imported from a third-party package that is
    not installed into the project (`from mmcv.cnn import ResNet`) no longer counts.

    Precision on real code: on 20 research/tutorial repositories the project-wide version gave
    47 findings, among them yunjey/pytorch-tutorial's language model (an LSTM) and VAE (Linear
    layers) scripts, flagged because other scripts of the repository train conv-nets; see
    docs/rules.md for the figures after the change.

    ## Why is this bad?
    With `benchmark = True`, cuDNN times several convolution algorithms for each input shape on
    first use and keeps the fastest; with fixed input sizes (image classification) this commonly
    speeds convolutions up by 10-30 %. The default (`False`) uses a heuristic choice.
    If input sizes change every batch (detection with variable image sizes, variable sequence
    lengths), benchmarking re-runs for every new shape: leave it off there, and say so by setting
    it to `False` explicitly.

    ## Example
    ```python
    def main():
        device = torch.device("cuda")
        model = torchvision.models.resnet50().to(device)
        train(model, loader)
    ```

    ## Use instead
    ```python
    def main():
        torch.backends.cudnn.benchmark = True
        device = torch.device("cuda")
        model = torchvision.models.resnet50().to(device)
        train(model, loader)
    ```
    """

    code = "RL401"
    name = "cudnn-benchmark"
    severity = Severity.INFO
    tier = "default"
    tier_reason = 'a fixed-size conv-net trained without cudnn.benchmark leaves a clear speed-up on the table'
    source = ("PyTorch Performance Tuning Guide: \"Enable cuDNN auto-tuner\" (torch.backends.cudnn.benchmark = True)")
    message = "CUDA conv-net training entrypoint that never sets torch.backends.cudnn.benchmark (True for fixed input sizes)"
    needles = ("backward",)

    valid = [
        Example("import torch\nimport torch.nn as nn\ntorch.backends.cudnn.benchmark = True\n" + _MAIN),
        # CPU-only project.
        Example("import torch.nn as nn\n" + _MAIN.replace(".cuda()", "")),
        # A conv net on MNIST: the algorithm choice is worth seconds per run.
        Example("import torch.nn as nn\nfrom torchvision import datasets\n"
                "loader = datasets.MNIST('data', train=True, download=True)\n" + _MAIN),
        # Set in another file; or reproducibility chosen instead.
        Example("import torch.nn as nn\n" + _MAIN, path="train.py",
                files={"utils/env.py": "import torch\ntorch.backends.cudnn.deterministic = True\n"}),
        # This script trains an LSTM; the conv-net is another script's.
        Example("import torch\nimport torch.nn as nn\n" + _MAIN.replace("nn.Conv2d(3, 8, 3)", "nn.LSTM(8, 8)"),
                path="language_model/main.py", files={"cnn/main.py": "import torch.nn as nn\nnet = nn.Conv2d(3, 8, 3)\n"}),
        # A CPU script beside a GPU one: they share a helper module, but nothing this script runs
        # (its file, the files it imports) puts anything on a device.
        Example("import torch\nimport torch.nn as nn\nfrom misc import save_image\n" + _MAIN.replace(".cuda()", ""),
                path="deep_dream.py", files={"misc.py": "def save_image(x):\n    pass\n",
                                             "class_samples.py": "import torch\nfrom misc import save_image\n"
                                                                 "model = model.cuda()\n"}),
        # No convolutions: a transformer language model.
        Example("import torch.nn as nn\n" + _MAIN.replace("nn.Conv2d(3, 8, 3)", "nn.Linear(8, 8)")),
        # A ResNet by name only: a tabular MLP-ResNet (Linear + BatchNorm1d blocks).
        Example("import torch\nfrom models.resnet import ResNet\n" + _MAIN.replace("nn.Conv2d(3, 8, 3)", "ResNet()"),
                path="train.py", files={"models/resnet.py": "import torch.nn as nn\nclass ResNet(nn.Module):\n"
                                                            "    def __init__(self):\n        self.f = nn.Linear(8, 8)\n"}),
    ]
    invalid = [
        Example("import torch\nimport torch.nn as nn\n" + _MAIN, path="train.py"),
        # The conv-net is defined in a module this entrypoint imports.
        Example("import torch\nfrom models.resnet import ResNet18\n" + _MAIN.replace("nn.Conv2d(3, 8, 3)", "ResNet18()"),
                path="train.py", files={"models/resnet.py": "import torch.nn as nn\nclass ResNet18(nn.Module):\n"
                                                            "    def __init__(self):\n        self.c = nn.Conv2d(3, 8, 3)\n"}),
        # The device comes from a config (`device: cuda:0` in YAML): the GPU evidence is elsewhere.
        Example("import torch\nimport torch.nn as nn\nfrom common import save\n"
                + _MAIN.replace("nn.Conv2d(3, 8, 3).cuda()", "nn.Conv2d(3, 8, 3).to(torch.device(cfg.device))")
                .replace(".cuda()", ""),
                path="workspace/train_unet.py", files={"common.py": "def save(x):\n    pass\n",
                                                       "eval.py": "import torch\nfrom common import save\n"
                                                                  "x = x.cuda()\n"}),
        Example("import torch\nfrom torchvision import models\nmodel = models.resnet18().to('cuda')\n"
                "for x, y in loader:\n    opt.zero_grad()\n    model(x.cuda()).sum().backward()\n    opt.step()\n",
                path="train_resnet.py"),
    ]

    def missing(self) -> bool:
        signals = self.facts.train_signals
        return (self.facts.model.gpu_reached(self.context.path) and "cudnn" not in signals and self._trains_a_conv_net()
                and not small_images(self)  # <= 64 px (MNIST, demo GANs): the autotuner saves nothing measurable
                and not is_lr_range_test(self.context.path))  # minutes of a sweep


    def _trains_a_conv_net(self) -> bool:
        """Convolutions in this file, or in a project file it imports (through the project model,
        three levels: `from unet import UNet` -> `unet/__init__.py` -> `unet/unet_parts.py`): not a
        conv-net somewhere else in the repository."""
        if self.context.path in self.facts.conv_files:
            return True
        return bool(self.facts.model.imported_files(self.context.path) & set(self.facts.conv_files))
