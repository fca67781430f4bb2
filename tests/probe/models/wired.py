"""Correctly wired models whose structure used to raise false alarms (issue: checks that know what
they look at), and a few broken twins. Small on purpose: each probe takes about a second."""

import torch
import torch.nn.functional as F
from torch import nn


class TanhGenerator(nn.Module):
    """DCGAN-style generator: latent N x 16 x 1 x 1 -> Tanh image in [-1, 1]."""

    def __init__(self, nz=16, ngf=32):
        super().__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf), nn.ReLU(True),
            nn.ConvTranspose2d(ngf, 3, 4, 2, 1, bias=False), nn.Tanh())

    def forward(self, z):
        return self.main(z)


class SigmoidDiscriminator(nn.Module):
    """DCGAN-style discriminator: image -> one probability per sample (N x 1 x 1 x 1)."""

    def __init__(self, ndf=8):
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(3, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 2), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 2, 1, 4, 1, 0, bias=False), nn.Sigmoid())

    def forward(self, x):
        return self.main(x)


class BiasBeforeNorms(nn.Module):
    """A conv bias before InstanceNorm (pix2pix) and a linear bias reaching a BatchNorm through a
    1x1 conv (MobileNet bottleneck): both gradients are zero by construction, not vanishing."""

    image_size = 8  # the probe reads it for the input

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 32, 3, padding=1, bias=True)
        self.inorm = nn.InstanceNorm2d(32, affine=True)
        self.expand = nn.Conv2d(32, 64, 3, padding=1, bias=True)
        self.project = nn.Conv2d(64, 32, 1, bias=False)
        self.bn = nn.BatchNorm2d(32)
        self.head = nn.Linear(32, 4)

    def forward(self, x):
        x = F.relu(self.inorm(self.conv(x)))
        x = F.relu(self.bn(self.project(self.expand(x))))
        return self.head(x.mean(dim=(2, 3)))


class LayerScaleBlock(nn.Module):
    def __init__(self, dim, init=1e-6):
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 2 * dim), nn.GELU(), nn.Linear(2 * dim, dim))
        self.gamma = nn.Parameter(init * torch.ones(dim))

    def forward(self, x):
        return x + self.gamma * self.mlp(self.norm(x))


class LayerScaleNet(nn.Module):
    """CaiT/ConvNeXt-style residual blocks whose branch is scaled by a LayerScale at 1e-6."""

    def __init__(self, dim=16, depth=2):
        super().__init__()
        self.embed = nn.Linear(12, dim)
        self.blocks = nn.Sequential(*[LayerScaleBlock(dim) for _ in range(depth)])
        self.head = nn.Linear(dim, 4)

    def forward(self, x):
        return self.head(self.blocks(self.embed(x)))


class ZeroInitHead(nn.Module):
    """A head initialised at zero (common in fine-tuning code): nothing before it gets a gradient
    on the first step, by design."""

    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(12, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU())
        self.head = nn.Linear(32, 4)
        nn.init.zeros_(self.head.weight)
        nn.init.zeros_(self.head.bias)

    def forward(self, x):
        return self.head(self.body(x))


class MultiScaleDetector(nn.Module):
    """A detector neck + heads returning a list of feature maps, one per scale (YOLO-like)."""

    image_size = 8

    def __init__(self, anchors=3, classes=2):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, 2, 1), nn.ReLU())
        self.down1 = nn.Sequential(nn.Conv2d(8, 16, 3, 2, 1), nn.ReLU())
        self.down2 = nn.Sequential(nn.Conv2d(16, 32, 3, 2, 1), nn.ReLU())
        out = anchors * (5 + classes)
        self.heads = nn.ModuleList([nn.Conv2d(c, out, 1) for c in (8, 16, 32)])

    def forward(self, x):
        p1 = self.stem(x)
        p2 = self.down1(p1)
        p3 = self.down2(p2)
        return [head(p) for head, p in zip(self.heads, (p1, p2, p3))]


class IteratedLayers(nn.Module):
    """forward iterates a Sequential (calls its children, never the Sequential itself)."""

    def __init__(self):
        super().__init__()
        self.inp = nn.Linear(12, 32)
        self.layers = nn.Sequential(nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU())
        self.out = nn.Linear(32, 4)

    def forward(self, x):
        x = self.inp(x)
        for layer in self.layers:
            x = layer(x)
        return self.out(x)


class MaskedAutoencoder(nn.Module):
    """Returns (loss, pred, mask) with random masking, like an MAE: trained on its own loss."""

    def __init__(self, tokens=8, dim=12):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(tokens * dim, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU())
        self.decoder = nn.Linear(64, tokens * dim)
        self.tokens, self.dim = tokens, dim

    def forward(self, x):
        n = x.shape[0]
        patches = x.reshape(n, self.tokens, -1)
        mask = (torch.rand(n, self.tokens, device=x.device) < 0.25).float()
        visible = patches * (1 - mask).unsqueeze(-1)
        pred = self.decoder(self.encoder(visible.reshape(n, -1))).reshape(n, self.tokens, -1)
        loss = (((pred - patches) ** 2).mean(-1) * mask).sum() / mask.sum().clamp(min=1)
        return loss, pred, mask

    # the probe infers 8 x 96 from encoder.0 (Linear)


