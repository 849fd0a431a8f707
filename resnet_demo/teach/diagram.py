"""The residual blocks of torchvision's ResNets as a picture: BasicBlock and Bottleneck, each as a block
that keeps its shape (identity shortcut, Eq. 1) and as a downsampling block (projection shortcut, Eq. 2).

Drawn with matplotlib (no pyplot) on one axes whose data units are the image's pixels (1100 × 1200,
four 550 × 600 panels), so positions below read as pixels from the bottom-left corner. The picture
carries symbols, layer names and the few words the caller passes in `DiagramWords` (the UI words
them in the page's language); Chinese is drawn with Noto Sans CJK (`fonts-noto-cjk`, listed in
packages.txt for Spaces). Without that font `render_block_diagram` refuses CJK words
(`FontUnavailableError`) rather than draw empty boxes. Each picture is rendered once per set of
words and cached; callers must not draw on it.

Strides sit where torchvision puts them: a BasicBlock's first 3×3 convolution, and a Bottleneck's
3×3 convolution ("ResNet v1.5"; the paper puts it on the first 1×1). The projection is a 1×1
convolution with the same stride, then BN (torchvision's `downsample`, the paper's option B).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch, Rectangle
from matplotlib.path import Path
from PIL import Image

from ..errors import DemoError
from .plotting import STAGE_COLOURS, figure_to_image, new_figure

PANEL_W, PANEL_H, DPI = 550, 600, 110  # pixels; fonts sized for a classroom projector
WIDTH, HEIGHT = 2 * PANEL_W, 2 * PANEL_H
CONV_FACE, CONV_EDGE = "#DCE6F2", STAGE_COLOURS["layer1"]
RELU_FACE, RELU_EDGE = "#FCE9D4", "#DD8452"
SKIP_COLOUR = STAGE_COLOURS["layer3"]
PROJ_FACE = "#F6DEDF"
BRANCH_FACE = "#F4F4F4"
INK, GREY = "#222222", "#555555"
LATIN_FONT = "DejaVu Sans"
CJK_FONT = "Noto Sans CJK SC"  # Simplified Chinese glyph forms (the JP face of the same file differs)


class FontUnavailableError(DemoError):
    """The words need a CJK font that this install lacks (Debian/Ubuntu: fonts-noto-cjk)."""


@dataclass(frozen=True)
class Conv:
    """One convolution of the residual branch F(x); BN follows it, ReLU too except after the last."""

    kernel: int
    channels: int  # output channels
    stride: int = 1
    role: str = ""  # "reduce" / "expand": the Bottleneck's 1×1 convolutions


@dataclass(frozen=True)
class Panel:
    """One block as drawn: where it is in a torchvision ResNet, its shapes and its layers."""

    block: str  # "BasicBlock" or "Bottleneck", torchvision's class name
    name: str  # its module name, e.g. "layer2.0"
    depths: str  # the networks it is taken from, e.g. "ResNet-18/34"
    x: tuple[int, int, int]  # C×H×W of its input for a 224×224 image
    y: tuple[int, int, int]  # C×H×W of its output
    convs: tuple[Conv, ...]
    projection: Conv | None = None  # the 1×1 convolution of `downsample` (BN follows), or None: identity

    @property
    def downsampling(self) -> bool:
        return self.projection is not None


PANELS: tuple[Panel, ...] = (
    Panel("BasicBlock", "layer1.1", "ResNet-18/34", (64, 56, 56), (64, 56, 56), (Conv(3, 64), Conv(3, 64))),
    Panel("Bottleneck", "layer1.1", "ResNet-50/101/152", (256, 56, 56), (256, 56, 56),
          (Conv(1, 64, role="reduce"), Conv(3, 64), Conv(1, 256, role="expand"))),
    Panel("BasicBlock", "layer2.0", "ResNet-18/34", (64, 56, 56), (128, 28, 28),
          (Conv(3, 128, stride=2), Conv(3, 128)), projection=Conv(1, 128, stride=2)),
    Panel("Bottleneck", "layer2.0", "ResNet-50/101/152", (256, 56, 56), (512, 28, 28),
          (Conv(1, 128, role="reduce"), Conv(3, 128, stride=2), Conv(1, 512, role="expand")),
          projection=Conv(1, 512, stride=2)),
)
"""Left to right, top to bottom: two blocks that keep their shape, then the two that halve the resolution.

