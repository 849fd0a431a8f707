"""What the web app asks of the engine: its weights policy, GPU work and result cache, as plain data.

The engine raises when ImageNet weights cannot be had; the app's policy, decided here, is to
keep serving on random weights and say so loudly (`banner`). A weights *file* the teacher named
with --weights PATH is different: if it cannot be read, that is an error to fix, not to hide.

`explain_photo` is the app's one GPU entry point: decorated for ZeroGPU, it takes a file path and
plain arguments and returns a picklable `Explanation`. Results for the bundled example photos
are cached lazily (after first use, for every visitor), keyed by the photo's content and every
control, so clicking an example a second time costs nothing and always matches the controls.
No gradio here: the UI calls this module, this module calls the engine.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.request import Request, urlopen

from .cams import METHODS
from .errors import WeightsUnavailableError
from .explanation import Explanation, explain
from .zoo import DEPTHS, LoadedModel, Progress, checkpoint_path, default_weights, load_model
from . import zerogpu
from .zerogpu import gpu_task

log = logging.getLogger(__name__)

ASSETS = Path(__file__).resolve().parent.parent / "assets"
EXAMPLE_PHOTOS: tuple[Path, ...] = tuple(sorted(ASSETS.glob("*.jpg")))


@dataclass
class AppConfig:
    """How the app was started (see `app.py --help`)."""

    weights: str = "imagenet"  # imagenet | random | PATH of a state_dict
    device: str = "auto"
    preload: tuple[int, ...] = ()
    probe_network: bool = True  # check once at start whether downloads can work


@dataclass
class WeightsState:
    """Per depth: what the app is actually running, and why (for the banner)."""

    untrained: dict[int, str] = field(default_factory=dict)  # depth -> reason it runs on random weights
    offline: bool = False


def _network_reachable(url: str, timeout: float = 3.0) -> bool:
    try:
        with urlopen(Request(url, method="HEAD", headers={"User-Agent": "resnet-demo"}), timeout=timeout):
            return True
    except OSError:  # URLError, timeouts, refused connections
        return False


class Service:
    """The engine as the app uses it: policy, caching and the GPU boundary."""

    def __init__(self, config: AppConfig, *, cache_size: int = 32) -> None:
        self.config = config
        self.state = WeightsState()
        self._lock = threading.Lock()
        self._results: OrderedDict[tuple, Explanation] = OrderedDict()
        self._cache_size = cache_size
        self._example_sizes = {p.stat().st_size for p in EXAMPLE_PHOTOS}
        self._example_hashes = {_file_hash(p) for p in EXAMPLE_PHOTOS}

    # -- start-up ------------------------------------------------------------------------------

    def start(self, progress: Progress | None = None) -> None:
        """Run once at launch (never at import): probe the network, preload requested depths."""
        if self.config.weights == "imagenet" and self.config.probe_network:
            missing = [d for d in DEPTHS if not checkpoint_path(d).is_file()]
            if missing and not _network_reachable(default_weights(missing[0]).url):
                self.state.offline = True
                log.warning("No network: depths without cached weights (%s) will run untrained.", missing)
        for depth in self.config.preload:
            self.model(depth, progress=progress)

    # -- models --------------------------------------------------------------------------------

    def model(self, depth: int, progress: Progress | None = None) -> LoadedModel:
        """The model for `depth` under the app's weights policy (random when ImageNet can't be had)."""
        weights = self.config.weights
        if weights == "random":
            return load_model(depth, weights="random", device=self.config.device)
        if weights == "imagenet" and (depth in self.state.untrained or self._offline_without(depth)):
            return self._untrained(depth, self.state.untrained.get(depth, "no network and no cached file"))
        try:
            return load_model(depth, weights=weights, device=self.config.device, progress=progress)
        except WeightsUnavailableError as exc:
            if weights != "imagenet":
                raise  # the teacher named a file: a problem to fix, not to hide
            return self._untrained(depth, str(exc))

    def _offline_without(self, depth: int) -> bool:
        return self.state.offline and not checkpoint_path(depth).is_file()

    def _untrained(self, depth: int, reason: str) -> LoadedModel:
        with self._lock:
            if depth not in self.state.untrained:
                log.warning("ResNet-%d runs on random weights: %s", depth, reason)
            self.state.untrained[depth] = reason
        return load_model(depth, weights="random", device=self.config.device)

    def is_untrained(self, depth: int) -> bool:
        return self.config.weights == "random" or depth in self.state.untrained or self._offline_without(depth)

    def labels(self) -> tuple[str, ...]:
        """The 1000 ImageNet labels (from torchvision's weights metadata; no model is loaded)."""
        return tuple(default_weights(50).meta["categories"])

    # -- explanations --------------------------------------------------------------------------

    def explain_photo(self, path: str | Path, *, progress: Progress | None = None, **options) -> Explanation:
        """explain() for a photo file with the app's policy; example photos are cached lazily."""
        depth = options.pop("depth")
        spec = METHODS.get(options.get("method", "gradcam"))  # unknown names reach explain's ValueError
        if spec is not None and spec.runs_model:
            options["all_stages"] = False  # Score-CAM costs one forward per channel: the chosen stage only
        model = self.model(depth, progress=progress)  # load (or download) outside the GPU task
        key = self._cache_key(path, model, options)
        if key is not None:
            with self._lock:
                if key in self._results:
                    self._results.move_to_end(key)
                    return self._results[key]
        weights = "random" if not model.pretrained else self.config.weights
        on_zerogpu = zerogpu.spaces is not None  # a gr.Progress closure cannot cross that process boundary
        result = _explain_on_device(depth, weights, str(model.device), str(path), None if on_zerogpu else progress, options)
        if key is not None:
            with self._lock:
                self._results[key] = result
                while len(self._results) > self._cache_size:
                    self._results.popitem(last=False)
        return result

    def _device_args(self, model: LoadedModel) -> tuple[int, str, str]:
        """(depth, weights, device) naming `model` in a way that pickles across the GPU boundary."""
        return model.depth, ("random" if not model.pretrained else self.config.weights), str(model.device)

    def compare(self, path: str | Path, depths: list[int], *, progress: Progress | None = None, **options):
        """The photo through several depths (teach.compare): top-1, latency, size, CAM for each."""
        specs = []
        for i, depth in enumerate(sorted(set(int(d) for d in depths))):
            if progress is not None:
                progress(i / max(len(depths), 1), f"Loading ResNet-{depth}")
            specs.append(self._device_args(self.model(depth, progress=progress)))
        return _compare_on_device(specs, str(path), options)

    def gradient_flow(self, path: str | Path, depth: int, *, progress: Progress | None = None):
        """Gradient norms per block, residual vs plain, trained (when available) and at initialisation."""
        model = self.model(depth, progress=progress)
        trained = self._device_args(model) if model.pretrained else None
        return _gradient_flow_on_device(trained, (depth, "random", str(model.device)), str(path))

    def _cache_key(self, path: str | Path, model: LoadedModel, options: dict) -> tuple | None:
        path = Path(path)
        try:
            if path.stat().st_size not in self._example_sizes:
                return None  # not an example: skip hashing what may be a 25 MB upload
        except OSError:
            return None
        digest = _file_hash(path)
        if digest not in self._example_hashes:
            return None  # only the bundled examples: uploads are private and rarely repeat
        return (digest, model.depth, model.weights, str(model.device), tuple(sorted(options.items())))


def _file_hash(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


@gpu_task(duration=60)
def _explain_on_device(
    depth: int, weights: str, device: str, path: str, progress: Callable[[float, str], None] | None, options: dict
) -> Explanation:
    """The GPU work of one request (a ZeroGPU task on Spaces; a plain call elsewhere).

    Takes and returns only picklable values; the model comes from the engine's cache, which a
    ZeroGPU worker inherits from the main process that loaded it.
    """
    model = load_model(depth, weights=weights, device=device)
    return explain(model, path, progress=progress, **options)


@gpu_task(duration=120)
def _compare_on_device(specs: list[tuple[int, str, str]], path: str, options: dict):
    from .teach.compare import compare_depths

    models = [load_model(depth, weights=weights, device=device) for depth, weights, device in specs]
    return compare_depths(models, path, **options)


@gpu_task(duration=60)
def _gradient_flow_on_device(trained: tuple[int, str, str] | None, random: tuple[int, str, str], path: str):
    from .teach.gradflow import gradient_flow

    def load(spec):
        depth, weights, device = spec
        return load_model(depth, weights=weights, device=device)

    return gradient_flow(load(trained) if trained else None, load(random), path)