class ExplodingLogits(nn.Module):
    """A classifier whose head is initialised far too large: logits in the thousands."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(16, 64)
        self.fc2 = nn.Linear(64, 4)
        with torch.no_grad():
            self.fc2.weight.mul_(2000.0)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x)))


class SoftmaxBeforeLoss(nn.Module):
    """Wrong output activation for the loss: probabilities fed to a cross-entropy that wants logits."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(16, 64)
        self.fc2 = nn.Linear(64, 4)

    def forward(self, x):
        return F.softmax(self.fc2(F.relu(self.fc1(x))), dim=1)


class FrozenMiddle(nn.Module):
    """A layer frozen between trainable ones."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(16, 32)
        self.fc2 = nn.Linear(32, 32)
        self.fc3 = nn.Linear(32, 4)
        self.fc2.requires_grad_(False)

    def forward(self, x):
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))


class FrozenBackbone(nn.Module):
    """A frozen prefix (a pretrained backbone) and a trainable head: fine-tuning, not a mistake."""

    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential(nn.Linear(16, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU())
        self.head = nn.Linear(128, 4)
        self.backbone.requires_grad_(False)

    def forward(self, x):
        return self.head(self.backbone(x))


class ManyDetached(nn.Module):
    """Twenty layers whose output is dropped: RT002 lists them all, the tail after its head."""

    def __init__(self):
        super().__init__()
        self.trunk = nn.Sequential(*[nn.Linear(8, 8) for _ in range(10)])
        self.head = nn.Linear(8, 3)

    def forward(self, x):
        return self.head(self.trunk(x).detach() + x)


class ConstantModel(nn.Module):
    """The output ignores the input: RT013 cannot judge independence (inconclusive, not a pass)."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(16, 4)
        self.bias = nn.Parameter(torch.zeros(4))

    def forward(self, x):
        return self.bias.expand(x.shape[0], 4) + 0 * self.fc(x).detach()


class FocusStem(nn.Module):
    """YOLOX/YOLOv5 Focus: space-to-depth before the first conv, so that conv's in_channels (12) is
    four times the image's (3)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(12, 16, 3, padding=1)
        self.head = nn.Linear(16, 4)

    def forward(self, x):
        x = torch.cat([x[..., ::2, ::2], x[..., 1::2, ::2], x[..., ::2, 1::2], x[..., 1::2, 1::2]], dim=1)
        return self.head(F.relu(self.conv(x)).mean(dim=(2, 3)))



class SecondHeadMixes(nn.Module):
    """Two outputs; only the second is computed from a batch-mixing reshape."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(16, 32)
        self.a = nn.Linear(32, 4)
        self.b = nn.Linear(32, 4)

    def forward(self, x):
        h = F.relu(self.fc1(x))
        return self.a(h), self.b(h.t().reshape(x.shape[0], -1))


class _BasicBlock(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.conv1 = nn.Conv2d(width, width, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(width)

    def forward(self, x):
        return F.relu(x + self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x))))))


class DeepResidualNet(nn.Module):
    """A CIFAR ResNet the way akamaster's resnet56 is initialised (Kaiming normal everywhere, no
    zero-init of the last BatchNorm): the residual stream's variance grows with the number of
    blocks, so the logits start with a spread of about 3 and the loss well above ln(10), from an
    ordinary initialisation."""

    def __init__(self, blocks=27, width=8, classes=10):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, width, 3, padding=1, bias=False), nn.BatchNorm2d(width), nn.ReLU())
        self.blocks = nn.Sequential(*[_BasicBlock(width) for _ in range(blocks)])
        self.fc = nn.Linear(width, classes)
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.kaiming_normal_(m.weight)

    def forward(self, x):
        return self.fc(F.adaptive_avg_pool2d(self.blocks(self.stem(x)), 1).flatten(1))


class ReluLogitsClassifier(nn.Module):
    """SqueezeNet's head: the classifier's logits pass a ReLU (by design). At initialisation about
    half of them are 0 with no gradient, for each sample a different half."""

    def __init__(self, classes=200):
        super().__init__()
        self.fc1 = nn.Linear(16, 64)
        self.fc2 = nn.Linear(64, classes)

    def forward(self, x):
        return F.relu(self.fc2(F.relu(self.fc1(x))))


class DeadReluLogits(ReluLogitsClassifier):
    """Its broken twin: a bias of -10 before the ReLU puts every logit at 0, for every sample."""

    def __init__(self):
        super().__init__()
        with torch.no_grad():
            self.fc2.bias.fill_(-10.0)


class ContrastiveEmbedder(nn.Module):
    """SupCon's projection head: a conv encoder, an MLP, and rows normalised to unit length
    (N x 128). An embedding, not logits."""

    image_size = 8

    def __init__(self, dim=128):
        super().__init__()
        self.encoder = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
                                     nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.head = nn.Sequential(nn.Linear(16, 64), nn.ReLU(), nn.Linear(64, dim))

    def forward(self, x):
        return F.normalize(self.head(self.encoder(x)), dim=1)



class PartlyDeadReluLogits(ReluLogitsClassifier):
    """ReLU logits that are all 0 for some samples (those whose first input feature is high): those
    samples cannot be fitted, the others can. What SqueezeNet's head ends up with on random inputs,
    made deterministic."""

    def forward(self, x):
        shut = 100.0 * (x[:, :1] > 0.8).float()
        return F.relu(self.fc2(F.relu(self.fc1(x))) - shut)
