"""RL320 no-seed: a training entrypoint in a project that never seeds the random generators."""

from repolens.lint import Example, Severity
from repolens.lint.trainflow import TrainingEntrypointRule

_MAIN = """
def main():
    for x, y in loader:
        optimizer.zero_grad()
        criterion(model(x), y).backward()
        optimizer.step()

if __name__ == "__main__":
    main()
"""


class NoSeed(TrainingEntrypointRule):
    """
    ## What it does
    Flags a training entrypoint (a non-test file with a `__main__` guard, or module-level code,
    that runs a loop with `backward()` and an optimizer step) in a project that seeds nothing:
    no `torch.manual_seed`, `torch.cuda.manual_seed(_all)`, `np.random.seed`, `random.seed`,
    Lightning's `seed_everything`, transformers' `set_seed`, or a helper named `set_seed` /
    `init_seeds` / `fix_seed` / `setup_seed`. The whole project is searched: a `utils/seed.py`
    called from `train.py` counts. Reported at the `__main__` guard.

    ## Why is this bad?
    Weight initialisation, data shuffling, augmentation and dropout all draw random numbers.
    Without a seed every run differs, so a change that helps cannot be told apart from noise
    and a bad run cannot be reproduced to debug it (Karpathy's recipe: "fix random seed").

    ## Example
    ```python
    def main():
        model = Net()
        train(model, loader)
    ```

    ## Use instead
    ```python
    def main():
        torch.manual_seed(0)
        random.seed(0)
        np.random.seed(0)
        model = Net()
        train(model, loader)
    ```
    """

    code = "RL320"
    name = "no-seed"
    severity = Severity.INFO
    tier = "advice"
    tier_reason = 'seeding is a reproducibility choice, not a training bug'
    superseded_by = "RL314"
    source = "Karpathy, \"A Recipe for Training Neural Networks\": 'fix random seed'; PyTorch docs, Reproducibility"
    message = "training entrypoint in a project that never seeds torch / numpy / random: runs cannot be reproduced"
    needles = ("backward",)

    valid = [
        Example("import torch\ntorch.manual_seed(0)\n" + _MAIN),
        Example("from utils.seed import set_seed\n" + _MAIN.replace("def main():\n", "def main():\n    set_seed(1)\n"),
                path="train.py", files={"utils/seed.py": "import random\ndef set_seed(s):\n    random.seed(s)\n"}),
        Example("import lightning as L\nL.seed_everything(42)\n" + _MAIN),
    ]
    invalid = [
        Example("import torch\n" + _MAIN, path="train.py"),
        Example("import torch as t\nfor x, y in loader:\n    opt.zero_grad()\n    model(x, y).backward()\n    opt.step()\n",
                path="train_script.py", files={"utils.py": "import logging\n"}),
    ]

    def missing(self) -> bool:
        return "seed" not in self.facts.train_signals
