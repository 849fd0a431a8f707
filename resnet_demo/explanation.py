"""`explain`: everything the app shows about one photo, from one forward and one partial backward.

One call gives the top-k predictions, the CAM of one stage (or of all four), every stage's
feature maps, ‖F(x)‖ / ‖identity‖ for every residual block and, on request, one block's three
maps. The forward pass runs once with hooks (`capture.Capture`); gradients start at the earliest
stage whose CAM is wanted, so for the default stage (layer4) the backward pass covers only the
pooling and the classifier. Everything returned is numpy / PIL / plain dataclasses, picklable, so
it can cross a process boundary (ZeroGPU) and never ties the caller to torch.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from PIL import Image

from .cams import SCORE_CAM_CHANNELS, CamMethod, ScoreRunner, check_max_channels, check_method, compute_cam
from .capture import CAM_STAGES, STAGES, Capture, check_block
from .errors import ResourceExhaustedError
from .images import ImageSource, crop_box, open_image, prepare_image
from .lanes import Pause, Progress, StopCheck
from .zoo import LoadedModel

DISPLAY_SIZE = 1024
"""Pixels on the long side of the largest picture of the photo a page shows (the overlay): a ~600-pixel
panel on a 2× screen, or the whole height of a 1080p projector in full screen. The full resolution is a
download made on request."""


@dataclass(frozen=True)
class Prediction:
    index: int  # ImageNet class index
    label: str
    prob: float  # softmax probability


@dataclass(frozen=True)
class BlockStat:
    """One residual block's branch and shortcut sizes: how much F(x) adds to x."""

    stage: str
    index: int
    f_norm: float  # ‖F(x)‖, L2 over (C, H, W), before the add
    identity_norm: float  # ‖x‖ or ‖downsample(x)‖
    downsample: bool

    @property
    def ratio(self) -> float:
        """‖F(x)‖ / ‖identity‖ (inf if the identity is exactly zero)."""
        return self.f_norm / self.identity_norm if self.identity_norm else float("inf")

    @property
    def name(self) -> str:
        return f"{self.stage}.{self.index}"


@dataclass(frozen=True)
class BlockMaps:
    """The three tensors of one block, x, F(x) and its output ReLU(F(x) + x), each (C, H, W) float32."""

    stage: str
    index: int
    identity: np.ndarray  # x (after downsample when the block has one)
    residual: np.ndarray  # F(x), the branch before the add
    output: np.ndarray  # ReLU(F(x) + x), the block's output
    downsample: bool  # True when the shortcut is downsample(x) (1×1 conv + BN), not x itself


@dataclass
class Explanation:
    """What `explain` returns; see the package README for the meaning of each field."""

    depth: int
    weights: str
    pretrained: bool
    method: str  # "" when no CAM was asked for
    stage: str
    target: int  # the class the CAM explains
    predictions: list[Prediction]
    cam: np.ndarray | None  # (H, W) float32 in [0, 1] for `stage`, at the model-input resolution; None without a method
    cams_by_stage: dict[str, np.ndarray]
    stages: dict[str, np.ndarray]  # stem, layer1..layer4 -> (C, H, W) float32
    blocks: list[BlockStat]
    crop_box: tuple[float, float, float, float]  # the model's crop in the photo's pixels
    photo: Image.Image  # the upright RGB photo the crop box refers to (decoded at `photo_scale`)
    timings: dict[str, float]  # phase -> ms; "wait" is time queued for the model's lock, not work
    device: str
    target_label: str = ""
    block_maps: BlockMaps | None = None
    input_size: tuple[int, int] = (0, 0)  # (H, W) of the tensor the model saw
    photo_scale: float = 1.0  # `photo`'s size / the file's size (< 1: decoded at reduced scale)
    scored_channels: int = 0  # Score-CAM: how many channels were scored

    def summary(self) -> dict[str, Any]:
        """A JSON-ready description (no arrays): what `result.json` holds."""
        return {
            "depth": self.depth,
            "weights": self.weights,
            "pretrained": self.pretrained,
            "device": self.device,
            "method": self.method,
            "stage": self.stage,
            "target": {"index": self.target, "label": self.target_label},
            "predictions": [{"index": p.index, "label": p.label, "prob": p.prob} for p in self.predictions],
            "photo_size": list(self.photo.size),
            "photo_scale": self.photo_scale,
            "crop_box": [round(v, 2) for v in self.crop_box],
            "input_size": list(self.input_size),
            "stage_shapes": {name: list(a.shape) for name, a in self.stages.items()},
            "cam_stages": list(self.cams_by_stage),
            "blocks": [
                {"block": b.name, "f_norm": b.f_norm, "identity_norm": b.identity_norm, "ratio": b.ratio,
                 "downsample": b.downsample}
                for b in self.blocks
            ],
            "timings_ms": {k: round(v, 2) for k, v in self.timings.items()},
        }


