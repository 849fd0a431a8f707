"""What the web app asks of the engine: its weights policy, its two lanes of work, GPU tasks and caches.

* Weights. The engine raises when ImageNet weights cannot be had; the app's policy, decided
  here, is to keep serving on random weights and say so loudly (the UI's banner). A weights
  *file* the teacher named with --weights PATH is different: it is read when the app starts
  (`start`), serves the one depth whose architecture it fits, and a file that cannot be read
  or fits no ResNet stops the app with a message, instead of failing every request later.
* Lanes. Cheap requests (every CAM method but Score-CAM, the teaching views) run in the
  foreground and are counted by `gate`. Score-CAM runs in the slow lane (`score_cam`): one at a
  time, bounded to its strongest channels, taking the model's lock for one small batch at a
  time and waiting between batches while any cheap request is in flight (see `lanes.py`).
* GPU tasks. On a ZeroGPU Space each `_..._on_device` function is one GPU task, sized to its
  work by a duration function, with arguments and results that pickle (paths, numbers, numpy
  arrays, PIL images, dataclasses). Elsewhere they are plain calls.
* Cache. The bundled example photos' results are kept (lazily, after first use, for every
  visitor), keyed by the photo's content and every control. Each caller gets its own copy, so
  no caller can change what a later one is given.

No gradio here: the UI calls this module, this module calls the engine.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.request import Request, urlopen

import torch
from PIL import Image

if TYPE_CHECKING:
    from .teach.degradation import LabPoint

from . import zerogpu
from .cams import SCORE_CAM_CHANNELS, check_method
from .display import crop_photo
from .errors import DemoError, WeightsUnavailableError
from .explanation import DISPLAY_SIZE, Explanation, explain
from .images import crop_box, prepare_image
from .lanes import ForegroundGate, Progress, StopCheck
from .replicas import borrow
from .workers import Workers
from .zerogpu import gpu_task
from .zoo import (
    DEPTHS,
    WEIGHT_MODES,
    LoadedModel,
    checkpoint_path,
    default_weights,
    load_model,
    resolve_device,
    weights_file_depth,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

ASSETS = Path(__file__).resolve().parent.parent / "assets"
EXAMPLE_PHOTOS: tuple[Path, ...] = tuple(sorted(ASSETS.glob("*.jpg")))
ENGINE_THREAD = "resnet-engine"
ZEROGPU_LAB_SECONDS = 120.0
"""On ZeroGPU a lab run is one GPU task, charged to the visitor's daily quota: it trains at most this long."""


