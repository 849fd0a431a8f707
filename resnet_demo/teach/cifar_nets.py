"""The CIFAR-10 networks of He et al. (CVPR 2016, arXiv:1512.03385), §4.2: plain and residual, 6n+2 weighted layers.

A 3×3 convolution with 16 channels, then three stages of n blocks at 16, 32 and 64 channels (the
first block of stages 2 and 3 halves the feature map with stride 2), global average pooling and
a 10-way fully connected layer: 1 + 3·2n + 1 = 6n+2 weighted layers (n = 3 → 20, n = 9 → 56).
Every convolution is followed by BatchNorm, as in the paper.

A block is conv-BN-ReLU-conv-BN, then ReLU. The *residual* network adds the block's input before
that last ReLU; the *plain* network does not. Where a block changes shape the residual network's
shortcut is the paper's option A for CIFAR: the input subsampled by 2 and padded with zero
channels, which has no parameters. That is why the paper chose it ("our residual models have
exactly the same depth, width, and number of parameters as the plain counterparts"), and it is
why here a plain and a residual network of the same depth have the very same parameters in the
same order: built with the same seed, they start from identical weights and differ only by the
additions. (Option B, a 1×1 projection, would give the residual network extra weights the plain
one lacks.)

Initialisation is He et al.'s (kaiming normal, fan_out, as torchvision's ResNets), drawn from a
private `torch.Generator` in a fixed module order. Modules are created on the meta device and
then filled in, so the global RNG is never drawn from (safe with other threads using it).
"""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

STAGE_WIDTHS: tuple[int, ...] = (16, 32, 64)
"""Channels of the three stages (the paper's {16, 32, 64})."""
VARIANTS: tuple[str, ...] = ("plain", "resnet")
"""Network variants: "plain" (no shortcut) and "resnet" (identity shortcuts, option A)."""


def check_cifar_depth(depth: Any) -> int:
    """Return `depth` if it is 6n+2 for some n ≥ 1 (8, 14, 20, 32, 44, 56, 110, ...), else raise."""
    if isinstance(depth, bool) or not isinstance(depth, int):
        raise TypeError(f"depth must be an int of the form 6n+2 (20, 32, 44, 56, 110, ...); got {depth!r}")
    if depth < 8 or (depth - 2) % 6:
        raise ValueError(f"depth must be of the form 6n+2 with n >= 1 (8, 14, 20, 32, 44, 56, 110, ...); got {depth}")
    return depth


def net_name(*, depth: int, variant: str) -> str:
    """The name a network goes by in the lab: "plain-20", "resnet-56", ..."""
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {list(VARIANTS)}; got {variant!r}")
    return f"{variant}-{check_cifar_depth(depth)}"


class ZeroPadShortcut(nn.Module):
    """Option A: x subsampled by `stride` and padded with zero channels up to `out_channels`."""

    def __init__(self, in_channels: int, out_channels: int, stride: int) -> None:
        super().__init__()
        self.extra = out_channels - in_channels
        self.stride = stride

    def forward(self, x: Tensor) -> Tensor:
        x = x[:, :, :: self.stride, :: self.stride]  # (B, C_in, H/s, W/s)
        return F.pad(x, (0, 0, 0, 0, 0, self.extra))  # (B, C_out, H/s, W/s): new channels are 0


class CifarBlock(nn.Module):
    """Two 3×3 conv-BN layers; output ReLU(F(x) + shortcut(x)) if residual else ReLU(F(x))."""

    def __init__(self, in_channels: int, out_channels: int, stride: int, *, residual: bool) -> None:
        super().__init__()
        self.residual = residual
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        changes_shape = stride != 1 or in_channels != out_channels
        self.shortcut = ZeroPadShortcut(in_channels, out_channels, stride) if changes_shape else nn.Identity()

    def forward(self, x: Tensor) -> Tensor:
        f = self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))  # F(x), (B, C_out, H_out, W_out)
        if self.residual:
            f = f + self.shortcut(x)
        return torch.relu(f)  # out of place: block outputs stay valid for autograd


class CifarNet(nn.Module):
    """A 6n+2-layer CIFAR network; `blocks` in forward order, named by `block_names`."""

    def __init__(self, depth: int, *, residual: bool, num_classes: int = 10) -> None:
        super().__init__()
        self.depth = check_cifar_depth(depth)
        self.residual = residual
        self.name = net_name(depth=depth, variant="resnet" if residual else "plain")
        n = (depth - 2) // 6
        self.conv = nn.Conv2d(3, STAGE_WIDTHS[0], 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(STAGE_WIDTHS[0])
        blocks, names, channels = [], [], STAGE_WIDTHS[0]
        for stage, width in enumerate(STAGE_WIDTHS):
            for i in range(n):
                stride = 2 if stage > 0 and i == 0 else 1
                blocks.append(CifarBlock(channels, width, stride, residual=residual))
                names.append(f"stage{stage + 1}.{i}")
                channels = width
        self.blocks = nn.ModuleList(blocks)
        self.block_names: tuple[str, ...] = tuple(names)
        self.fc = nn.Linear(channels, num_classes)

    def forward_blocks(self, x: Tensor) -> tuple[Tensor, list[Tensor]]:
        """(logits, every block's output in forward order) for images x of shape (B, 3, H, W)."""
        h = torch.relu(self.bn(self.conv(x)))  # (B, 16, H, W)
        outputs = []
        for block in self.blocks:
            h = block(h)  # (B, 16|32|64, H|H/2|H/4, ...)
            outputs.append(h)
        logits = self.fc(torch.flatten(F.adaptive_avg_pool2d(h, 1), 1))  # (B, num_classes)
        return logits, outputs

    def forward(self, x: Tensor) -> Tensor:
        return self.forward_blocks(x)[0]


def _init_weights(net: nn.Module, generator: torch.Generator) -> None:
    """He init for convolutions, BN at (1, 0) with fresh statistics, PyTorch's default for the classifier."""
    for module in net.modules():  # a fixed order, the same for plain and residual
        if isinstance(module, nn.Conv2d):
            nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu", generator=generator)
        elif isinstance(module, nn.BatchNorm2d):
            nn.init.ones_(module.weight)
            nn.init.zeros_(module.bias)
            module.reset_running_stats()
        elif isinstance(module, nn.Linear):
            nn.init.kaiming_uniform_(module.weight, a=math.sqrt(5), generator=generator)
            bound = 1 / math.sqrt(module.in_features)
            nn.init.uniform_(module.bias, -bound, bound, generator=generator)


def build_cifar_net(*, depth: int, variant: str, seed: int = 0, num_classes: int = 10) -> CifarNet:
    """A freshly initialised plain or residual CIFAR network, on the CPU, in training mode.

    Same `depth` and `seed` → the same weights for "plain" and "resnet" (they share every
    parameter; option A shortcuts have none), so the two differ only by the shortcuts.
    """
    net_name(depth=depth, variant=variant)  # validates both
    with torch.device("meta"):  # no memory, no draw from the global RNG for PyTorch's default init
        net = CifarNet(depth, residual=variant == "resnet", num_classes=num_classes)
    net.to_empty(device="cpu")  # uninitialised storage, every tensor filled in below
    with torch.no_grad():
        _init_weights(net, torch.Generator().manual_seed(seed))
    return net
