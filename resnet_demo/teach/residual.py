"""Residual learning, block by block: how large is F(x) next to x in each block of a real ResNet?

Each block computes H(x) = ReLU(F(x) + x). The ratio ‖F(x)‖ / ‖x‖ (both L2 norms over the whole
C×H×W tensor, measured by `explain` in its single pass) says how much a block changes what flows
through it: well below 1, the block makes a small correction to its input; near or above 1, it
rewrites it. Where F(x) changes the shape, the block adds a 1×1-convolution projection of x
(torchvision's `downsample`) instead of x: the first block of layer2..layer4 (stride 2) at every
depth, and the first block of layer1 (stride 1, 64 → 256 channels) in ResNet-50/101/152 only.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from ..explanation import BlockStat
from .plotting import STAGE_COLOURS, figure_to_image, mark_stages, new_figure


def render_ratio_chart(blocks: list[BlockStat], depth: int, *, highlight: tuple[str, int] | None = None) -> Image.Image:
    """Bars of ‖F(x)‖/‖shortcut‖ for every block, coloured by stage; blocks whose shortcut is `downsample` hatched."""
    ratios = np.array([b.ratio for b in blocks])
    x = np.arange(1, len(blocks) + 1)
    fig = new_figure(9.5, 3.4)
    ax = fig.add_subplot()
    bars = ax.bar(x, ratios, color=[STAGE_COLOURS[b.stage] for b in blocks], width=0.8)
    for bar, block in zip(bars, blocks):
        if block.downsample:
            bar.set_hatch("///")
            bar.set_edgecolor("white")
        if highlight == (block.stage, block.index):
            bar.set_edgecolor("black")
            bar.set_linewidth(2.0)
    ax.axhline(1.0, color="#333", lw=0.8, ls=":", label="‖F(x)‖ = ‖x‖")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=9, frameon=False)
    mark_stages(ax, [b.stage for b in blocks])
    ax.set_xlim(0.4, len(blocks) + 0.6)
    ax.set_xlabel(f"block of ResNet-{depth} (hatched: shortcut is downsample(x))")
    ax.set_ylabel("‖F(x)‖ / ‖x‖")
    if len(blocks) <= 20:
        ax.set_xticks(x, [b.name for b in blocks], rotation=60, fontsize=8)
    return figure_to_image(fig)


def block_summary(block: BlockStat) -> str:
    """One line of numbers for the selected block (language-neutral)."""
    shortcut = "downsample(x)" if block.downsample else "x"
    return (
        f"**{block.name}** · ‖F(x)‖ = {block.f_norm:.1f} · ‖{shortcut}‖ = {block.identity_norm:.1f} · "
        f"‖F(x)‖/‖{shortcut}‖ = **{block.ratio:.2f}**"
    )
