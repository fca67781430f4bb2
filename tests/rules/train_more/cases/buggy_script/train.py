"""A quick notebook-turned-script with several silent mistakes."""

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, random_split


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 8, 3)
        self.drop = nn.Dropout(0.5)
        self.fc = nn.Linear(8 * 26 * 26, 10)

    def forward(self, x):
        return self.fc(self.drop(torch.relu(self.conv(x))).flatten(1))


def validate(model, loader):
    with torch.no_grad():
        for x, y in loader:
            # ruleid: missing-eval-mode
            out = model(x.cuda())


model = Net().cuda()
# ruleid: no-weight-decay
optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
# ruleid: no-label-smoothing
criterion = nn.CrossEntropyLoss()
# ruleid: train-val-same-dataset
train_ds, val_ds = random_split(full_ds, [50000, 10000])
train_loader = DataLoader(train_ds, batch_size=64, shuffle=True)
val_loader = DataLoader(val_ds, batch_size=64)
# ruleid: debug-api-left-on
torch.autograd.set_detect_anomaly(True)
# ruleid: no-lr-scheduler, no-experiment-logging, no-seed, cudnn-benchmark, no-early-stopping
for epoch in range(10):
    for x, y in train_loader:
        x, y = x.cuda(), y.cuda()
        optimizer.zero_grad()
        # ruleid: unweighted-loss-sum
        loss = criterion(model(x), y) + nn.functional.mse_loss(model(x).softmax(1), nn.functional.one_hot(y, 10).float())
        loss.backward()
        optimizer.step()
    validate(model, val_loader)
