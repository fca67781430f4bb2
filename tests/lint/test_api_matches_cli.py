"""The test API (`lint_text` / `fix_text`) and `repolens lint [--fix]` agree on the same inputs.

Both run the one per-file pipeline; these tests hold them to it on what used to differ:
suppression comments on a fixable line (and on the last line of a statement), a suppression of
another rule, per-file-ignores, safe versus unsafe fixes.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from repolens.lint.check import fix_text, lint_text
from repolens.lint.facts import collect_facts
from repolens.lint.registry import load_builtin_rules

from _lintkit import write

CODES = ("RL101", "RL201", "RL501")
RULES = [r for r in load_builtin_rules() if r.code in CODES]
PER_FILE_IGNORES = {"scripts/*": ["RL501"]}

TRAIN = '''import torch
from torch import nn
from torch.utils.data import DataLoader

sd = torch.load("a.pt")  # repolens: ignore[RL501]
sd2 = torch.load(
    "b.pt",
)  # repolens: ignore[unsafe-torch-load]
sd3 = torch.load("c.pt")
train_loader = DataLoader(train_set, batch_size=8, num_workers=4)
model = Net().cuda()


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, 8, 3), nn.LeakyReLU(0.2))  # repolens: ignore[RL101]


# 256 px images: batches of pixels (RL101), large feature maps (RL201)
import torchvision.transforms as T  # noqa: E402
TRAIN_TRANSFORM = T.Compose([T.RandomResizedCrop(256), T.ToTensor()])
'''
EVAL = '''import torch
from torch.utils.data import DataLoader

state = torch.load("best.pt")
finetune_loader = DataLoader(train_set, batch_size=8, num_workers=4)  # a training loader: RL101 in a CUDA script
net = Net().cuda()
from train import TRAIN_TRANSFORM  # noqa: E402  the same pixels: image reading near the loader (RL101)
'''
SOURCES = {"train.py": TRAIN, "scripts/eval.py": EVAL}


def _project(root: Path) -> Path:
    lines = "\n".join(f'"{glob}" = {json.dumps(codes)}' for glob, codes in PER_FILE_IGNORES.items())
    write(root / "pyproject.toml", f"[tool.repolens]\n[tool.repolens.per-file-ignores]\n{lines}\n")
    for rel, text in SOURCES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


def _cli_findings(cli, root: Path, *flags: str) -> dict[str, set[tuple]]:
    result = cli("lint", root, "--select", ",".join(CODES), "--no-cache", "--format", "json", *flags)
    out: dict[str, set[tuple]] = {rel: set() for rel in SOURCES}
    for f in json.loads(result.stdout):
        out[f["path"]].add((f["line"], f["column"], f["rule"], f["message"]))
    return out


def _api_findings(sources: dict[str, str]) -> dict[str, set[tuple]]:
    facts = collect_facts(sources)
    out: dict[str, set[tuple]] = {}
    for rel, text in sources.items():
        _, reports = lint_text(text, rel, RULES, facts, per_file_ignores=PER_FILE_IGNORES)
        out[rel] = {(r.position.start.line, r.position.start.column + 1, r.code, r.message) for r in reports}
    return out


def test_the_inputs_exercise_suppressions_ignores_and_both_fix_kinds() -> None:
    found = _api_findings(SOURCES)
    assert {code for _, _, code, _ in found["train.py"]} == set(CODES)  # RL101, RL201 and an unsuppressed RL501
    assert [line for line, _, code, _ in found["train.py"] if code == "RL501"] == [9]  # lines 5-8 suppressed
    assert [line for line, _, code, _ in found["train.py"] if code == "RL201"] == [17]  # ignore[RL101] there
    assert {code for _, _, code, _ in found["scripts/eval.py"]} == {"RL101"}  # RL501 ignored for scripts/*


def test_findings_are_the_same(tmp_path: Path, cli) -> None:
    root = _project(tmp_path / "proj")
    assert _cli_findings(cli, root) == _api_findings(SOURCES)


@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
def test_fixed_text_and_remaining_findings_are_the_same(tmp_path: Path, cli, unsafe: bool) -> None:
    root = _project(tmp_path / "proj")
    flags = ("--fix", "--unsafe-fixes") if unsafe else ("--fix",)
    remaining = _cli_findings(cli, root, *flags)
    facts = collect_facts(SOURCES)
    fixed = {rel: fix_text(text, rel, RULES, facts, unsafe=unsafe, per_file_ignores=PER_FILE_IGNORES)
             for rel, text in SOURCES.items()}
    for rel in SOURCES:
        assert (root / rel).read_text(encoding="utf-8") == fixed[rel], rel
    # the suppressed and the ignored torch.load calls are left alone by both; the others are fixed
    assert 'torch.load("a.pt")  # repolens: ignore[RL501]' in fixed["train.py"]
    assert ('torch.load("c.pt", weights_only=True)' in fixed["train.py"]) is unsafe  # an unsafe fix
    assert 'torch.load("best.pt")\n' in fixed["scripts/eval.py"]
    assert "DataLoader(train_set, batch_size=8, num_workers=4, pin_memory=True)" in fixed["train.py"]  # a safe fix
    assert ("nn.LeakyReLU(0.2, inplace=True)" in fixed["train.py"]) is unsafe  # an unsafe fix
    assert remaining == _api_findings(fixed)
    shutil.rmtree(root)
