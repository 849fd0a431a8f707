"""BasicBlock next to Bottleneck: the two residual blocks of torchvision's ResNets, as a picture.

Drawn with matplotlib (no pyplot) on one axes whose data units are the image's pixels
(1100 × 600), so positions below read as pixels from the bottom-left corner. The picture never
changes, so it is rendered once and cached; callers get the same PIL image every time and must
not draw on it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from matplotlib.axes import Axes
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch, Rectangle
from matplotlib.path import Path
from PIL import Image

from .plotting import STAGE_COLOURS, figure_to_image, new_figure

WIDTH, HEIGHT, DPI = 1100, 600, 110  # pixels; fonts sized for a classroom projector
CONV_FACE, CONV_EDGE = "#DCE6F2", STAGE_COLOURS["layer1"]
RELU_FACE, RELU_EDGE = "#FCE9D4", "#DD8452"
SKIP_COLOUR = STAGE_COLOURS["layer3"]
BRANCH_FACE = "#F4F4F4"
INK = "#222222"


@dataclass(frozen=True)
class Conv:
    """One convolution of the residual branch F(x), with what follows it inside the branch."""

    label: str  # "3×3 conv, 64"
    after: str  # "BN → ReLU", or "BN" for the last one (its ReLU comes after the addition)
    role: str = ""  # "reduce" / "expand" for the bottleneck's 1×1 convolutions


@dataclass(frozen=True)
class Block:
    title: str
    channels: int  # of x and of the output: equal, so F(x) + x needs no projection
    convs: tuple[Conv, ...]


BLOCKS: tuple[Block, ...] = (
    Block("BasicBlock (ResNet-18/34)", 64, (Conv("3×3 conv, 64", "BN → ReLU"), Conv("3×3 conv, 64", "BN"))),
    Block(
        "Bottleneck (ResNet-50/101/152)",
        256,
        (
            Conv("1×1 conv, 64", "BN → ReLU", "reduce"),
            Conv("3×3 conv, 64", "BN → ReLU"),
            Conv("1×1 conv, 256", "BN", "expand"),
        ),
    ),
)
"""What each panel shows, left to right: a layer1 block that keeps its shape, so its shortcut is x itself.

