"""The degradation lab: train plain and residual networks of two depths side by side, live.

He et al. (CVPR 2016, arXiv:1512.03385), Fig. 1: on CIFAR-10, with the same data and optimiser, a 56-layer *plain*
network ends with a higher *training* error than a 20-layer one, so the problem is optimisation,
not overfitting; Fig. 6: with identity shortcuts the 56-layer network is the better one.
`run_lab` reproduces that experiment at a scale this machine allows: every network
(`cifar_nets`, plain and residual with identical initial weights) takes the same SGD step on the
same batch, in the same order, and a `LabPoint` of plain numbers is yielded every
`report_every` steps.

What each point measures:

* training error: the fraction of images misclassified in the last `error_window` training
  batches, predicted by the very forward pass each step trains on (network in training mode,
  before that step's update): the running training error of training logs, free to compute. It
  trails the current weights by up to `error_window` steps; it is not an evaluation pass.
* loss: the mean cross-entropy over the same batches.
* gradient norms: ‖∂loss/∂(block output)‖, L2 over the whole (B, C, H, W) output of each block
  for the last step's batch (loss = mean cross-entropy over the batch), taken from the backward
  pass that trains the network. On networks that are learning this is the honest picture: with
  BatchNorm, gradients of deep plain networks do not vanish (the paper verified it too). In the
  recorded cpu run, plain-56's gradient at its first block is ~5× that at its last after 2000
  steps, while it still misclassifies 69% of its training batches: its gradients are healthy
  and it still does not learn, which is the degradation problem.

Presets (`PRESETS`) are sized to hardware; their comments say what they showed when measured.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F

from ..lanes import Progress
from ..zoo import resolve_device
from .cifar_nets import build_cifar_net
from .lab_config import PRESETS, LabConfig
from .lab_data import LabData, load_lab_data, normalise

__all__ = ["PRESETS", "STATUSES", "LabConfig", "LabPoint", "run_lab"]

_clock = time.perf_counter  # one name for the lab's clock (tests replace it)

STATUSES: tuple[str, ...] = ("running", "done", "stopped", "time_limit")
"""`LabPoint.status`: still training; all iterations done; `should_stop()` said so; `max_seconds` spent."""


@dataclass(frozen=True)
class LabPoint:
    """Where the lab stands after `iteration` steps: plain Python numbers, one entry per network."""

    iteration: int  # training steps every network has taken so far
    iterations: int  # steps planned (config.iterations)
    elapsed_s: float  # wall-clock seconds since the first step started, pauses included
    paused_s: float  # of elapsed_s, seconds not training: inside pause() or while the caller held a point
    iterations_per_s: float  # steps per second of training (pauses excluded)
    eta_s: float  # estimated seconds of training left (pauses excluded; bounded by max_seconds)
    lr: float  # learning rate of the last step
    window: int  # how many of the last steps `errors` and `losses` average (≤ config.error_window)
    errors: dict[str, float]  # network name ("plain-20", ...) → training error in [0, 1] over the window
    losses: dict[str, float]  # network name → mean cross-entropy over the window
    grad_norms: dict[str, tuple[float, ...]]  # network name → ‖∂loss/∂(block output)‖ per block, last step
    dataset: str  # "cifar10" or "generated"
    dataset_images: int  # LabData.count: how many training images
    dataset_size: int  # LabData.image_size: their side in pixels
    dataset_fallback: str | None  # LabData.fallback: why not CIFAR-10 ("offline", "damaged"), or None
    status: str = "running"  # one of STATUSES; anything but "running" marks the last point

    @property
    def final(self) -> bool:
        """True for the last point of a run."""
        return self.status != "running"


def _batches(n: int, batch_size: int, generator: torch.Generator) -> Iterator[torch.Tensor]:
    """Indices of successive batches: a fresh permutation per epoch, the last partial batch dropped."""
    while True:
        order = torch.randperm(n, generator=generator)  # (n,)
        for start in range(0, n - batch_size + 1, batch_size):
            yield order[start:start + batch_size]  # (B,)


def _augment(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """The paper's augmentation: pad 4 pixels with zeros, random crop back, random horizontal flip."""
    b, _, s, _ = x.shape  # (B, 3, S, S)
    offsets = torch.randint(0, 9, (2, b), generator=generator).to(x.device)  # top, left in 0..8
    flip = (torch.rand(b, generator=generator) < 0.5).to(x.device)
    padded = F.pad(x, (4, 4, 4, 4))  # (B, 3, S+8, S+8)
    span = torch.arange(s, device=x.device)
    rows = (offsets[0, :, None] + span)[:, :, None]  # (B, S, 1)
    cols = offsets[1, :, None] + torch.where(flip[:, None], s - 1 - span, span)  # (B, S)
    crop = padded[torch.arange(b, device=x.device)[:, None, None], :, rows, cols[:, None, :]]  # (B, S, S, 3)
    return crop.permute(0, 3, 1, 2)  # (B, 3, S, S)


def _lr_at(config: LabConfig, iteration: int) -> float:
    """Step schedule: lr / 10 while warming up, then lr × lr_decay at each milestone passed (fractions of the run)."""
    if iteration <= config.warmup_iterations:
        return config.lr / 10
    passed = sum(iteration > m * config.iterations for m in config.lr_milestones)
    return config.lr * config.lr_decay**passed


