"""Class activation maps, computed with pytorch-grad-cam's own per-method math.

pytorch-grad-cam's method classes run their own forward and backward through hooks they attach
in `__init__` (and `model.eval()` as a side effect). We already have the activations and
gradients from our single pass, so `_math_only` makes each method class without that
`__init__` and calls only its math: `get_cam_image` (the method's weights and weighted sum),
then the same ReLU, min-max scaling and resize to the input size that `BaseCAM` applies. The
results therefore match the library run the standard way (tested to correlation ≥ 0.999).

Score-CAM has no gradients to reuse: it scores one masked copy of the input per channel, so it
runs the model once per channel (2048 times at ResNet-50's layer4, about a minute on a laptop
CPU) and holds C masked copies of the input in memory at once (1.2 GB for those 2048). Its cost
is therefore bounded by scoring only the `max_channels` channels with the largest mean
activation, the channel selection of the faster Score-CAM variants; with every channel it is
exactly pytorch-grad-cam's Score-CAM. The masked images go through the model in small batches,
and between batches the work can be paused (so cheap requests go first), stopped, and the
caller's lock released (`ScoreRunner`).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from functools import cache

import numpy as np
import torch
from pytorch_grad_cam import (
    EigenCAM,
    EigenGradCAM,
    GradCAM,
    GradCAMPlusPlus,
    HiResCAM,
    LayerCAM,
    ScoreCAM,
    XGradCAM,
)
from pytorch_grad_cam.base_cam import BaseCAM
from pytorch_grad_cam.utils.image import scale_cam_image
from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget
from torch import nn

from .lanes import Pause, Progress, StopCheck, check_stop

SCORE_CAM_CHANNELS = 128
"""Channels Score-CAM scores by default: the strongest by mean activation (a bound on its cost)."""


@dataclass(frozen=True)
class CamMethod:
    """One CAM method: its pytorch-grad-cam class and what it needs from the pass."""

    name: str  # the value of explain(method=...)
    title: str  # its published name (a proper name; the UI adds what it needs to say about it)
    impl: type[BaseCAM]
    uses_gradients: bool
    runs_model: bool = False  # extra forward passes per request (slow)
    paper: str = ""


METHODS: dict[str, CamMethod] = {
    m.name: m
    for m in (
        CamMethod("gradcam", "Grad-CAM", GradCAM, True, paper="https://arxiv.org/abs/1610.02391"),
        CamMethod("gradcam++", "Grad-CAM++", GradCAMPlusPlus, True, paper="https://arxiv.org/abs/1710.11063"),
        CamMethod("xgradcam", "XGrad-CAM", XGradCAM, True, paper="https://arxiv.org/abs/2008.02312"),
        CamMethod("hirescam", "HiResCAM", HiResCAM, True, paper="https://arxiv.org/abs/2011.08891"),
        CamMethod("layercam", "LayerCAM", LayerCAM, True, paper="https://ieeexplore.ieee.org/document/9462463"),
        CamMethod("eigencam", "Eigen-CAM", EigenCAM, False, paper="https://arxiv.org/abs/2008.00299"),
        CamMethod("eigengradcam", "Eigen-Grad-CAM", EigenGradCAM, True,  # the library's own variant of Eigen-CAM
                  paper="https://github.com/jacobgil/pytorch-grad-cam"),
        CamMethod("scorecam", "Score-CAM", ScoreCAM, False, runs_model=True, paper="https://arxiv.org/abs/1910.01279"),
    )
}
"""Every method `explain` accepts, by name."""


def check_method(name: str) -> CamMethod:
    """The method called `name`, or a ValueError naming the allowed ones."""
    try:
        return METHODS[name]
    except (KeyError, TypeError):
        raise ValueError(f"method must be one of {list(METHODS)}; got {name!r}") from None


def first_component_projection(activation_batch: np.ndarray) -> np.ndarray:
    """pytorch-grad-cam's `get_2d_projection`, with a thin SVD: the same first component, far faster.

    The library takes `np.linalg.svd(..., full_matrices=True)` of the (h·w, C) activations and uses
    only the first right singular vector; the full SVD also builds the C×C (or h·w × h·w) factor:
    400 ms for ResNet-50's layer4 (49 × 2048), 1 s at layer1 (3136 × 256), against 22 and 170 ms
    thin. The first vector, sign included, is the same (tests/test_cams.py compares both).
    """
    activation_batch = np.nan_to_num(activation_batch, nan=0.0)
    projections = []
    for activations in activation_batch:  # (C, h, w)
        flat = activations.reshape(activations.shape[0], -1).T  # (h·w, C)
        flat = flat - flat.mean(axis=0)  # centred, as the library does
        _, _, vt = np.linalg.svd(flat, full_matrices=False)
        projections.append((flat @ vt[0]).reshape(activations.shape[1:]))  # (h, w)
    return np.float32(projections)


PROJECTED: dict[type[BaseCAM], Callable[[np.ndarray, np.ndarray | None], np.ndarray]] = {
    EigenCAM: lambda activations, grads: first_component_projection(activations),
    EigenGradCAM: lambda activations, grads: first_component_projection(grads * activations),
}
"""The methods whose CAM is the projection on the first principal component (their `get_cam_image`)."""


@cache
def _math_only(impl: type[BaseCAM]) -> type[BaseCAM]:
    """`impl` without BaseCAM.__init__ (which hooks the model) and __del__ (which unhooks it)."""

    def __init__(self: BaseCAM, model: nn.Module | None, device: torch.device, batch_size: int) -> None:
        self.model, self.device, self.batch_size = model, device, batch_size  # only Score-CAM reads these

    def __del__(self: BaseCAM) -> None:
        pass

    members: dict[str, object] = {"__init__": __init__, "__del__": __del__}
    if impl in PROJECTED:
        project = PROJECTED[impl]
        members["get_cam_image"] = lambda self, input_tensor, layer, targets, activations, grads, eigen_smooth: (
            project(activations, grads))
    return type(f"{impl.__name__}Math", (impl,), members)


class ScoreRunner(nn.Module):
    """The model as Score-CAM's batched scoring calls it: one small batch at a time, interruptible.

    Before each batch: `pause()` (the app waits there while cheap requests are in flight) and
    `should_stop()` (raises `lanes.Cancelled`). Each batch runs inside `lock` (the shared
    model's lock), which is released between batches, so other requests for the same model
    wait for one batch at most. After each batch, `progress` is told how many are done.
    """

    def __init__(
        self,
        model: nn.Module,
        total: int,
        *,
        lock: AbstractContextManager | None = None,
        progress: Progress | None = None,
        should_stop: StopCheck | None = None,
        pause: Pause | None = None,
    ) -> None:
        super().__init__()
        self.model, self.total, self.done = model, total, 0
        self.lock = lock if lock is not None else nullcontext()
        self.progress, self.should_stop, self.pause = progress, should_stop, pause

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.pause is not None:
            self.pause()
        check_stop(self.should_stop)
        with self.lock:
            out = self.model(x)  # (B, n_classes)
        self.done += x.shape[0]
        if self.progress is not None:
            self.progress(self.done / self.total, f"Score-CAM: scored {self.done} of {self.total} channels")
        return out


def check_max_channels(value: object) -> int | None:
    """`max_channels` as an int ≥ 1, or None (every channel); a ValueError naming the rule otherwise."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"max_channels must be None (every channel) or an int of at least 1; got {value!r}")
    return int(value)


def top_channels(activation: np.ndarray, n: int) -> np.ndarray:
    """Indices of the `n` channels of a (C, H, W) activation with the largest mean, strongest first.

    The feature-map grids show these channels, and Score-CAM scores them.
    """
    means = activation.reshape(activation.shape[0], -1).mean(axis=1)  # (C,)
    n = min(n, len(means))
    top = np.argpartition(-means, n - 1)[:n]
    return top[np.argsort(-means[top], kind="stable")]


def compute_cam(
    method: CamMethod,
    activations: np.ndarray,
    gradients: np.ndarray | None,
    *,
    target: int,
    input_tensor: torch.Tensor,
    model: nn.Module | None = None,
    max_channels: int | None = SCORE_CAM_CHANNELS,
    batch_size: int | None = None,
) -> np.ndarray:
    """One stage's CAM for class `target`: float32 (H, W) in [0, 1] at the input's resolution.

    activations, gradients: (1, C, h, w) float32 arrays from our pass (gradients may be None
    for methods that do not use them). `model` is needed only by methods with `runs_model`
    (Score-CAM): pass a `ScoreRunner` to pause, stop, lock and report progress between
    batches. Score-CAM scores only the `max_channels` strongest channels (None: all of them)
    in batches of `batch_size` masked images (default: 4 on a CPU, where a batch of ResNet-50
    takes about 0.2 s, and 64 on a GPU).
    """
    if method.uses_gradients and gradients is None:
        raise ValueError(f"{method.name} needs gradients")
    if method.runs_model:
        if model is None:
            raise ValueError(f"{method.name} needs the model")
        n = check_max_channels(max_channels) or activations.shape[1]
        activations = activations[:, top_channels(activations[0], n)]  # (1, n, h, w)
    batch_size = batch_size or (64 if input_tensor.device.type == "cuda" else 4)
    impl = _math_only(method.impl)(model, input_tensor.device, batch_size)
    targets = [ClassifierOutputTarget(target)]
    cam = impl.get_cam_image(input_tensor, None, targets, activations, gradients, False)  # (1, h, w)
    # BaseCAM.compute_cam_per_layer + aggregate_multi_layers, for our single layer:
    cam = np.maximum(cam, 0)
    height, width = input_tensor.shape[-2:]
    scaled = scale_cam_image(cam, (width, height))  # min-max to [0, 1], bilinear to (H, W)
    return impl.aggregate_multi_layers([scaled[:, None, :]])[0].astype(np.float32)