That is every layer1 block of ResNet-18/34, and layer1.1 onwards of ResNet-50/101/152 (layer1.0 of a
Bottleneck network gets 64 channels from the stem and widens them to 256 through a 1×1 `downsample`).
"""

# Vertical layout shared by both panels, in pixels from the bottom.
TITLE_Y, INPUT_Y, SPLIT_Y = 567, 522, 498
BRANCH_TOP, BRANCH_BOTTOM, BRANCH_PAD = 484, 222, 12  # the shaded F(x) region
BOX_W, BOX_H = 230, 50
ADD_Y, ADD_R = 185, 17
RELU_Y, RELU_H = 127, 36
OUTPUT_Y = 62
SKIP_DX = 175  # how far right of the main column the identity path runs


def _arrow(ax: Axes, start: tuple[float, float], end: tuple[float, float], colour: str = INK) -> None:
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=18, lw=2, color=colour,
                                 shrinkA=0, shrinkB=0))


def _box(ax: Axes, cx: float, cy: float, w: float, h: float, face: str, edge: str) -> None:
    ax.add_patch(FancyBboxPatch((cx - w / 2, cy - h / 2), w, h, boxstyle="round,pad=0,rounding_size=8",
                                fc=face, ec=edge, lw=2))


def _draw_block(ax: Axes, block: Block, left: float) -> None:
    cx = left + 285  # the main column
    ax.text(left + 275, TITLE_Y, block.title, ha="center", va="center", fontsize=17, weight="bold", color=INK)
    ax.text(cx, INPUT_Y, f"x   ({block.channels} channels)", ha="center", va="center", fontsize=14, color=INK)

    # The residual branch F(x): a shaded region holding the convolutions, evenly spaced.
    ax.add_patch(Rectangle((cx - 165, BRANCH_BOTTOM), 330, BRANCH_TOP - BRANCH_BOTTOM, fc=BRANCH_FACE,
                           ec="#BBBBBB", lw=1.2, ls="--"))
    ax.text(cx - 180, (BRANCH_TOP + BRANCH_BOTTOM) / 2, "F(x)", ha="right", va="center", fontsize=18,
            style="italic", color=CONV_EDGE)
    n = len(block.convs)  # first box at the top of the region, last at its bottom
    gap = (BRANCH_TOP - BRANCH_BOTTOM - 2 * BRANCH_PAD - n * BOX_H) / max(n - 1, 1)
    centres = [BRANCH_TOP - BRANCH_PAD - (gap + BOX_H) * i - BOX_H / 2 for i in range(n)]
    _arrow(ax, (cx, INPUT_Y - 14), (cx, centres[0] + BOX_H / 2))
    for i, (conv, cy) in enumerate(zip(block.convs, centres)):
        _box(ax, cx, cy, BOX_W, BOX_H, CONV_FACE, CONV_EDGE)
        ax.text(cx, cy + 9, conv.label, ha="center", va="center", fontsize=15, weight="bold", color=INK)
        ax.text(cx, cy - 13, conv.after, ha="center", va="center", fontsize=12, color="#555555")
        if conv.role:
            ax.text(cx - BOX_W / 2 - 8, cy, conv.role, ha="right", va="center", fontsize=12, style="italic",
                    color="#555555")
        end = centres[i + 1] + BOX_H / 2 if i + 1 < n else ADD_Y + ADD_R
        _arrow(ax, (cx, cy - BOX_H / 2), (cx, end))

    # The identity path: out of the main line above F(x), around it, into the addition.
    skip = cx + SKIP_DX
    path = Path(
        [(cx, SPLIT_Y), (skip - 25, SPLIT_Y), (skip, SPLIT_Y), (skip, SPLIT_Y - 25),
         (skip, ADD_Y + 25), (skip, ADD_Y), (skip - 25, ADD_Y), (cx + ADD_R, ADD_Y)],
        [Path.MOVETO, Path.LINETO, Path.CURVE3, Path.CURVE3, Path.LINETO, Path.CURVE3, Path.CURVE3, Path.LINETO],
    )
    ax.add_patch(FancyArrowPatch(path=path, arrowstyle="-|>", mutation_scale=20, lw=3, color=SKIP_COLOUR))
    ax.add_patch(Circle((cx, SPLIT_Y), 5, color=SKIP_COLOUR, zorder=3))
    ax.text(skip + 10, (SPLIT_Y + ADD_Y) / 2, "identity x", ha="left", va="center", rotation=90,
            fontsize=14, weight="bold", color=SKIP_COLOUR)

    # F(x) + x, then the block's last ReLU, then its output.
    ax.add_patch(Circle((cx, ADD_Y), ADD_R, fc="white", ec=INK, lw=2, zorder=3))
    ax.text(cx, ADD_Y, "+", ha="center", va="center", fontsize=20, weight="bold", color=INK, zorder=4)
    ax.text(cx - ADD_R - 10, ADD_Y, "F(x) + x", ha="right", va="center", fontsize=13, color=INK)
    _arrow(ax, (cx, ADD_Y - ADD_R), (cx, RELU_Y + RELU_H / 2))
    _box(ax, cx, RELU_Y, 110, RELU_H, RELU_FACE, RELU_EDGE)
    ax.text(cx, RELU_Y, "ReLU", ha="center", va="center", fontsize=15, weight="bold", color=INK)
    _arrow(ax, (cx, RELU_Y - RELU_H / 2), (cx, OUTPUT_Y + 16))
    ax.text(cx, OUTPUT_Y, "H(x) = ReLU(F(x) + x)", ha="center", va="center", fontsize=16, weight="bold",
            color=INK)
    ax.text(cx, OUTPUT_Y - 29, f"{block.channels} channels, same size as x", ha="center", va="center",
            fontsize=12, color="#555555")


@functools.cache
def render_block_diagram() -> Image.Image:
    """BasicBlock (left) and Bottleneck (right), each with its identity skip connection."""
    fig = new_figure(WIDTH / DPI, HEIGHT / DPI)
    fig.set_layout_engine("none")  # one axes filling the figure, in pixel units
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, WIDTH)
    ax.set_ylim(0, HEIGHT)
    ax.axis("off")
    ax.axvline(WIDTH / 2, ymin=0.05, ymax=0.95, color="#CCCCCC", lw=1.5)
    for i, block in enumerate(BLOCKS):
        _draw_block(ax, block, left=i * WIDTH / 2)
    return figure_to_image(fig)