@dataclass
class _Net:
    """One network in training and what its last steps measured (tensors stay on the device)."""

    net: torch.nn.Module
    optimizer: torch.optim.Optimizer
    wrong: deque = field(default_factory=deque)  # misclassified images per step, (,) tensors
    loss: deque = field(default_factory=deque)  # mean loss per step, (,) tensors
    grad_norms: torch.Tensor | None = None  # (blocks,) at the last step

    def step(self, x: torch.Tensor, y: torch.Tensor, lr: float, window: int) -> None:
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        logits, outputs = self.net.forward_blocks(x)  # (B, 10), [(B, C, H, W)] * blocks
        for out in outputs:
            out.retain_grad()  # the backward that trains also fills ∂loss/∂(block output)
        loss = F.cross_entropy(logits, y)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        self.grad_norms = torch.stack([torch.linalg.vector_norm(out.grad) for out in outputs])  # (blocks,)
        self.wrong.append((logits.detach().argmax(1) != y).sum())
        self.loss.append(loss.detach())
        while len(self.wrong) > window:
            self.wrong.popleft()
            self.loss.popleft()


def _build(config: LabConfig, device: torch.device) -> dict[str, _Net]:
    nets = {}
    for variant in config.variants:
        for depth in config.depths:
            net = build_cifar_net(depth=depth, variant=variant, seed=config.seed).to(device)
            optimizer = torch.optim.SGD(net.parameters(), lr=config.lr, momentum=config.momentum,
                                        weight_decay=config.weight_decay)
            nets[net.name] = _Net(net, optimizer)
    return nets


def run_lab(
    config: LabConfig,
    *,
    device: str | torch.device = "cpu",
    should_stop: Callable[[], bool] | None = None,
    pause: Callable[[], None] | None = None,
    progress: Progress | None = None,
    data: LabData | None = None,
) -> Iterator[LabPoint]:
    """Train every network of `config` side by side; yield a `LabPoint` every `report_every` steps.

    `pause()` is called before each step (the app blocks in it to let other requests go first).
    `should_stop()` is checked after each step, and so is `config.max_seconds` (training time;
    time in pause() and time the caller spends with a yielded point do not count): either ends
    the run after one last point, whose `status` says why, and the generator returns.
    `progress` reports a CIFAR-10 download. `data` skips loading (tests, repeated runs); it must
    be 10-class data of `config.image_size`. Neither the global RNG nor torch's thread count is
    touched.
    """
    if not isinstance(config, LabConfig):
        raise TypeError(f"config must be a LabConfig (see PRESETS); got {type(config).__name__}")
    dev = resolve_device(device)
    if data is None:
        data = load_lab_data(kind=config.data, image_size=config.image_size, size=config.train_size,
                             seed=config.seed, progress=progress)
    if data.images.shape[-1] != config.image_size or len(data.classes) != 10:
        raise ValueError(f"data must hold 10 classes of {config.image_size}-pixel images (config.image_size); "
                         f"got {len(data.classes)} classes of {data.images.shape[-1]} pixels")
    if len(data.labels) < config.batch_size:
        raise ValueError(f"data holds {len(data.labels)} images, fewer than batch_size={config.batch_size}")
    images, labels = data.images.to(dev), data.labels.to(dev)  # (N, 3, S, S) uint8, (N,)
    nets = _build(config, dev)
    generator = torch.Generator().manual_seed(config.seed)  # batch order and augmentation, shared by all
    batches = _batches(len(labels), config.batch_size, generator)
    start = _clock()
    paused = 0.0
    for iteration in range(1, config.iterations + 1):
        if pause is not None:
            t = _clock()
            pause()
            paused += _clock() - t
        index = next(batches).to(dev)  # (B,)
        x = normalise(images[index], data)  # (B, 3, S, S) float
        if config.augment:
            x = _augment(x, generator)
        y = labels[index]  # (B,)
        lr = _lr_at(config, iteration)
        for entry in nets.values():  # the same batch for every network, one after the other
            entry.step(x, y, lr, config.error_window)
        training = _clock() - start - paused
        if iteration == config.iterations:
            status = "done"
        elif should_stop is not None and should_stop():
            status = "stopped"
        elif config.max_seconds is not None and training >= config.max_seconds:
            status = "time_limit"
        else:
            status = "running"
        if status != "running" or iteration % config.report_every == 0:
            t = _clock()
            yield _point(config, data, nets, iteration=iteration, lr=lr, elapsed=training + paused, paused=paused,
                         status=status)
            paused += _clock() - t  # the caller's time with the point is not training either
        if status != "running":
            return


def _point(config: LabConfig, data: LabData, nets: dict[str, _Net], *, iteration: int, lr: float,
           elapsed: float, paused: float, status: str) -> LabPoint:
    training = max(elapsed - paused, 1e-9)
    rate = iteration / training
    eta = 0.0 if status != "running" else (config.iterations - iteration) / rate
    if config.max_seconds is not None:
        eta = min(eta, max(config.max_seconds - training, 0.0))
    window = len(next(iter(nets.values())).wrong)
    return LabPoint(
        iteration=iteration,
        iterations=config.iterations,
        elapsed_s=elapsed,
        paused_s=paused,
        iterations_per_s=rate,
        eta_s=eta,
        lr=lr,
        window=window,
        errors={name: float(torch.stack(list(n.wrong)).sum()) / (window * config.batch_size)
                for name, n in nets.items()},
        losses={name: float(torch.stack(list(n.loss)).mean()) for name, n in nets.items()},
        grad_norms={name: tuple(n.grad_norms.double().tolist()) for name, n in nets.items()},
        dataset=data.kind,
        dataset_images=data.count,
        dataset_size=data.image_size,
        dataset_fallback=data.fallback,
        status=status,
    )



