"""Distributed autograd training loops (RPC parameter server / pipeline, as in PyTorch's RPC
tutorials): gradients live in the dist_autograd context, there is no zero_grad to call."""
import torch
import torch.distributed.autograd as dist_autograd
import torch.distributed.rpc as rpc
import torch.nn as nn
from torch.distributed.optim import DistributedOptimizer
from torch import optim


def run_training_loop(rank, num_gpus, train_loader, test_loader):
    net = TrainerNet(num_gpus=num_gpus)
    param_rrefs = net.get_global_param_rrefs()
    opt = DistributedOptimizer(optim.SGD, param_rrefs, lr=0.03)
    for i, (data, target) in enumerate(train_loader):
        with dist_autograd.context() as cid:
            model_output = net(data)
            target = target.to(model_output.device)
            loss = nn.functional.nll_loss(model_output, target)
            # ok: missing-zero-grad
            dist_autograd.backward(cid, [loss])
            assert net.param_server_rref.rpc_sync().get_dist_gradients(cid) != {}
            opt.step(cid)


def train_local(model, loader, optimizer, criterion):
    for inputs, labels in loader:
        loss = criterion(model(inputs), labels)
        # ruleid: missing-zero-grad
        loss.backward()
        optimizer.step()
