"""The same photo through several depths: what does going deeper buy, and what does it cost?

The photo is decoded once, at the size the largest preprocessing needs; then one `explain` per
depth (models come from the engine's cache), so each row's latency is one real request on this
machine (the hooked forward, the partial backward and the CAM; time spent queued for a model
shared with other visitors is not counted). Parameters are counted on the model; multiply-adds
come from `architecture`.

The depths differ in more than depth: torchvision's DEFAULT weights of ResNet-18/34 are
`IMAGENET1K_V1` and those of ResNet-50/101/152 `IMAGENET1K_V2`, a newer training recipe. Each
result therefore names its weights and carries their published ImageNet accuracy
(`weights.meta["_metrics"]`), so the page can say what else changes between two rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from ..cams import check_method
from ..capture import CAM_STAGES
from ..display import crop_photo
from ..explanation import explain
from ..images import ImageSource, prepare_image
from ..lanes import Progress
from ..render import BACKGROUND, blend, font
from ..weights import default_weights
from ..zoo import LoadedModel
from .architecture import architecture

CELL = 220
"""Pixels per side of each depth's picture in `render_cam_row`."""


@dataclass(frozen=True)
class DepthResult:
    """One depth's answer for the photo."""

    depth: int
    label: str
    index: int
    prob: float
    latency_ms: float  # explain() wall time on this machine (model already loaded; queueing not counted)
    device: str  # where it ran, e.g. "cpu" or "cuda:0 (NVIDIA H200)"
    params: int
    gmacs: float
    pretrained: bool
    weights: str  # LoadedModel.weights: "ResNet50_Weights.IMAGENET1K_V2", "random" or a file's path
    accuracy: tuple[float, float] | None  # published ImageNet-1K (acc@1, acc@5) in % of those weights; None if unknown
    cam: np.ndarray  # (224, 224) in [0, 1]
    crop_box: tuple[float, float, float, float]
    crop: Image.Image  # the region this depth's model saw, CELL × CELL pixels


def compare_depths(
    models: list[LoadedModel],
    image: ImageSource,
    *,
    method: str = "gradcam",
    stage: str = "layer4",
    progress: Progress | None = None,
) -> list[DepthResult]:
    """Explain `image` with each model in turn (top-1 class of each), smallest depth first.

    Raises ValueError for no models, a depth given twice, a method that runs the model per
    channel (Score-CAM: far too slow for several depths) or an unknown stage.
    """
    if not models or not all(isinstance(m, LoadedModel) for m in models):
        raise ValueError("models must be a non-empty list of loaded models (load_model)")
    if len({m.depth for m in models}) != len(models):
        raise ValueError(f"models must have distinct depths; got {[m.depth for m in models]}")
    if check_method(method).runs_model:
        raise ValueError(f"method {method!r} runs the model once per channel: compare depths with a gradient method")
    if stage not in CAM_STAGES:
        raise ValueError(f"stage must be one of {list(CAM_STAGES)}; got {stage!r}")
    photo = prepare_image(image, min_short_side=max(m.transform.resize_size[0] for m in models))  # decoded once
    results = []
    for i, model in enumerate(sorted(models, key=lambda m: m.depth)):
        if progress is not None:
            progress(i / len(models), f"ResNet-{model.depth}")
        r = explain(model, photo, method=method, stage=stage, top_k=1, display_size=None)
        top = r.predictions[0]
        results.append(
            DepthResult(
                depth=model.depth,
                label=top.label,
                index=top.index,
                prob=top.prob,
                latency_ms=r.timings["total"],
                device=r.device,
                params=model.num_params,
                gmacs=architecture(model.depth).gmacs,
                pretrained=model.pretrained,
                weights=model.weights,
                accuracy=published_accuracy(model.depth, model.weights),
                cam=r.cam,
                crop_box=r.crop_box,
                crop=crop_photo(photo, r.crop_box, CELL).resize((CELL, CELL), Image.BILINEAR),
            )
        )
    if progress is not None:
        progress(1.0, "done")
    return results


def published_accuracy(depth: int, weights: str) -> tuple[float, float] | None:
    """torchvision's published ImageNet-1K (acc@1, acc@5) in % for `weights`, when they are its DEFAULT
    weights of `depth` (as `LoadedModel.weights` names them); None for random weights or a file."""
    enum = default_weights(depth)
    if weights != str(enum):
        return None
    metrics = enum.meta["_metrics"]["ImageNet-1K"]
    return float(metrics["acc@1"]), float(metrics["acc@5"])


def weights_label(weights: str) -> str:
    """The short name of `LoadedModel.weights`: "IMAGENET1K_V2" for torchvision's, the file name for a file."""
    if weights == "random":
        return weights
    if "_Weights." in weights:
        return weights.rsplit(".", 1)[1]
    return weights.replace("\\", "/").rsplit("/", 1)[-1]


def comparison_table(
    results: list[DepthResult], *, untrained: str = "random", name: Callable[[int, str], str] | None = None
) -> list[list[object]]:
    """Rows for a table: depth, weights, top-1, probability, published acc@1 and acc@5, latency, parameters,
    GMACs. `untrained` names random weights in the page's language; "—" where no accuracy is published.
    `name(index, label)` words the top-1 class in the page's language (default: torchvision's English label).
    """
    name = name or (lambda index, label: label)
    rows = []
    for r in results:
        acc1, acc5 = r.accuracy if r.accuracy else ("—", "—")
        rows.append([f"ResNet-{r.depth}", untrained if r.weights == "random" else weights_label(r.weights),
                     f"{name(r.index, r.label)} ({r.index})", round(r.prob, 3), acc1, acc5, round(r.latency_ms, 1),
                     round(r.params / 1e6, 1), round(r.gmacs, 2)])
    return rows


def render_cam_row(results: list[DepthResult], *, alpha: float = 0.5) -> Image.Image:
    """The CAM of each depth side by side, each over its own centre crop, headed by the network's name only.

    The class and its probability are in the table beside it (in the page's language): the picture
    carries no words, so it reads the same on an English and a Chinese page.
    """
    cell, pad, caption_h = CELL, 8, 26
    row = Image.new("RGB", (len(results) * (cell + pad) + pad, cell + caption_h + pad), BACKGROUND)
    draw = ImageDraw.Draw(row)
    for i, r in enumerate(results):
        x0 = pad + i * (cell + pad)
        row.paste(blend(r.crop, r.cam, alpha=alpha), (x0, caption_h))
        draw.text((x0 + 2, 3), f"ResNet-{r.depth}", font=font(16), fill=(20, 20, 20))
    return row
