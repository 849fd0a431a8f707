"""Pictures of an explanation, drawn with numpy and PIL (matplotlib only for its colormaps and font).

Everything a page shows is drawn from a `display.Display` (the crop of the photo the model saw,
at most display size, the CAMs and the channels each grid shows), so a first drawing and a
redraw at a new opacity are the same pixels, and no panel needs the full-resolution photo:

* `render_overlay`: the CAM over the part of the photo the model actually saw (its centre crop),
  at the photo's own resolution up to the display size, not over the 224-pixel tensor;
* `render_cam_strip`: the same class explained at layer1 → layer4, side by side;
* `render_feature_grid`: a stage's strongest channels (top-N by mean activation), each scaled
  to its own range, labelled with its channel index, titled with the tensor's C×H×W;
* `render_channel`: one channel enlarged over its colour scale (min → max, ▲ at the mean);
* `render_block_maps`: x, F(x) and ReLU(F(x) + x) of one residual block, as magnitudes on one scale.

Pictures carry no words: only layer names, shapes, symbols and numbers, so one picture serves an
English and a Chinese page; what they show is said beside them, in the page's language (the UI's
strings). All functions are pure: arrays and PIL images in, a new RGB PIL image out.
"""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import matplotlib
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from .capture import CAM_STAGES
from .display import GRID_CHANNELS, Display, StageChannels
from .explanation import BlockMaps
from .fanout import fan_out

CAM_COLORMAP = "jet"  # the convention of CAM papers, and readable on a projector
FEATURE_COLORMAP = "viridis"
BACKGROUND = (255, 255, 255)
INK = (20, 20, 20)
NOT_COMPUTED = (235, 235, 235)  # a stage whose CAM this request did not compute


@cache
def colormap_lut(name: str) -> np.ndarray:
    """(256, 3) uint8 lookup table of a matplotlib colormap."""
    try:
        cmap = matplotlib.colormaps[name]
    except KeyError:
        raise ValueError(f"unknown colormap {name!r}; try 'jet', 'viridis', 'inferno' or 'turbo'") from None
    return (cmap(np.linspace(0.0, 1.0, 256))[:, :3] * 255).round().astype(np.uint8)


def colormap_index(values: np.ndarray) -> np.ndarray:
    """Values in [0, 1] (NaN as 0) as uint8 rows of a 256-colour lookup table, same shape."""
    return np.clip(np.nan_to_num(values) * 255.0 + 0.5, 0, 255).astype(np.uint8)


def colorize(values: np.ndarray, cmap: str) -> np.ndarray:
    """Map values in [0, 1] (any shape, e.g. (H, W) or (N, H, W)) to uint8 RGB colours, shape (..., 3)."""
    return colormap_lut(cmap)[colormap_index(values)]


@cache
def font(size: int) -> ImageFont.FreeTypeFont:
    """DejaVu Sans from matplotlib's own data (has ×, ‖ and the Greek letters we print)."""
    path = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    return ImageFont.truetype(str(path), size)


def _normalise(values: np.ndarray) -> np.ndarray:
    low, high = float(values.min()), float(values.max())
    return (values - low) / (high - low) if high > low else np.zeros_like(values)


def blend(base: Image.Image, cam: np.ndarray, *, alpha: float, cmap: str = CAM_COLORMAP) -> Image.Image:
    """`cam` (any size, values in [0, 1]) coloured and laid over `base` with opacity `alpha`."""
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha (overlay opacity) must be between 0 and 1; got {alpha}")
    # The CAM as 8-bit colormap indices, enlarged in one channel, then coloured by a palette lookup:
    # a third of the work of enlarging an RGB heat map (5.7 -> 3.3 ms for a 1024-pixel overlay here),
    # and each pixel gets the colour of its interpolated value.
    index = Image.fromarray(colormap_index(cam), "L")
    heat = index.resize(base.size, Image.BILINEAR) if index.size != base.size else index
    heat.putpalette(colormap_lut(cmap).tobytes())  # L -> P in place: the indices become colours
    return Image.blend(base.convert("RGB"), heat.convert("RGB"), alpha)  # (1 - alpha) * base + alpha * heat, in C


def render_overlay(crop: Image.Image, cam: np.ndarray | None, *, alpha: float = 0.5,
                   cmap: str = CAM_COLORMAP) -> Image.Image:
    """The CAM over `crop`, the region of the photo the model saw (the crop alone when `cam` is None)."""
    return blend(crop, cam, alpha=alpha, cmap=cmap) if cam is not None else crop.convert("RGB")


def _caption(draw: ImageDraw.ImageDraw, xy: tuple[int, int], text: str, size: int, *, fill=INK) -> None:
    draw.text(xy, text, font=font(size), fill=fill)


