"""The same photo through several depths: what does going deeper buy, and what does it cost?

One `explain` per depth (models come from the engine's cache), so each row's latency is one
real request on this machine: preprocessing, the hooked forward, the partial backward and the
CAM. Parameters are counted on the model; multiply-adds come from `architecture`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from ..explanation import explain
from ..images import ImageSource, prepare_image
from ..render import BACKGROUND, blend, crop_photo, font
from ..zoo import LoadedModel
from .architecture import architecture

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class DepthResult:
    """One depth's answer for the photo."""

    depth: int
    label: str
    index: int
    prob: float
    latency_ms: float  # explain() wall time on this machine (model already loaded)
    params: int
    gmacs: float
    pretrained: bool
    cam: np.ndarray  # (224, 224) in [0, 1]
    crop_box: tuple[float, float, float, float]


def compare_depths(
    models: list[LoadedModel],
    image: ImageSource,
    *,
    method: str = "gradcam",
    stage: str = "layer4",
    progress: Progress | None = None,
) -> list[DepthResult]:
    """Explain `image` with each model in turn (top-1 class of each), smallest depth first."""
    photo = prepare_image(image)
    results = []
    for i, model in enumerate(sorted(models, key=lambda m: m.depth)):
        if progress is not None:
            progress(i / len(models), f"ResNet-{model.depth}")
        r = explain(model, photo, method=method, stage=stage, top_k=1)
        top = r.predictions[0]
        results.append(
            DepthResult(
                depth=model.depth,
                label=top.label,
                index=top.index,
                prob=top.prob,
                latency_ms=r.timings["total"],
                params=model.num_params,
                gmacs=architecture(model.depth).gmacs,
                pretrained=model.pretrained,
                cam=r.cam,
                crop_box=r.crop_box,
            )
        )
    if progress is not None:
        progress(1.0, "done")
    return results


def comparison_table(results: list[DepthResult]) -> list[list[object]]:
    """Rows for a table: depth, top-1, probability, latency, parameters, GMACs."""
    return [
        [f"ResNet-{r.depth}", f"{r.label} ({r.index})", round(r.prob, 3), round(r.latency_ms, 1),
         round(r.params / 1e6, 1), round(r.gmacs, 2)]
        for r in results
    ]



def render_cam_row(image: ImageSource, results: list[DepthResult], *, alpha: float = 0.5, cell: int = 220) -> Image.Image:
    """The CAM of each depth side by side, each over its own centre crop, captioned."""
    photo = prepare_image(image)
    pad, caption_h = 8, 48
    row = Image.new("RGB", (len(results) * (cell + pad) + pad, cell + caption_h + pad), BACKGROUND)
    draw = ImageDraw.Draw(row)
    for i, r in enumerate(results):
        x0 = pad + i * (cell + pad)
        base = crop_photo(photo, r.crop_box, cell).resize((cell, cell), Image.BILINEAR)
        row.paste(blend(base, r.cam, alpha=alpha), (x0, caption_h))
        draw.text((x0 + 2, 3), f"ResNet-{r.depth}", font=font(16), fill=(20, 20, 20))
        draw.text((x0 + 2, 24), f"{r.label[:22]} {r.prob:.0%}", font=font(13), fill=(70, 70, 70))
    return row
