"""The five ImageNet ResNets: build them from torchvision, load their weights, cache them loaded.

Everything a model needs besides its parameters travels with torchvision's weights enum: the
download URL, the 1000 labels (`meta["categories"]`) and the preprocessing (`transforms()`:
ResNet-18/34 resize to 256, ResNet-50/101/152 V2 weights to 232, all crop 224). Random and
file-loaded weights borrow labels and preprocessing from the same enum, so every mode of
`load_model` preprocesses and labels identically.

Files come through `weights.py` (torch's own cache, downloaded with progress when missing). The
engine never falls back silently: when the weights cannot be had it raises
`WeightsUnavailableError` and the caller (the app) decides what to do.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Union

import torch
import torchvision
from torch import nn

from .errors import DeviceUnavailableError, WeightsUnavailableError
from .lanes import Progress
from .settings import SETTINGS
from .weights import DEPTHS, check_depth, checkpoint_path, default_weights, fetch_weights, short_reason

__all__ = ["DEPTHS", "LoadedModel", "ModelCache", "MODEL_CACHE", "check_depth", "checkpoint_path",
           "default_weights", "fetch_weights", "load_model", "resolve_device", "weights_file_depth"]

WEIGHT_MODES: tuple[str, ...] = ("imagenet", "random")
"""Named weight sources; anything else given as `weights=` is read as a path to a state_dict."""

WeightsArg = Union[str, os.PathLike]

_RANDOM_SEED = 0  # random weights are the same in every process, so results can be compared


@dataclass(eq=False, repr=False)
class LoadedModel:
    """A ResNet ready for inference, with the configuration that travels with its weights.

    `module` is in eval mode with every parameter frozen. It is shared by all callers of the
    cache, so anything that attaches hooks must hold `lock` (see `capture.py`).
    """

    module: nn.Module
    depth: int
    categories: tuple[str, ...]  # the ImageNet labels, from weights.meta["categories"]
    transform: nn.Module  # weights.transforms(): resize, centre crop, normalise
    device: torch.device
    pretrained: bool  # False for random weights
    weights: str  # "ResNet50_Weights.IMAGENET1K_V2", "random", or the state_dict's path
    lock: threading.RLock = field(default_factory=threading.RLock)

    @property
    def device_name(self) -> str:
        """A readable name of the device, e.g. "cpu" or "cuda:0 (NVIDIA H200)"."""
        if self.device.type == "cuda":
            return f"{self.device} ({torch.cuda.get_device_name(self.device)})"
        return str(self.device)

    @property
    def num_params(self) -> int:
        return sum(p.numel() for p in self.module.parameters())

    def __repr__(self) -> str:
        return f"LoadedModel(resnet{self.depth}, weights={self.weights!r}, device={self.device})"


# ----------------------------------------------------------------------------------------------
# devices


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """Turn "auto" into CUDA, then MPS, then CPU; check that an explicit device exists here."""
    if device == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda", torch.cuda.current_device())
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"device must be 'auto', 'cpu', 'cuda', 'cuda:N' or 'mps'; got {device!r}") from exc
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise DeviceUnavailableError(
                "A CUDA GPU was requested but this machine has none that PyTorch can use. "
                "Use --device auto (or cpu)."
            )
        if dev.index is None:
            dev = torch.device("cuda", torch.cuda.current_device())
        if dev.index >= torch.cuda.device_count():
            raise DeviceUnavailableError(f"{dev} was requested but only {torch.cuda.device_count()} GPU(s) exist.")
    elif dev.type == "mps":
        if not torch.backends.mps.is_available():
            raise DeviceUnavailableError("Apple's MPS device was requested but is not available here.")
    elif dev.type != "cpu":
        raise ValueError(f"device must be 'auto', 'cpu', 'cuda', 'cuda:N' or 'mps'; got {device!r}")
    return dev


# ----------------------------------------------------------------------------------------------
# building and loading


def _imagenet_state_dict(depth: int, progress: Progress | None) -> dict[str, torch.Tensor]:
    path = fetch_weights(depth, progress=progress)
    try:  # torchvision's own loader; it finds the file in the cache and needs no network
        return default_weights(depth).get_state_dict(progress=False, check_hash=True, weights_only=True)
    except Exception as exc:  # a damaged or truncated cache file: unpickling errors vary
        raise WeightsUnavailableError(
            f"The cached weights file {path} could not be read ({short_reason(exc)}). Delete it and run "
            f"`python -m resnet_demo download --depth {depth}` again."
        ) from exc


def _file_state_dict(path: Path) -> dict[str, torch.Tensor]:
    if not path.is_file():
        raise WeightsUnavailableError(
            f"No weights file at {path}. --weights takes 'imagenet', 'random' or the path of a state_dict file."
        )
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # not a torch file, or not a plain state_dict
        raise WeightsUnavailableError(f"{path} is not a PyTorch state_dict file ({short_reason(exc)}).") from exc
    if isinstance(state, dict) and isinstance(state.get("state_dict"), dict):
        state = state["state_dict"]  # a training checkpoint that wraps the state_dict
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise WeightsUnavailableError(f"{path} holds a {type(state).__name__}, not a state_dict of tensors.")
    # float16/bfloat16/float64 files (e.g. saved with .half() to halve their size) run as float32:
    # the photo's tensor is float32, and a half-precision CPU forward would be slow or unsupported.
    return {k: v.float() if v.is_floating_point() else v for k, v in state.items()}


def weights_file_depth(path: str | os.PathLike) -> int:
    """The depth whose architecture the state_dict file at `path` fits exactly.

    Read once when the app starts, so a wrong, damaged or truncated file is refused at start
    with a message, not at the first request. Raises `WeightsUnavailableError` otherwise.
    """
    state = _file_state_dict(Path(path).expanduser())
    shapes = {k: tuple(v.shape) for k, v in state.items()}
    for depth in DEPTHS:
        with torch.device("meta"):
            reference = torchvision.models.get_model(f"resnet{depth}", weights=None).state_dict()
        if shapes == {k: tuple(v.shape) for k, v in reference.items()}:
            return depth
    raise WeightsUnavailableError(
        f"{path} does not hold the weights of a torchvision ResNet-18, 34, 50, 101 or 152 "
        f"({len(state)} tensors, none of these architectures matches their names and shapes)."
    )


def _build(depth: int, state_dict: dict[str, torch.Tensor] | None) -> nn.Module:
    name = f"resnet{depth}"
    if state_dict is None:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(_RANDOM_SEED)
            return torchvision.models.get_model(name, weights=None)
    with torch.device("meta"):  # no time spent initialising parameters that are overwritten next
        module = torchvision.models.get_model(name, weights=None)
    try:
        module.load_state_dict(state_dict, assign=True)
    except RuntimeError as exc:
        raise WeightsUnavailableError(f"These weights do not fit ResNet-{depth}: {short_reason(exc)}") from exc
    return module


def _load(depth: int, weights: WeightsArg, device: torch.device, progress: Progress | None) -> LoadedModel:
    meta_weights = default_weights(depth)
    if weights == "imagenet":
        state, name = _imagenet_state_dict(depth, progress), str(meta_weights)
    elif weights == "random":
        state, name = None, "random"
    else:
        path = Path(weights).expanduser()
        state, name = _file_state_dict(path), str(path)
    module = _build(depth, state)
    module.eval().requires_grad_(False)
    module.to(device)
    return LoadedModel(
        module=module,
        depth=depth,
        categories=tuple(meta_weights.meta["categories"]),
        transform=meta_weights.transforms(),
        device=device,
        pretrained=state is not None,
        weights=name,
    )


class ModelCache:
    """A small thread-safe LRU of loaded models; one load at a time per key, others wait for it."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._items: OrderedDict[Hashable, LoadedModel] = OrderedDict()
        self._lock = threading.Lock()
        self._loading: dict[Hashable, threading.Lock] = {}

    def get(self, key: Hashable, load: Callable[[], LoadedModel]) -> LoadedModel:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
            key_lock = self._loading.setdefault(key, threading.Lock())
        with key_lock:
            with self._lock:
                if key in self._items:  # another thread loaded it while we waited
                    return self._items[key]
            model = load()
            with self._lock:
                self._items[key] = model
                self._loading.pop(key, None)
                while len(self._items) > self.maxsize:
                    self._items.popitem(last=False)
        return model

    def keys(self) -> list[Hashable]:
        with self._lock:
            return list(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


MODEL_CACHE = ModelCache(maxsize=len(DEPTHS) if SETTINGS.max_models is None else SETTINGS.max_models)
"""Every depth fits at once by default (~0.6 GB in float32); lower it on small machines (RESNET_EXPLORER_MAX_MODELS)."""


def _cache_key(depth: int, weights: WeightsArg, device: torch.device) -> Hashable:
    if weights in WEIGHT_MODES:
        return depth, weights, str(device)
    path = Path(weights).expanduser().resolve()
    stat = path.stat() if path.is_file() else None  # a changed file is a new model
    return depth, str(path), stat and (stat.st_mtime_ns, stat.st_size), str(device)


def load_model(
    depth: int,
    *,
    weights: WeightsArg = "imagenet",
    device: str | torch.device = "auto",
    progress: Progress | None = None,
) -> LoadedModel:
    """Load (or take from the cache) ResNet-`depth` in eval mode with frozen parameters.

    weights: "imagenet" (torchvision's DEFAULT weights, downloaded once into torch's cache),
    "random" (torchvision's initialisation, seeded, so identical in every process) or a path
    to a state_dict. `progress` receives download progress. Raises `ValueError` for an unknown
    depth or device string, `WeightsUnavailableError` when the weights cannot be had and
    `DeviceUnavailableError` when the device is not here.
    """
    depth = check_depth(depth)
    if not isinstance(weights, (str, os.PathLike)):
        raise TypeError(f"weights must be 'imagenet', 'random' or a path; got {type(weights).__name__}")
    dev = resolve_device(device)
    return MODEL_CACHE.get(_cache_key(depth, weights, dev), lambda: _load(depth, weights, dev, progress))
