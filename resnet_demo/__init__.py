"""ResNet Explorer's engine: see how torchvision's ImageNet ResNets classify a photo.

    from resnet_demo import load_model, explain
    m = load_model(50, weights="imagenet", device="auto")
    r = explain(m, photo, method="gradcam", stage="layer4")

Nothing here imports a UI framework; the web app (`resnet_demo.ui`) is one view on this engine.
"""

from . import zerogpu  # noqa: F401  (first: on ZeroGPU `spaces` must be imported before torch)
from .cams import METHODS
from .capture import CAM_STAGES, STAGES
from .errors import DemoError, DeviceUnavailableError, ImageError, ResourceExhaustedError, WeightsUnavailableError
from .explanation import BlockMaps, BlockStat, Explanation, Prediction, explain
from .images import open_image, prepare_image
from .zoo import DEPTHS, LoadedModel, fetch_weights, load_model

__all__ = [
    "BlockMaps",
    "BlockStat",
    "CAM_STAGES",
    "DEPTHS",
    "DemoError",
    "DeviceUnavailableError",
    "Explanation",
    "ImageError",
    "LoadedModel",
    "METHODS",
    "Prediction",
    "ResourceExhaustedError",
    "STAGES",
    "WeightsUnavailableError",
    "explain",
    "fetch_weights",
    "load_model",
    "open_image",
    "prepare_image",
]
