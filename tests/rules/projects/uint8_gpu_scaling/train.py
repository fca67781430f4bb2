def step(model, batch, device):
    imgs = batch.to(device, non_blocking=True).float() / 255
    return model(imgs)
