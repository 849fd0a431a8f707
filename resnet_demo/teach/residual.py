"""Residual learning, block by block: how large is F(x) next to x in each block of a real ResNet?

Each block computes y = F(x) + x (Eq. 1 of He et al., CVPR 2016; F(x) := H(x) − x is the residual
of the mapping H(x) the block should learn), then a ReLU. The ratio ‖F(x)‖ / ‖x‖ (both L2 norms over
the whole C×H×W tensor, measured by `explain` in its single pass) says how much a block changes what
flows through it: well below 1, the block makes a small correction to its input; near or above 1,
it rewrites it. Where F(x) changes the shape, the block adds a projection W_s x (Eq. 2; torchvision's
`downsample`, a 1×1 convolution + BN) instead of x: the first block of layer2..layer4 (stride 2) at
every depth, and the first block of layer1 (stride 1, 64 → 256 channels) in ResNet-50/101/152 only.
"""

from __future__ import annotations

from ..explanation import BlockStat


def block_summary(block: BlockStat) -> str:
    """One line of numbers for the selected block (language-neutral)."""
    shortcut = "W_s x" if block.downsample else "x"  # the paper's Eq. 2 names the projection W_s
    return (
        f"**{block.name}** · ‖F(x)‖ = {block.f_norm:.1f} · ‖{shortcut}‖ = {block.identity_norm:.1f} · "
        f"‖F(x)‖/‖{shortcut}‖ = **{block.ratio:.2f}**"
    )