@dataclass(frozen=True)
class AppConfig:
    """How the app was started (see `app.py --help`)."""

    weights: str = "imagenet"  # imagenet | random | PATH of a state_dict (serves the depth it fits)
    device: str = "auto"
    preload: tuple[int, ...] = ()
    probe_network: bool = True  # check once at start whether downloads can work
    score_cam_channels: int = SCORE_CAM_CHANNELS  # Score-CAM's bound: the strongest N channels of the stage
    display_size: int = DISPLAY_SIZE  # photos are decoded just large enough to show their crop at this size
    engine_workers: int = 1  # CPU: requests whose model work runs at once (0: one per core, as torch counts them)


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
    """The engine as the app uses it: policy, lanes, caching and the GPU boundary."""

    def __init__(self, config: AppConfig, *, cache_size: int = 32) -> None:
        self.config = config
        self.state = WeightsState()
        self.gate = ForegroundGate()
        self.serving = ForegroundGate()  # whole requests in flight: model work *and* drawing (see `request`)
        self._lock = threading.Lock()
        self._slow_lane = threading.Lock()  # one Score-CAM at a time, whoever calls
        self._lab_lane = threading.Lock()  # one training run at a time
        self._threads = torch.get_num_threads()  # what PyTorch chose for this machine (its cores)
        if config.engine_workers < 0:
            raise ValueError(f"engine_workers must be 0 (one per core) or more; got {config.engine_workers}")
        self.engine_workers = config.engine_workers or self._threads
        # On a CPU, every request's torch work runs on these few threads (see `on_engine`).
        self._engine = Workers(self.engine_workers, prefix=ENGINE_THREAD)
        self._file_depth: int | None = None
        self._results: OrderedDict[tuple, Explanation] = OrderedDict()
        self._cache_size = cache_size
        self._example_sizes = {p.stat().st_size for p in EXAMPLE_PHOTOS}
        self._example_hashes = {_file_hash(p) for p in EXAMPLE_PHOTOS}

    # -- start-up ------------------------------------------------------------------------------

    def start(self, progress: Progress | None = None) -> None:
        """Run once at launch (never at import): check a weights file, probe the network, preload.

        Raises `WeightsUnavailableError` when --weights names a file that cannot be used.
        """
        if self.weights_file is not None:
            depth = self.file_depth()
            log.info("%s holds ResNet-%d weights; other depths use ImageNet weights.", self.weights_file, depth)
        if self.config.weights != "random" and self.config.probe_network:
            missing = [d for d in DEPTHS if self._wants_imagenet(d) and not checkpoint_path(d).is_file()]
            if missing and not _network_reachable(default_weights(missing[0]).url):
                self.state.offline = True
                log.warning("No network: depths without cached weights (%s) will run untrained.", missing)
        for depth in self.config.preload:
            self.model(depth, progress=progress)

    def close(self) -> None:
        """End the engine's workers once the work already queued on them is done (safe to call twice).

        A closed service refuses new model work (`on_engine` raises RuntimeError). Whoever made
        a service closes it when done (tests do, so engine threads never pile up across a run).
        """
        self._engine.shutdown(wait=True, cancel_futures=True)

    # -- models --------------------------------------------------------------------------------

    @property
    def weights_file(self) -> str | None:
        """The state_dict file named by --weights, if any."""
        return None if self.config.weights in WEIGHT_MODES else self.config.weights

    def file_depth(self) -> int:
        """The depth the --weights file fits (read once; raises WeightsUnavailableError if none)."""
        if self._file_depth is None:
            self._file_depth = weights_file_depth(self.config.weights)
        return self._file_depth

    def _wants_imagenet(self, depth: int) -> bool:
        if self.config.weights == "random":
            return False
        return self.weights_file is None or depth != self.file_depth()

    def weights_for(self, depth: int) -> str:
        """What `depth` runs on under the app's policy: "imagenet", "random" or the file's path."""
        if not self._wants_imagenet(depth):
            return self.config.weights  # "random", or the file that fits this depth
        if depth in self.state.untrained or (self.state.offline and not checkpoint_path(depth).is_file()):
            return "random"
        return "imagenet"

    def model(self, depth: int, progress: Progress | None = None) -> LoadedModel:
        """The model for `depth` under the app's weights policy (random when ImageNet can't be had)."""
        weights = self.weights_for(depth)
        try:
            return load_model(depth, weights=weights, device=self.config.device, progress=progress)
        except WeightsUnavailableError as exc:
            if weights != "imagenet":
                raise  # the teacher named a file: a problem to fix, not to hide
            return self._untrained(depth, str(exc))

    def _untrained(self, depth: int, reason: str) -> LoadedModel:
        with self._lock:
            if depth not in self.state.untrained:
                log.warning("ResNet-%d runs on random weights: %s", depth, reason)
            self.state.untrained[depth] = reason
        return load_model(depth, weights="random", device=self.config.device)

    def is_untrained(self, depth: int) -> bool:
        try:
            return self.weights_for(depth) == "random"
        except WeightsUnavailableError:
            return False  # a bad --weights file is an error shown on use, not an untrained network

    def labels(self) -> tuple[str, ...]:
        """The 1000 ImageNet labels (from torchvision's weights metadata; no model is loaded)."""
        return tuple(default_weights(50).meta["categories"])

    def _device_args(self, model: LoadedModel) -> tuple[int, str, str]:
        """(depth, weights, device) naming `model` in a way that pickles across the GPU boundary."""
        weights = "random" if not model.pretrained else self.weights_for(model.depth)
        return model.depth, weights, str(model.device)

    # -- the foreground lane -------------------------------------------------------------------

    def on_engine(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(*args)` on an engine worker (on a CPU), else right here.

        PyTorch's CPU kernels run on an OpenMP team that belongs to the calling thread; every web
        worker thread that calls the model would get a team of its own, and idle teams spin on the
        same cores. So on a CPU the requests' model work is queued to a few long-lived workers
        (one per core by default; a request alone always on the first, see `workers.py`), and
        `_engine_task` sizes each one's team so that together they never ask for more threads
        than there are cores. A GPU keeps the callers' threads.
        """
        if self.on_gpu or threading.current_thread().name.startswith(ENGINE_THREAD):
            return fn(*args)
        return self._engine.run(self._engine_task, fn, args)

    def _engine_task(self, fn: Callable[..., T], args: tuple) -> T:
        """One request's model work on an engine worker, with all the cores when it is alone.

        When other requests are in flight, the cores are shared out: each worker gets its share
        (one thread each with one worker per core), so the workers' teams add up to the cores and
        the other requests' drawing fills the gaps. A single worker keeps half the cores under
        load, leaving the rest to the drawing. The intra-op thread count is per calling thread in
        torch, so each worker sets its own, per request.
        """
        # `gate` counts requests in their model work only; a request drawing its pictures has left
        # it. With several workers, counting that one as absent gave the next request every core
        # while the other worker's team could start at once: two teams on two cores, spinning at
        # each other's barriers. So they count whole requests (`serving`, for callers that say so,
        # see `request`). One worker has no other team to meet and keeps every core then.
        alone = self.gate.active <= 1 and (self.engine_workers == 1 or self.serving.active <= 1)
        torch.set_num_threads(self._threads if alone else max(1, self._threads // max(self.engine_workers, 2)))
        return fn(*args)

    def request(self) -> AbstractContextManager[None]:
        """Mark one whole request (its model work and everything its caller does with the result,
        such as drawing) as in flight for the block, so the engine knows a request is not alone.

        A caller that draws after `explain_photo` wraps both in this; the model's thread count
        then follows the requests really in flight, not only those in the model.
        """
        return self.serving.foreground()

    def explain_photo(self, path: str | Path, *, progress: Progress | None = None, **options: Any) -> Explanation:
        """explain() for a photo file, in the foreground lane; example photos are cached lazily.

        A method that runs the model per channel (Score-CAM) is not computed here: the result
        has predictions and feature maps but no CAM, and `score_cam` computes the map.
        """
        options = dict(options)
        depth = options.pop("depth")
        method = options.get("method", "gradcam")
        if method is not None and check_method(method).runs_model:
            options["method"] = None
        options.setdefault("display_size", self.config.display_size)
        with self.gate.foreground():
            model = self.model(depth, progress=progress)  # load (or download) outside the GPU task
            key = self._cache_key(path, model, options)
            if key is not None:
                with self._lock:
                    if key in self._results:
                        self._results.move_to_end(key)
                        return copy.deepcopy(self._results[key])  # each caller its own: none can change the next's
            if model.device.type == "cpu" and not zerogpu.ON_ZEROGPU:
                result = self.on_engine(_explain_borrowed, model, str(path), options)
            else:
                result = self.on_engine(_explain_on_device, *self._device_args(model), str(path), options)
        if key is not None:
            with self._lock:
                self._results[key] = copy.deepcopy(result)
                while len(self._results) > self._cache_size:
                    self._results.popitem(last=False)
        return result

    def compare(self, path: str | Path, depths: list[int], *, progress: Progress | None = None, **options: Any):
        """The photo through several depths (teach.compare): top-1, latency, size, CAM for each."""
        with self.gate.foreground():
            specs = []
            for i, depth in enumerate(depths):
                if progress is not None:
                    progress(i / max(len(depths), 1), f"Loading ResNet-{depth}")
                specs.append(self._device_args(self.model(depth, progress=progress)))
            return self.on_engine(_compare_on_device, specs, str(path), options)

    def gradient_flow(self, path: str | Path, depth: int, *, progress: Progress | None = None):
        """Gradient norms per block, residual vs plain, trained (when available) and at initialisation."""
        with self.gate.foreground():
            model = self.model(depth, progress=progress)
            trained = self._device_args(model) if model.pretrained else None
            return self.on_engine(_gradient_flow_on_device, trained, (depth, "random", str(model.device)), str(path))

    # -- the slow lane -------------------------------------------------------------------------

    def score_cam(
        self,
        path: str | Path,
        *,
        depth: int,
        stage: str = "layer4",
        target: int | None = None,
        top_k: int = 5,
        progress: Progress | None = None,
        should_stop: StopCheck | None = None,
    ) -> Explanation:
        """Score-CAM of one stage, bounded to `config.score_cam_channels` channels, in the slow lane.

        One at a time per server; between batches it waits while cheap requests are in flight
        and checks `should_stop` (raising `lanes.Cancelled`). The model's lock is held for one
        batch at a time, so cheap requests for the same depth wait for one batch at most.
        """
        options = {"method": "scorecam", "stage": stage, "target": target, "top_k": top_k,
                   "max_channels": self.config.score_cam_channels, "display_size": self.config.display_size}
        model = self.model(depth, progress=progress)
        with self._slow_lane:
            if zerogpu.ON_ZEROGPU:  # one GPU task: callbacks cannot cross into its process
                return _score_cam_on_device(*self._device_args(model), str(path), options)
            return explain(model, path, progress=progress, should_stop=should_stop, pause=self.gate.wait_idle,
                           **options)

    def photo_crop(self, path: str | Path, depth: int) -> Image.Image:
        """The region of the photo that ResNet-`depth` sees (its centre crop), at the file's full resolution."""
        photo = prepare_image(path)
        transform = default_weights(depth).transforms()
        box = crop_box(photo.size, transform.resize_size[0], transform.crop_size[0])
        return crop_photo(photo, box, max(photo.size))  # never downscaled

    # -- the degradation lab (background lane) -------------------------------------------------

    @functools.cached_property
    def on_gpu(self) -> bool:
        """Whether this server computes on a CUDA GPU (the lab's GPU preset needs one)."""
        try:
            return resolve_device(self.config.device).type == "cuda"
        except DemoError:  # a device that is not here: the first request says so
            return False

    def lab(self, preset: str) -> Iterator[LabPoint]:
        """A degradation-lab run of `preset`, one per server at a time, yielding to cheap requests between steps.

        Closing the returned generator (the visitor pressed stop, or left) ends the run at its next
        report. On ZeroGPU the run is one GPU task of bounded duration, reported when it ends.
        """
        from .teach.degradation import PRESETS, run_lab

        if preset not in PRESETS:
            raise ValueError(f"preset must be one of {list(PRESETS)}; got {preset!r}")
        if preset != "cpu" and not self.on_gpu:
            raise ValueError(f"the {preset!r} preset needs a GPU; this server has none: use 'cpu'")
        with self._lab_lane:
            if zerogpu.ON_ZEROGPU:
                yield from _lab_on_device(preset, str(resolve_device(self.config.device)))
                return
            yield from run_lab(PRESETS[preset], device=self.config.device, pause=self.gate.wait_idle)


    # -- the example cache ---------------------------------------------------------------------

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


# ----------------------------------------------------------------------------------------------
# GPU tasks. Durations (seconds of a visitor's ZeroGPU quota reserved per call) are sized to the
# work: a model already on the GPU answers an explain in well under a second; the reservation
# also covers moving a model to the GPU on a worker's first call.


def _explain_seconds(depth: int, *args: Any) -> int:
    return 10 if depth <= 50 else 20


def _score_cam_seconds(depth: int, weights: str, device: str, path: str, options: dict) -> int:
    channels = options.get("max_channels") or 2048
    return 20 + channels * depth // 2000  # ResNet-152, 512 channels: about 60 s


def _compare_seconds(specs: list[tuple[int, str, str]], *args: Any) -> int:
    return 10 + sum(10 if depth <= 50 else 20 for depth, _, _ in specs)


def _gradient_flow_seconds(*args: Any) -> int:
    return 30


def _lab_seconds(preset: str, device: str) -> int:
    return int(ZEROGPU_LAB_SECONDS) + 30  # the run stops itself after ZEROGPU_LAB_SECONDS of training


def _explain_borrowed(model: LoadedModel, path: str, options: dict) -> Explanation:
    """A CPU request's model work on a copy of `model` nobody else is using (see `replicas.py`),
    so engine workers asking for the same depth at once do not queue for one model's lock."""
    with borrow(model) as free:
        return explain(free, path, **options)


@gpu_task(duration=_explain_seconds)
def _explain_on_device(depth: int, weights: str, device: str, path: str, options: dict) -> Explanation:
    """The GPU work of one request. The model comes from the engine's cache, which a ZeroGPU
    worker inherits from the main process that loaded it."""
    return explain(load_model(depth, weights=weights, device=device), path, **options)


@gpu_task(duration=_score_cam_seconds)
def _score_cam_on_device(depth: int, weights: str, device: str, path: str, options: dict) -> Explanation:
    return explain(load_model(depth, weights=weights, device=device), path, **options)


@gpu_task(duration=_compare_seconds)
def _compare_on_device(specs: list[tuple[int, str, str]], path: str, options: dict):
    from .teach.compare import compare_depths

    models = [load_model(depth, weights=weights, device=device) for depth, weights, device in specs]
    return compare_depths(models, path, **options)


@gpu_task(duration=_gradient_flow_seconds)
def _gradient_flow_on_device(trained: tuple[int, str, str] | None, random: tuple[int, str, str], path: str):
    from .teach.gradflow import gradient_flow

    def load(spec):
        depth, weights, device = spec
        return load_model(depth, weights=weights, device=device)

    return gradient_flow(load(trained) if trained else None, load(random), path)


@gpu_task(duration=_lab_seconds)
def _lab_on_device(preset: str, device: str) -> list:
    from .teach.degradation import PRESETS, run_lab

    config = PRESETS[preset]
    bound = min(config.max_seconds or ZEROGPU_LAB_SECONDS, ZEROGPU_LAB_SECONDS)
    return list(run_lab(dataclasses.replace(config, max_seconds=bound), device=device))


__all__ = ["EXAMPLE_PHOTOS", "AppConfig", "Service", "WeightsState"]
