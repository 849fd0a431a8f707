"""Independent references the tests compare the package against (no code shared with it)."""

from __future__ import annotations

import contextlib

import numpy as np
import torch
from torch import nn
from torchvision.models.resnet import Bottleneck


def hooks_left(module: nn.Module) -> list[str]:
    """Names of submodules that still carry any hook."""
    left = []
    for name, sub in module.named_modules():
        for attr in ("_forward_hooks", "_forward_pre_hooks", "_backward_hooks", "_backward_pre_hooks"):
            if getattr(sub, attr, None):
                left.append(f"{name or '<root>'}.{attr}")
    return left


@torch.no_grad()
def walk_blocks(model: nn.Module, x: torch.Tensor) -> dict[tuple[str, int], dict[str, torch.Tensor]]:
    """A hook-free, in-place-free walk of a torchvision ResNet, block by block.

    For each block: identity (x or downsample(x)), residual F(x), pre (F(x) + identity, before
    the final ReLU) and out (the block's output).
    """
    h = torch.relu(model.bn1(model.conv1(x)))
    h = model.maxpool(h)
    blocks = {}
    for stage in ("layer1", "layer2", "layer3", "layer4"):
        for i, blk in enumerate(getattr(model, stage)):
            identity = blk.downsample(h) if blk.downsample is not None else h
            f = torch.relu(blk.bn1(blk.conv1(h)))
            if isinstance(blk, Bottleneck):
                f = torch.relu(blk.bn2(blk.conv2(f)))
                f = blk.bn3(blk.conv3(f))
            else:
                f = blk.bn2(blk.conv2(f))
            pre = f + identity
            h = torch.relu(pre)
            blocks[(stage, i)] = {"identity": identity, "residual": f, "pre": pre, "out": h}
    return blocks


def correlation(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a.ravel().astype(np.float64), b.ravel().astype(np.float64)
    return float(np.corrcoef(a, b)[0, 1])


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def save_fake_imagenet_weights(depth: int, seed: int = 1):
    """Write a state_dict where torchvision looks for its DEFAULT weights (in $TORCH_HOME): offline 'ImageNet'."""
    import torchvision

    from resnet_demo import zoo

    torch.manual_seed(seed)
    state = torchvision.models.get_model(f"resnet{depth}", weights=None).state_dict()
    path = zoo.checkpoint_path(depth)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(state, path)
    return path


@contextlib.contextmanager
def serve_app(config, *, concurrency: int = 2, fair=None, auth=None):
    """Start the real app for `config` on a free localhost port in this process.

    Yields (url, demo, service), so a test can also look inside: the service's lanes, Gradio's
    cache bookkeeping.
    """
    from resnet_demo import zoo
    from resnet_demo.service import Service
    from resnet_demo.ui import build_app

    zoo.MODEL_CACHE.clear()
    service = Service(config)
    service.start()
    demo, options = build_app(service, concurrency=concurrency, fair=fair)
    demo.queue(max_size=50, default_concurrency_limit=concurrency)
    port = free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True, auth=auth,
                **options)
    try:
        yield f"http://127.0.0.1:{port}/", demo, service
    finally:
        demo.close()
        service.close()
        zoo.MODEL_CACHE.clear()


@contextlib.contextmanager
def serve(config):
    """Start the real app for `config` on a free localhost port in this process; yields its URL.

    The per-visitor bounds are on, as app.py serves them: a page driven like a student's (every
    test here comes from one address) must never be refused for what the page itself sends.
    """
    from resnet_demo.ui.fair_share import FairShare

    with serve_app(config, fair=FairShare()) as (url, _, _):
        yield url
