"""Class activation maps, computed with pytorch-grad-cam's own per-method math.

pytorch-grad-cam's method classes run their own forward and backward through hooks they attach
in `__init__` (and `model.eval()` as a side effect). We already have the activations and
gradients from our single pass, so `_math_only` makes each method class without that
`__init__` and calls only its math: `get_cam_image` (the method's weights and weighted sum),
then the same ReLU, min-max scaling and resize to the input size that `BaseCAM` applies. The
results therefore match the library run the standard way (tested to correlation ≥ 0.999).

Score-CAM has no gradients to reuse: it scores one masked copy of the input per channel, so it
runs the model hundreds of times. It is offered as a slow method with a progress callback.
"""

from __future__ import annotations

from collections.abc import Callable
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

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class CamMethod:
    """One CAM method: its pytorch-grad-cam class and what it needs from the pass."""

    name: str  # the value of explain(method=...)
    title: str  # how the UI names it
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
        CamMethod("eigengradcam", "Eigen-Grad-CAM", EigenGradCAM, True, paper="https://arxiv.org/abs/2008.00299"),
        CamMethod("scorecam", "Score-CAM (slow)", ScoreCAM, False, runs_model=True, paper="https://arxiv.org/abs/1910.01279"),
    )
}
"""Every method `explain` accepts, by name."""


def check_method(name: str) -> CamMethod:
    """The method called `name`, or a ValueError naming the allowed ones."""
    try:
        return METHODS[name]
    except (KeyError, TypeError):
        raise ValueError(f"method must be one of {list(METHODS)}; got {name!r}") from None


@cache
def _math_only(impl: type[BaseCAM]) -> type[BaseCAM]:
    """`impl` without BaseCAM.__init__ (which hooks the model) and __del__ (which unhooks it)."""

    def __init__(self: BaseCAM, model: nn.Module | None, device: torch.device, batch_size: int) -> None:
        self.model, self.device, self.batch_size = model, device, batch_size  # only Score-CAM reads these

    def __del__(self: BaseCAM) -> None:
        pass

    return type(f"{impl.__name__}Math", (impl,), {"__init__": __init__, "__del__": __del__})


class _CountedModel(nn.Module):
    """Wraps the model so each of Score-CAM's batched forward passes reports progress."""

    def __init__(self, model: nn.Module, total: int, progress: Progress) -> None:
        super().__init__()
        self.model, self.total, self.progress, self.done = model, total, progress, 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.model(x)
        self.done += x.shape[0]
        self.progress(self.done / self.total, f"Score-CAM: scored {self.done} of {self.total} masked images")
        return out


def compute_cam(
    method: CamMethod,
    activations: np.ndarray,
    gradients: np.ndarray | None,
    *,
    target: int,
    input_tensor: torch.Tensor,
    model: nn.Module | None = None,
    progress: Progress | None = None,
) -> np.ndarray:
    """One stage's CAM for class `target`: float32 (H, W) in [0, 1] at the input's resolution.

    activations, gradients: (1, C, h, w) float32 arrays from our pass (gradients may be None
    for methods that do not use them). `model` is needed only by methods with `runs_model`
    (Score-CAM), which also report progress through `progress`.
    """
    if method.uses_gradients and gradients is None:
        raise ValueError(f"{method.name} needs gradients")
    if method.runs_model:
        if model is None:
            raise ValueError(f"{method.name} needs the model")
        if progress is not None:
            model = _CountedModel(model, activations.shape[1], progress)
    batch_size = 64 if input_tensor.device.type == "cuda" else 16
    impl = _math_only(method.impl)(model, input_tensor.device, batch_size)
    targets = [ClassifierOutputTarget(target)]
    cam = impl.get_cam_image(input_tensor, None, targets, activations, gradients, False)  # (1, h, w)
    # BaseCAM.compute_cam_per_layer + aggregate_multi_layers, for our single layer:
    cam = np.maximum(cam, 0)
    height, width = input_tensor.shape[-2:]
    scaled = scale_cam_image(cam, (width, height))  # min-max to [0, 1], bilinear to (H, W)
    return impl.aggregate_multi_layers([scaled[:, None, :]])[0].astype(np.float32)
