"""The five ImageNet ResNets: build them from torchvision, fetch their weights, cache them loaded.

Everything a model needs besides its parameters travels with torchvision's weights enum: the
download URL, the 1000 labels (`meta["categories"]`) and the preprocessing (`transforms()`:
ResNet-18/34 resize to 256, ResNet-50/101/152 V2 weights to 232, all crop 224). Random and
file-loaded weights borrow labels and preprocessing from the same enum, so every mode of
`load_model` preprocesses and labels identically.

Downloads go to torch's own cache (`$TORCH_HOME/hub/checkpoints/<torchvision's file name>`), so a
file prefetched by `python -m resnet_demo download`, by torchvision itself, or copied there by
hand is found without the network. The engine never falls back silently: when the weights cannot
be had it raises `WeightsUnavailableError` and the caller (the app) decides what to do.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union
from urllib.error import URLError
from urllib.parse import urlparse
from urllib.request import Request, urlopen

import torch
import torchvision
from torch import nn
from torchvision.models import WeightsEnum

from .errors import DeviceUnavailableError, WeightsUnavailableError

DEPTHS: tuple[int, ...] = (18, 34, 50, 101, 152)
"""The depths torchvision ships ImageNet weights for; each is `torchvision.models.resnet{depth}`."""

WEIGHT_MODES: tuple[str, ...] = ("imagenet", "random")
"""Named weight sources; anything else given as `weights=` is read as a path to a state_dict."""

Progress = Callable[[float, str], None]
"""A progress callback: (fraction done in [0, 1], a short message for the user)."""

WeightsArg = Union[str, os.PathLike]

_HASH_IN_NAME = re.compile(r"-([a-f0-9]+)\.")  # torch.hub's convention: name-<sha256 prefix>.pth
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
# names, devices and weights


def check_depth(depth: Any) -> int:
    """Return `depth` as an int if it is one of `DEPTHS`, else raise a ValueError naming them."""
    if isinstance(depth, bool) or not isinstance(depth, (int, str)):
        raise TypeError(f"depth must be an int, one of {list(DEPTHS)}; got {type(depth).__name__}")
    try:
        value = int(depth)
    except ValueError:
        value = None
    if value not in DEPTHS:
        raise ValueError(f"depth must be one of {list(DEPTHS)}; got {depth!r}")
    return value


def default_weights(depth: int) -> WeightsEnum:
    """torchvision's DEFAULT ImageNet weights for `depth` (its URL, labels and preprocessing)."""
    return torchvision.models.get_model_weights(f"resnet{check_depth(depth)}").DEFAULT


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


def checkpoint_path(depth: int) -> Path:
    """Where torchvision caches (and looks for) the ImageNet weights of `depth`."""
    url = default_weights(depth).url
    return Path(torch.hub.get_dir()) / "checkpoints" / Path(urlparse(url).path).name


def fetch_weights(depth: int, *, progress: Progress | None = None, timeout: float = 30.0) -> Path:
    """Make sure the ImageNet weights of `depth` are in torch's cache; download them if not.

    Returns the file's path. Raises `WeightsUnavailableError` (with how to fix it) when the
    file is missing and cannot be downloaded.
    """
    weights = default_weights(depth)
    path = checkpoint_path(depth)
    if path.is_file():
        return path
    try:
        download(weights.url, path, progress=progress, timeout=timeout)
    except (URLError, OSError, ValueError) as exc:
        raise WeightsUnavailableError(_unavailable_message(depth, path, _short(exc))) from exc
    return path


def download(url: str, dst: Path, *, progress: Progress | None = None, timeout: float = 30.0) -> None:
    """Stream `url` to `dst` through a temporary file, checking torch.hub's SHA-256 name prefix.

    Same contract as `torch.hub.download_url_to_file`, plus a progress callback for the UI.
    Raises `ValueError` if the content does not match the hash in the file name.
    """
    match = _HASH_IN_NAME.search(dst.name)
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(f"{dst.name}.{uuid.uuid4().hex}.partial")
    sha256 = hashlib.sha256()
    try:
        with urlopen(Request(url, headers={"User-Agent": "resnet-demo"}), timeout=timeout) as response:
            total = int(response.headers.get("Content-Length") or 0)
            done = 0
            with open(tmp, "wb") as out:
                while chunk := response.read(1 << 16):
                    out.write(chunk)
                    sha256.update(chunk)
                    done += len(chunk)
                    if progress is not None:
                        size = f"{done / 2**20:.0f}/{total / 2**20:.0f} MB" if total else f"{done / 2**20:.0f} MB"
                        progress(done / total if total else 0.0, f"Downloading {dst.name}: {size}")
        if match and not sha256.hexdigest().startswith(match.group(1)):
            raise ValueError(f"the download of {dst.name} is corrupt (its SHA-256 does not match its name)")
        os.replace(tmp, dst)
    finally:
        tmp.unlink(missing_ok=True)


def _unavailable_message(depth: int, path: Path, reason: str) -> str:
    size = default_weights(depth).meta.get("_file_size")
    size_text = f", {size:.0f} MB" if size else ""
    return (
        f"ResNet-{depth}'s ImageNet weights ({path.name}{size_text}) are not on this machine and could "
        f"not be downloaded ({reason}). To fix it: run `python -m resnet_demo download --depth {depth}` "
        f"once with internet access (it saves to {path.parent}), or copy that file there, or pass a "
        f"state_dict file with --weights PATH, or use --weights random (an untrained network)."
    )


# ----------------------------------------------------------------------------------------------
# building and loading


def _short(exc: BaseException) -> str:
    """The first line of an exception's message, for messages users read (torch's can run long)."""
    lines = str(exc).strip().splitlines()
    return (lines[0] if lines else type(exc).__name__)[:200]


def _imagenet_state_dict(depth: int, progress: Progress | None) -> dict[str, torch.Tensor]:
    path = fetch_weights(depth, progress=progress)
    try:  # torchvision's own loader; it finds the file in the cache and needs no network
        return default_weights(depth).get_state_dict(progress=False, check_hash=True, weights_only=True)
    except Exception as exc:  # a damaged or truncated cache file: unpickling errors vary
        raise WeightsUnavailableError(
            f"The cached weights file {path} could not be read ({_short(exc)}). Delete it and run "
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
        raise WeightsUnavailableError(f"{path} is not a PyTorch state_dict file ({_short(exc)}).") from exc
    if isinstance(state, dict) and isinstance(state.get("state_dict"), dict):
        state = state["state_dict"]  # a training checkpoint that wraps the state_dict
    if not isinstance(state, dict):
        raise WeightsUnavailableError(f"{path} holds a {type(state).__name__}, not a state_dict.")
    return state


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
        raise WeightsUnavailableError(f"These weights do not fit ResNet-{depth}: {_short(exc)}") from exc
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


MODEL_CACHE = ModelCache(maxsize=int(os.environ.get("RESNET_DEMO_MAX_MODELS", len(DEPTHS))))
"""Every depth fits at once by default (~0.6 GB in float32); lower it on small machines."""


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