@lru_cache(maxsize=4096)
def _tag(text: str, size: int = 13) -> Image.Image:
    """White text on a black box (a channel label), rendered once and pasted from then on."""
    width = int(font(size).getlength(text)) + 6
    tag = Image.new("RGB", (width, size + 5), (0, 0, 0))
    ImageDraw.Draw(tag).text((3, 1), text, font=font(size), fill=(255, 255, 255))
    return tag


def render_cam_strip(
    crop: Image.Image,
    cams_by_stage: dict[str, np.ndarray],
    stage_shapes: dict[str, tuple[int, ...]],
    *,
    alpha: float = 0.5,
    cmap: str = CAM_COLORMAP,
    cell: int = 224,
) -> Image.Image:
    """One overlay per stage, layer1 → layer4, each headed by its name and its map's resolution.

    A stage without a CAM (not computed for this request) is a plain grey tile; the page says so.
    """
    stages = CAM_STAGES
    base = crop.resize((cell, cell), Image.BILINEAR, reducing_gap=2.0)  # a box reduce first: 2× faster
    pad, caption_h = 8, 26
    strip = Image.new("RGB", (len(stages) * (cell + pad) + pad, cell + caption_h + pad), BACKGROUND)
    draw = ImageDraw.Draw(strip)
    for i, stage in enumerate(stages):
        x0 = pad + i * (cell + pad)
        if stage in cams_by_stage:
            strip.paste(blend(base, cams_by_stage[stage], alpha=alpha, cmap=cmap), (x0, caption_h))
        else:
            draw.rectangle((x0, caption_h, x0 + cell - 1, caption_h + cell - 1), fill=NOT_COMPUTED)
        _, h, w = stage_shapes[stage]
        _caption(draw, (x0 + 2, 4), f"{stage} · {h}×{w}", 16)
    return strip


