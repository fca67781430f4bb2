"""A DCGAN loop with two optimizers, as most GAN tutorials write it."""

import random

import torch
import torch.nn as nn
import torch.optim as optim
from torch.utils.tensorboard import SummaryWriter


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.main = nn.Sequential(nn.ConvTranspose2d(100, 64, 4), nn.BatchNorm2d(64), nn.ReLU(True))

    def forward(self, z):
        return self.main(z)


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.main = nn.Sequential(nn.Conv2d(3, 64, 4), nn.LeakyReLU(0.2, inplace=True), nn.Flatten(), nn.LazyLinear(1))

    def forward(self, x):
        return self.main(x)


def main():
    random.seed(999)
    torch.manual_seed(999)
    device = torch.device("cuda:0")
    torch.backends.cudnn.benchmark = True
    writer = SummaryWriter()
    netG, netD = Generator().to(device), Discriminator().to(device)
    criterion = nn.BCEWithLogitsLoss()
    # ok: adam-l2-weight-decay  # ruleid: no-weight-decay
    optimizerD = optim.Adam(netD.parameters(), lr=2e-4, betas=(0.5, 0.999))
    # ok: adam-l2-weight-decay  # ruleid: no-weight-decay
    optimizerG = optim.Adam(netG.parameters(), lr=2e-4, betas=(0.5, 0.999))
    for epoch in range(25):
        for i, (real, _) in enumerate(dataloader):
            real = real.to(device, non_blocking=True)
            netD.zero_grad()
            out = netD(real)
            errD_real = criterion(out, torch.ones_like(out))
            errD_real.backward()
            fake = netG(torch.randn(real.size(0), 100, 1, 1, device=device))
            out = netD(fake.detach())
            errD_fake = criterion(out, torch.zeros_like(out))
            errD_fake.backward()
            optimizerD.step()
            netG.zero_grad()
            out = netD(fake)
            errG = criterion(out, torch.ones_like(out))
            errG.backward()
            # ok: grad-accumulation-unscaled
            optimizerG.step()
            if i % 50 == 0:
                # ok: sync-in-hot-loop
                writer.add_scalar("loss/D", (errD_real + errD_fake).item(), i)


# ruleid: no-lr-scheduler  # ok: no-seed, no-experiment-logging, cudnn-benchmark
if __name__ == "__main__":
    main()
