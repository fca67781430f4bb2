"""A training script in one file, as research code often is: it parses sys.argv at import time and
its model takes a config dataclass (GPT(GPTConfig(...)))."""

import argparse
from dataclasses import dataclass

import torch
from torch import nn

parser = argparse.ArgumentParser()
parser.add_argument("--lr", type=float, default=1e-3)
ARGS = parser.parse_args()  # fails on any argument it does not know, such as the probe's


@dataclass
class TinyConfig:
    vocab_size: int = 64
    n_layer: int = 6
    n_embd: int = 32
    block_size: int = 16


class TinyLM(nn.Module):
    def __init__(self, config: TinyConfig):
        super().__init__()
        self.config = config
        self.wte = nn.Embedding(config.vocab_size, config.n_embd)
        self.blocks = nn.ModuleList([nn.Sequential(nn.LayerNorm(config.n_embd), nn.Linear(config.n_embd, config.n_embd),
                                                   nn.GELU()) for _ in range(config.n_layer)])
        self.head = nn.Linear(config.n_embd, config.vocab_size)

    def forward(self, idx):
        x = self.wte(idx)
        steps = torch.arange(1, idx.shape[1] + 1, device=idx.device).view(1, -1, 1)
        x = x + x.cumsum(dim=1) / steps  # causal context: the mean of the tokens so far
        for block in self.blocks:
            x = x + block(x)
        return self.head(x)


if __name__ == "__main__":
    model = TinyLM(TinyConfig())
    print(model(torch.zeros(1, 8, dtype=torch.long)).shape)