@dataclass(frozen=True)
class GridLayout:
    """Geometry of a feature-map grid, shared by the drawing and by click hit-testing."""

    top_n: int = GRID_CHANNELS  # the channels a Display keeps per stage
    columns: int = 8
    cell: int = 96
    pad: int = 4
    title_h: int = 30

    def origin(self, k: int) -> tuple[int, int]:
        """Top-left pixel of tile `k`."""
        return (self.pad + (k % self.columns) * (self.cell + self.pad),
                self.title_h + self.pad + (k // self.columns) * (self.cell + self.pad))

    def tile_at(self, x: float, y: float) -> int | None:
        """Which tile contains pixel (x, y), or None for padding and the title."""
        col, dx = divmod(x - self.pad, self.cell + self.pad)
        row, dy = divmod(y - self.title_h - self.pad, self.cell + self.pad)
        if col < 0 or row < 0 or col >= self.columns or dx >= self.cell or dy >= self.cell:
            return None
        k = int(row) * self.columns + int(col)
        return k if k < self.top_n else None


GRID = GridLayout()


def render_feature_grid(
    channels: StageChannels, *, stage: str, layout: GridLayout = GRID, cmap: str = FEATURE_COLORMAP
) -> Image.Image:
    """A stage's shown channels (its strongest, see `display.Display`) as a labelled grid.

    Each channel is min-max scaled on its own (so weak and strong channels are both visible)
    and enlarged with nearest-neighbour sampling, so its true H×W resolution stays visible.
    """
    n_channels, height, width = channels.shape
    chosen = channels.indices[: layout.top_n]
    rows = -(-len(chosen) // layout.columns)
    cols = min(layout.columns, len(chosen))
    size = (cols * (layout.cell + layout.pad) + layout.pad, rows * (layout.cell + layout.pad) + layout.pad + layout.title_h)
    grid = Image.new("RGB", size, BACKGROUND)
    draw = ImageDraw.Draw(grid)
    _caption(draw, (layout.pad, 5), f"{stage}  ·  {n_channels}×{height}×{width}", 16)  # which tiles: the page says
    picked = channels.maps[: len(chosen)]  # (n, H, W)
    low = picked.min(axis=(1, 2), keepdims=True)
    span = picked.max(axis=(1, 2), keepdims=True) - low
    scaled = np.divide(picked - low, span, out=np.zeros_like(picked), where=span > 0)  # each channel to [0, 1]
    tiles = colorize(scaled, cmap)  # (n, H, W, 3), one lookup for all tiles
    for k, c in enumerate(chosen):
        x0, y0 = layout.origin(k)
        grid.paste(Image.fromarray(tiles[k]).resize((layout.cell, layout.cell), Image.NEAREST), (x0, y0))
        grid.paste(_tag(f"#{c}"), (x0, y0))
    return grid


def channel_at(channels: StageChannels, x: float, y: float, layout: GridLayout = GRID) -> int | None:
    """The channel number drawn at pixel (x, y) of `render_feature_grid(channels)`, if any."""
    k = layout.tile_at(x, y)
    return int(channels.indices[k]) if k is not None and k < len(channels.indices) else None


def render_channel(channels: StageChannels, channel: int, *, stage: str, size: int = 336,
                   cmap: str = FEATURE_COLORMAP) -> Image.Image:
    """One shown channel enlarged, headed by its stage, number and resolution, over its colour scale.

    The bar under the map runs from the channel's minimum (left) to its maximum (right), the colours
    of the map, with ▲ at its mean: numbers and a symbol, no words (the page's label explains the bar).
    """
    (position,) = np.flatnonzero(channels.indices == channel)[:1]
    values = channels.maps[position]
    tile = Image.fromarray(colorize(_normalise(values), cmap)).resize((size, size), Image.NEAREST)
    head, bar_h, foot = 24, 14, 22
    out = Image.new("RGB", (size + 16, head + size + 6 + bar_h + 6 + foot), BACKGROUND)
    draw = ImageDraw.Draw(out)
    h, w = values.shape
    _caption(draw, (8, 3), f"{stage} · #{channel} · {h}×{w}", 15)
    out.paste(tile, (8, head))
    bar_y = head + size + 6
    bar = colorize(np.linspace(0.0, 1.0, size)[None, :], cmap)  # (1, size, 3)
    out.paste(Image.fromarray(np.repeat(bar, bar_h, axis=0)), (8, bar_y))
    low, mean, high = float(values.min()), float(values.mean()), float(values.max())
    x_mean = 8 + (round((mean - low) / (high - low) * (size - 1)) if high > low else 0)
    draw.polygon([(x_mean, bar_y + bar_h - 1), (x_mean - 5, bar_y + bar_h + 7), (x_mean + 5, bar_y + bar_h + 7)],
                 fill=INK)
    y_text, small = bar_y + bar_h + 7, font(13)
    draw.text((8, y_text), f"{low:.2f}", font=small, fill=(90, 90, 90))
    draw.text((8 + size, y_text), f"{high:.2f}", font=small, fill=(90, 90, 90), anchor="ra")
    mean_text = f"{mean:.2f}"
    half = small.getlength(mean_text) / 2
    draw.text((min(max(x_mean, 8 + 40 + half), 8 + size - 40 - half), y_text), mean_text, font=small, fill=INK,
              anchor="ma")
    return out


def render_block_maps(maps: BlockMaps, *, cell: int = 168, cmap: str = "magma") -> Image.Image:
    """x, F(x) and ReLU(F(x) + x) of one block as per-pixel magnitudes on one colour scale.

    Each map is the L2 norm over channels at every pixel (so signs cannot cancel), and the three
    share one scale: where F(x) is dark next to x, the block changes its input little there.
    """
    panels = [
        ("downsample(x)" if maps.downsample else "x", maps.identity),
        ("F(x)", maps.residual),
        ("ReLU(F(x) + x)", maps.output),
    ]
    magnitudes = [np.sqrt((t.astype(np.float32) ** 2).sum(axis=0)) for _, t in panels]  # (H, W) each
    limit = max(float(m.max()) for m in magnitudes) or 1.0
    pad, caption_h, foot_h = 8, 26, 22
    out = Image.new("RGB", (3 * (cell + pad) + pad, cell + caption_h + foot_h + pad), BACKGROUND)
    draw = ImageDraw.Draw(out)
    for i, ((name, tensor), magnitude) in enumerate(zip(panels, magnitudes)):
        x0 = pad + i * (cell + pad)
        tile = Image.fromarray(colorize(magnitude / limit, cmap)).resize((cell, cell), Image.NEAREST)
        out.paste(tile, (x0, caption_h))
        _caption(draw, (x0 + 2, 4), name, 16)
        _caption(draw, (x0 + 2, caption_h + cell + 3), f"‖·‖ = {np.linalg.norm(tensor):.1f}", 14)
    return out


@dataclass(frozen=True)
class Panels:
    """Every picture of one explanation, ready for the UI or for PNG files."""

    overlay: Image.Image
    cam_strip: Image.Image
    features: dict[str, Image.Image]  # stem, layer1..layer4
    block: Image.Image | None


def render_panels(d: Display, *, alpha: float = 0.5, cmap: str = CAM_COLORMAP,
                  block_maps: BlockMaps | None = None, pool: Executor | None = None) -> Panels:
    """Every panel of one explanation, from its display (bench/bench_request.py times this).

    With `pool`, the panels are drawn side by side (PIL and numpy work largely outside the GIL); the
    pixels are the same either way.
    """
    shapes = {name: s.shape for name, s in d.stages.items()}
    jobs = {
        "overlay": lambda: render_overlay(d.crop, d.cam, alpha=alpha, cmap=cmap),
        "cam_strip": lambda: render_cam_strip(d.crop, d.cams_by_stage, shapes, alpha=alpha, cmap=cmap),
        "features": lambda: {name: render_feature_grid(s, stage=name) for name, s in d.stages.items()},
        "block": lambda: render_block_maps(block_maps) if block_maps is not None else None,
    }
    return Panels(**fan_out(jobs, pool))