tests/test_teach_architecture.py holds every number here against torchvision's modules.
"""


@dataclass(frozen=True)
class DiagramWords:
    """The words drawn into the picture, in one language; `{...}` fields are filled in here."""

    basic: str  # "BasicBlock"
    bottleneck: str  # "Bottleneck"
    title_down: str  # "Downsampling {block}"
    where: str  # "{name} of {depths}"
    shape: str  # "{c} channels, {h}×{w}"
    stride: str  # "stride {stride}"
    reduce: str
    expand: str
    identity: str  # "identity: x"
    projection: str  # "projection Wₛx"
    colon: str  # ": " between a symbol and its shape ("：" in Chinese)


ENGLISH = DiagramWords("BasicBlock", "Bottleneck", "Downsampling {block}", "{name} of {depths}", "{c} channels, {h}×{w}", "stride {stride}",
                       "reduce", "expand", "identity: x", "projection Wₛx", ": ")
"""English words, for callers without a language (the CLI, tests)."""


@functools.cache
def has_cjk_font() -> bool:
    """Whether matplotlib finds Noto Sans CJK SC (so Chinese can be drawn without empty boxes)."""
    return any(f.name == CJK_FONT for f in font_manager.fontManager.ttflist)


def _needs_cjk(words: DiagramWords) -> bool:
    return any(ord(ch) >= 0x2E80 for text in vars(words).values() for ch in text)


def _arrow(ax: Axes, start: tuple[float, float], end: tuple[float, float], colour: str = INK) -> None:
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=18, lw=2, color=colour,
                                 shrinkA=0, shrinkB=0))


def _box(ax: Axes, cx: float, cy: float, w: float, h: float, face: str, edge: str) -> None:
    ax.add_patch(FancyBboxPatch((cx - w / 2, cy - h / 2), w, h, boxstyle="round,pad=0,rounding_size=8",
                                fc=face, ec=edge, lw=2))


def _conv_lines(conv: Conv, words: DiagramWords, last: bool) -> tuple[str, str]:
    """'3×3 conv, 128' over 'stride 2 · BN → ReLU' (no ReLU after the last: it comes after the addition)."""
    after = [words.stride.format(stride=conv.stride)] if conv.stride != 1 else []
    after.append("BN" if last else "BN → ReLU")
    return f"{conv.kernel}×{conv.kernel} conv, {conv.channels}", " · ".join(after)


# Vertical layout of a panel, in pixels from the panel's bottom.
TITLE_Y, INPUT_Y, SPLIT_Y = 572, 522, 500
BRANCH_TOP, BRANCH_BOTTOM, BRANCH_PAD = 486, 222, 12  # the shaded F(x) region
BOX_W, BOX_H = 220, 50
BRANCH_HALF = 125  # half the width of the shaded region
ADD_Y, ADD_R = 185, 17
RELU_Y, RELU_H = 127, 36
OUTPUT_Y = 70
SKIP_DX = 192  # how far right of the main column the shortcut runs
PROJ_W, PROJ_H = 132, 50


def _draw_panel(ax: Axes, panel: Panel, words: DiagramWords, left: float, bottom: float) -> None:
    cx = left + 250  # the main column
    block = words.basic if panel.block == "BasicBlock" else words.bottleneck
    title = words.title_down.format(block=block) if panel.downsampling else block
    ax.text(left + PANEL_W / 2, bottom + TITLE_Y + 4, title, ha="center", va="center", fontsize=15, weight="bold",
            color=INK)
    ax.text(left + PANEL_W / 2, bottom + TITLE_Y - 19, words.where.format(name=panel.name, depths=panel.depths),
            ha="center", va="center", fontsize=12, color=GREY)
    c, h, w = panel.x
    ax.text(cx, bottom + INPUT_Y, "x" + words.colon + words.shape.format(c=c, h=h, w=w), ha="center", va="center",
            fontsize=13, color=INK)

    # The residual branch F(x): a shaded region holding the convolutions, evenly spaced.
    ax.add_patch(Rectangle((cx - BRANCH_HALF, bottom + BRANCH_BOTTOM), 2 * BRANCH_HALF, BRANCH_TOP - BRANCH_BOTTOM, fc=BRANCH_FACE,
                           ec="#BBBBBB", lw=1.2, ls="--"))
    ax.text(cx - BRANCH_HALF - 10, bottom + (BRANCH_TOP + BRANCH_BOTTOM) / 2, "F(x)", ha="right", va="center", fontsize=17,
            style="italic", color=CONV_EDGE)
    n = len(panel.convs)  # first box at the top of the region, last at its bottom
    gap = (BRANCH_TOP - BRANCH_BOTTOM - 2 * BRANCH_PAD - n * BOX_H) / max(n - 1, 1)
    centres = [bottom + BRANCH_TOP - BRANCH_PAD - (gap + BOX_H) * i - BOX_H / 2 for i in range(n)]
    _arrow(ax, (cx, bottom + INPUT_Y - 14), (cx, centres[0] + BOX_H / 2))
    for i, (conv, cy) in enumerate(zip(panel.convs, centres)):
        _box(ax, cx, cy, BOX_W, BOX_H, CONV_FACE, CONV_EDGE)
        top, below = _conv_lines(conv, words, last=i == n - 1)
        ax.text(cx, cy + 9, top, ha="center", va="center", fontsize=14, weight="bold", color=INK)
        ax.text(cx, cy - 13, below, ha="center", va="center", fontsize=11,
                color=SKIP_COLOUR if conv.stride != 1 else GREY)
        if conv.role:
            ax.text(cx - BOX_W / 2 - 6, cy - 20, getattr(words, conv.role), ha="right", va="center", fontsize=11,
                    style="italic", color=GREY)
        end = centres[i + 1] + BOX_H / 2 if i + 1 < n else bottom + ADD_Y + ADD_R
        _arrow(ax, (cx, cy - BOX_H / 2), (cx, end))

    # The shortcut: out of the main line above F(x), around it (through W_s where the shape changes), into "+".
    skip, split, add = cx + SKIP_DX, bottom + SPLIT_Y, bottom + ADD_Y
    path = Path(
        [(cx, split), (skip - 25, split), (skip, split), (skip, split - 25),
         (skip, add + 25), (skip, add), (skip - 25, add), (cx + ADD_R, add)],
        [Path.MOVETO, Path.LINETO, Path.CURVE3, Path.CURVE3, Path.LINETO, Path.CURVE3, Path.CURVE3, Path.LINETO],
    )
    ax.add_patch(FancyArrowPatch(path=path, arrowstyle="-|>", mutation_scale=20, lw=3, color=SKIP_COLOUR))
    ax.add_patch(Circle((cx, split), 5, color=SKIP_COLOUR, zorder=3))
    middle = (split + add) / 2
    if panel.projection is None:
        ax.text(skip + 10, middle, words.identity, ha="left", va="center", rotation=90, fontsize=13,
                weight="bold", color=SKIP_COLOUR)
        equation, eq_number = "y = F(x) + x", "(1)"
    else:
        proj = panel.projection
        _box(ax, skip, middle, PROJ_W, PROJ_H, PROJ_FACE, SKIP_COLOUR)
        ax.text(skip, middle + 9, f"{proj.kernel}×{proj.kernel} conv, {proj.channels}", ha="center", va="center",
                fontsize=11, weight="bold", color=INK, zorder=4)
        ax.text(skip, middle - 13, words.stride.format(stride=proj.stride) + " · BN", ha="center", va="center",
                fontsize=11, color=SKIP_COLOUR, zorder=4)
        ax.text(skip + 10, middle + PROJ_H / 2 + 10, words.projection, ha="left", va="bottom", rotation=90,
                fontsize=12, weight="bold", color=SKIP_COLOUR)
        equation, eq_number = "y = F(x) + Wₛx", "(2)"

    # y = F(x) + x (or + W_s x), then the block's last ReLU, then its output.
    ax.add_patch(Circle((cx, add), ADD_R, fc="white", ec=INK, lw=2, zorder=3))
    ax.text(cx, add, "+", ha="center", va="center", fontsize=20, weight="bold", color=INK, zorder=4)
    ax.text(cx - ADD_R - 10, add, f"{equation}   {eq_number}", ha="right", va="center", fontsize=13, color=INK)
    relu = bottom + RELU_Y
    _arrow(ax, (cx, add - ADD_R), (cx, relu + RELU_H / 2))
    _box(ax, cx, relu, 110, RELU_H, RELU_FACE, RELU_EDGE)
    ax.text(cx, relu, "ReLU", ha="center", va="center", fontsize=15, weight="bold", color=INK)
    out = bottom + OUTPUT_Y
    _arrow(ax, (cx, relu - RELU_H / 2), (cx, out + 16))
    c, h, w = panel.y
    ax.text(cx, out, "ReLU(y)" + words.colon + words.shape.format(c=c, h=h, w=w), ha="center", va="center", fontsize=13,
            weight="bold", color=INK)


def render_block_diagram(words: DiagramWords = ENGLISH) -> Image.Image:
    """The four panels of `PANELS` with `words` drawn in them (FontUnavailableError: CJK words, no CJK font)."""
    if _needs_cjk(words) and not has_cjk_font():
        raise FontUnavailableError(f"drawing Chinese needs the font {CJK_FONT} (Debian package fonts-noto-cjk)")
    return _render(words)


@functools.cache
def _render(words: DiagramWords) -> Image.Image:
    fig = new_figure(WIDTH / DPI, HEIGHT / DPI)
    fig.set_layout_engine("none")  # one axes filling the figure, in pixel units
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, WIDTH)
    ax.set_ylim(0, HEIGHT)
    ax.axis("off")
    ax.axvline(PANEL_W, ymin=0.03, ymax=0.97, color="#CCCCCC", lw=1.5)
    ax.axhline(PANEL_H, xmin=0.03, xmax=0.97, color="#CCCCCC", lw=1.5)
    families = [LATIN_FONT, CJK_FONT] if has_cjk_font() else [LATIN_FONT]  # CJK only where DejaVu has no glyph
    for i, panel in enumerate(PANELS):
        _draw_panel(ax, panel, words, left=(i % 2) * PANEL_W, bottom=(1 - i // 2) * PANEL_H)
    for text in ax.texts:
        text.set_fontfamily(families)
    return figure_to_image(fig)