class _Clock:
    """Per-phase wall time in ms; on CUDA it synchronises so a phase's kernels count in it."""

    def __init__(self, device: torch.device) -> None:
        self.sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
        self.start = self.last = time.perf_counter()
        self.ms: dict[str, float] = {}

    def mark(self, phase: str) -> None:
        self.sync()
        now = time.perf_counter()
        self.ms[phase] = self.ms.get(phase, 0.0) + (now - self.last) * 1e3
        self.last = now

    def total(self) -> dict[str, float]:
        """Every phase, "total" (this request's work) and "wait" (time queued for the model)."""
        wait = self.ms.get("wait", 0.0)
        return {**self.ms, "total": (self.last - self.start) * 1e3 - wait}


def _check_int(name: str, value: Any, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int; got {type(value).__name__}")
    if not low <= value <= high:
        raise ValueError(f"{name} must be between {low} and {high}; got {value}")
    return int(value)


def explain(
    model: LoadedModel,
    image: ImageSource,
    *,
    method: str | None = "gradcam",
    stage: str = "layer4",
    target: int | None = None,
    top_k: int = 5,
    all_stages: bool = False,
    block: tuple[str, int] | None = None,
    display_size: int | None = DISPLAY_SIZE,
    max_channels: int | None = SCORE_CAM_CHANNELS,
    progress: Progress | None = None,
    should_stop: StopCheck | None = None,
    pause: Pause | None = None,
) -> Explanation:
    """Explain `image` with `model` in one forward pass and at most one partial backward.

    method: one of `cams.METHODS`, or None for no CAM at all (predictions, feature maps and
    block statistics only). stage: the CAM stage shown as `cam` (layer1..layer4). target:
    class index to explain (default: the top-1 prediction). all_stages: also compute the CAM
    of every stage (`cams_by_stage`); the backward then reaches layer1. block: (stage, index)
    of a block whose x / F(x) / ReLU(F(x)+x) maps to return. display_size: a photo larger than
    needed to draw its centre crop at this many pixels is decoded at reduced scale (None: full
    resolution; the model's input is the same 224-pixel crop either way, up to resampling).

    Score-CAM only: max_channels bounds its cost (the strongest channels; None: all); it runs
    outside the model's lock, taking it for one small batch at a time, calls `pause()` and
    `should_stop()` between batches (stopping raises `lanes.Cancelled`) and reports through
    `progress`. Raises ValueError/TypeError for bad arguments, ImageError for unusable images,
    ResourceExhaustedError when the device runs out of memory.
    """
    spec = check_method(method) if method is not None else None
    if stage not in CAM_STAGES:
        raise ValueError(f"stage must be one of {list(CAM_STAGES)}; got {stage!r}")
    n_classes = len(model.categories)
    top_k = _check_int("top_k", top_k, 1, n_classes)
    if target is not None:
        target = _check_int("target", target, 0, n_classes - 1)
    if block is not None:
        block = check_block(model.module, block)
    if display_size is not None:
        display_size = _check_int("display_size", display_size, 32, 16384)
    max_channels = check_max_channels(max_channels)
    cam_stages = () if spec is None else CAM_STAGES if all_stages and not spec.runs_model else (stage,)

    clock = _Clock(model.device)
    resize, crop = model.transform.resize_size[0], model.transform.crop_size[0]
    # the crop is crop/resize of the short side: keep enough pixels to draw it at display_size
    min_short = None if display_size is None else max(resize, math.ceil(display_size * resize / crop))
    source = image if isinstance(image, Image.Image) else open_image(image)  # header only: nothing decoded yet
    file_short_side = min(source.size)  # before decoding: a reduced-scale decode changes `source.size`
    photo = prepare_image(source, min_short_side=min_short)
    scale = min(photo.size) / file_short_side
    x = model.transform(photo).unsqueeze(0).to(model.device)  # (1, 3, 224, 224)
    box = crop_box(photo.size, resize, crop)
    clock.mark("preprocess")
    try:
        with model.lock:
            clock.mark("wait")  # queued behind other requests for this model: not this request's work
            arrays = _run(model, x, spec, cam_stages, target, top_k, block, clock)
        target = arrays["target"]
        runner = None
        if spec is not None and spec.runs_model:
            runner = ScoreRunner(model.module, min(max_channels or 10**9, arrays["stages"][stage].shape[0]),
                                 lock=model.lock, progress=progress, should_stop=should_stop, pause=pause)
        cams = _cams(spec, arrays, cam_stages, x, runner, max_channels) if spec is not None else {}
        clock.mark("cam")
    except torch.OutOfMemoryError as exc:
        if model.device.type == "cuda":
            torch.cuda.empty_cache()
        raise ResourceExhaustedError(
            f"The {model.device.type.upper()} ran out of memory for this request (ResNet-{model.depth}). "
            "Try again in a moment, or pick a smaller depth.",
            reason="out_of_memory", device=model.device.type.upper(), depth=model.depth,
        ) from exc

    return Explanation(
        depth=model.depth,
        weights=model.weights,
        pretrained=model.pretrained,
        method=spec.name if spec is not None else "",
        stage=stage,
        target=target,
        target_label=model.categories[target],
        predictions=[Prediction(i, model.categories[i], p) for i, p in zip(arrays["top_idx"], arrays["top_prob"])],
        cam=cams.get(stage),
        cams_by_stage=cams,
        stages=arrays["stages"],
        blocks=arrays["blocks"],
        block_maps=arrays["block_maps"],
        crop_box=box,
        photo=photo,
        photo_scale=scale,
        timings=clock.total(),
        device=model.device_name,
        input_size=tuple(x.shape[-2:]),
        scored_channels=runner.total if runner is not None else 0,
    )


def _run(
    model: LoadedModel,
    x: torch.Tensor,
    spec: CamMethod | None,
    cam_stages: tuple[str, ...],
    target: int | None,
    top_k: int,
    block: tuple[str, int] | None,
    clock: _Clock,
) -> dict[str, Any]:
    """The hooked forward, the partial backward and the copy to host memory."""
    grad_from = cam_stages[0] if spec is not None and spec.uses_gradients else None
    with Capture(model.module, grad_from=grad_from, keep_block=block) as cap:
        with torch.enable_grad() if grad_from else torch.no_grad():
            logits = model.module(x)  # (1, n_classes); autograd records from `grad_from` on
        clock.mark("forward")
        probs = logits.detach().softmax(dim=-1)[0]
        top_prob, top_idx = probs.topk(top_k)
        target = int(top_idx[0]) if target is None else target
        grads: dict[str, np.ndarray] = {}
        if grad_from:
            outputs = [cap.graph[s] for s in cam_stages]
            for s, g in zip(cam_stages, torch.autograd.grad(logits[0, target], outputs)):
                grads[s] = g.float().cpu().numpy()  # (1, C, h, w)
        clock.mark("backward")
        norms = cap.block_norms()[:, :, 0].cpu().tolist()  # [[‖F‖...], [‖x‖...]]
        result = {
            "target": target,
            "top_idx": top_idx.cpu().tolist(),
            "top_prob": top_prob.cpu().tolist(),
            "stages": {s: cap.stages[s][0].float().cpu().numpy() for s in STAGES},  # (C, H, W)
            "grads": grads,
            "blocks": [
                BlockStat(ref.stage, ref.index, f, i, ref.downsample is not None)
                for ref, f, i in zip(cap.blocks, *norms)
            ],
            "block_maps": None,
        }
        if block is not None:
            maps = {k: v[0].float().cpu().numpy() for k, v in cap.block_maps.items()}
            ref = next(b for b in cap.blocks if (b.stage, b.index) == block)
            result["block_maps"] = BlockMaps(*block, **maps, downsample=ref.downsample is not None)
    clock.mark("collect")
    return result


def _cams(
    spec: CamMethod,
    arrays: dict[str, Any],
    cam_stages: tuple[str, ...],
    x: torch.Tensor,
    runner: ScoreRunner | None,
    max_channels: int | None,
) -> dict[str, np.ndarray]:
    return {
        s: compute_cam(
            spec,
            arrays["stages"][s][None],
            arrays["grads"].get(s),
            target=arrays["target"],
            input_tensor=x,
            model=runner,
            max_channels=max_channels,
        )
        for s in cam_stages
    }


__all__ = ["explain", "Explanation", "Prediction", "BlockStat", "BlockMaps"]
