"""Matplotlib charts as PIL images (Agg backend, thread-safe: one Figure per call, no pyplot)."""

from __future__ import annotations

import io

from matplotlib.figure import Figure
from PIL import Image

CAPTION_SIZE = 11
STAGE_COLOURS = {"layer1": "#4C72B0", "layer2": "#55A868", "layer3": "#C44E52", "layer4": "#8172B2"}


def new_figure(width: float = 9.0, height: float = 3.6) -> Figure:
    """A Figure not registered with pyplot (so concurrent requests never share global state)."""
    return Figure(figsize=(width, height), dpi=110, layout="constrained")


def figure_to_image(fig: Figure) -> Image.Image:
    """Render `fig` to an RGB PIL image."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", facecolor="white")
    buf.seek(0)
    with Image.open(buf) as image:
        return image.convert("RGB")
