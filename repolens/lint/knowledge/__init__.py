"""PyTorch knowledge the rules share: signatures, class tables, what a call means.

Each module holds facts about one part of the ecosystem and the small functions that read them
off a call (no traversal, no state): `dataloader` (DataLoader's signature), `transforms`
(torchvision / albumentations transforms: random, fixed, scaling), `nn` (layer classes, the stateless ones),
`optimizers` (torch.optim classes), `training` (what a training-loop call does to gradients).
A rule imports what it needs; a table that only one rule reads stays in that rule's file.
"""
