"""What a screen needs to draw one explanation, and nothing more: the `Display` of an `Explanation`.

An `Explanation` carries the decoded photo and every stage's full activation (tens of MB for a
phone photo at ResNet-50). A page shows less: the part of the photo the model saw, at most
`display_size` pixels on a side; the CAMs; and, per stage, the channels its feature grid shows.
`Display` keeps exactly that, so a server can keep the last results of many visitors in a
bounded amount of memory, and every panel (first drawing or redraw at a new opacity) is drawn
from the same data by `render.render_panels`. Pure numpy and PIL.
"""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import dataclass

import numpy as np
from PIL import Image

from .cams import top_channels
from .explanation import DISPLAY_SIZE, Explanation
from .fanout import fan_out

GRID_CHANNELS = 16
"""Channels per stage a feature grid shows (the strongest by mean activation)."""


def crop_photo(photo: Image.Image, box: tuple[float, float, float, float], max_side: int,
               *, pool: Executor | None = None) -> Image.Image:
    """The photo's region inside `box`, downscaled only if its longer side exceeds `max_side`.

    With `pool`, a downscale is done in two bands of rows at once (PIL releases the GIL while it
    resamples); each band samples the same source pixels as one resize would,
    so the two ways differ by float rounding (at most one level, in a few pixels).
    """
    left, top, right, bottom = (int(round(v)) for v in box)
    width, height = right - left, bottom - top
    scale = max_side / max(width, height)
    if scale >= 1.0:
        return photo.crop((left, top, right, bottom))
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    if pool is None or size[1] < 2 * BAND_MIN_ROWS:
        return photo.resize(size, Image.BILINEAR, box=(left, top, right, bottom))  # no copy of the region first
    middle, step = size[1] // 2, height / size[1]  # output rows and source rows per output row

    def band(first: int, last: int) -> Image.Image:
        return photo.resize((size[0], last - first), Image.BILINEAR, box=(left, top + first * step, right,
                                                                          top + last * step))

    bands = fan_out({"top": lambda: band(0, middle), "bottom": lambda: band(middle, size[1])}, pool)
    out = Image.new(photo.mode, size)
    out.paste(bands["top"], (0, 0))
    out.paste(bands["bottom"], (0, middle))
    return out


BAND_MIN_ROWS = 128
"""Crops with fewer than twice this many output rows are resized in one piece (a few ms at most)."""


@dataclass(frozen=True)
class StageChannels:
    """The channels of one stage's output that its feature grid shows."""

    shape: tuple[int, int, int]  # (C, H, W) of the whole stage output
    indices: np.ndarray  # (n,) channel numbers, strongest mean activation first
    maps: np.ndarray  # (n, H, W) float32, those channels' activations


@dataclass(frozen=True)
class Display:
    """One explanation as a screen draws it (see the module docstring)."""

    crop: Image.Image  # the region of the photo the model saw (its centre crop), ≤ display_size a side
    cam: np.ndarray | None  # (224, 224) float32 in [0, 1] for the chosen stage; None without a CAM
    cams_by_stage: dict[str, np.ndarray]  # stage -> (224, 224) float32 in [0, 1]
    stages: dict[str, StageChannels]  # stem, layer1..layer4

    @property
    def nbytes(self) -> int:
        """Memory held, in bytes (what a cache of displays budgets)."""
        arrays = [*self.cams_by_stage.values(), *(s.maps for s in self.stages.values())]
        if self.cam is not None and not any(self.cam is c for c in self.cams_by_stage.values()):
            arrays.append(self.cam)
        return self.crop.width * self.crop.height * 3 + sum(a.nbytes for a in arrays)

    @classmethod
    def of(cls, r: Explanation, *, display_size: int = DISPLAY_SIZE, channels: int = GRID_CHANNELS,
           pool: Executor | None = None) -> Display:
        """The display of `r`: its photo's crop at most `display_size` pixels a side, the shown channels.

        `pool`: threads that may share the crop's downscale (see `crop_photo`)."""
        region = crop_photo(r.photo, r.crop_box, display_size, pool=pool)
        stages = {}
        for name, activation in r.stages.items():
            chosen = top_channels(activation, channels)
            stages[name] = StageChannels(tuple(activation.shape), chosen, np.ascontiguousarray(activation[chosen]))
        return cls(crop=region, cam=r.cam, cams_by_stage=dict(r.cams_by_stage), stages=stages)
