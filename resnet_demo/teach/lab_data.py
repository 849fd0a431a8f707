"""Training images for the degradation lab: CIFAR-10 when it can be had, else a generated set.

CIFAR-10 lives in torch's cache, beside the hub (`$TORCH_HOME/datasets/cifar10`). When it is
missing it is downloaded once (163 MB) with `weights.download` (streaming, progress callback),
its MD5 checked against torchvision's, and `torchvision.datasets.CIFAR10(root, download=True)`
then only verifies and extracts it: its own downloader finds the archive in place and never
goes to the network.

Offline, `kind="auto"` falls back to a generated set: ten classes of textures and shapes
(stripes at three angles, a checkerboard, disc, ring, square, square frame, plus, X), each image
with random colours, position, size, stripe period, a slight rotation, a light gradient and
Gaussian noise. Deterministic by seed, balanced, no download. It is learnable but not trivial
(measured at 16×16 on 10,000 images, batch 64, lr 0.02: ResNet-20's training error is 34% after
300 steps and 1% after 2000; plain-20 needs ~1000 steps to get below 12%): thin rings, frames and
crosses under noise take a while. It is a stand-in that shows the same optimisation effect, not
CIFAR-10: the data set in use is always named (`LabData.kind`, with its size and, after a fallback,
`LabData.fallback`: facts the UI words; `LabData.description` is the English line for the CLI).

Images are kept as uint8 (N, 3, S, S); `normalise` turns a batch into float with the set's
per-channel mean and standard deviation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from urllib.error import URLError

import torch
import torch.nn.functional as F
import torchvision
from torch import Tensor
from torchvision.datasets.utils import check_integrity

from ..errors import DemoError
from ..lanes import Progress
from ..weights import download, short_reason

DATA_KINDS: tuple[str, ...] = ("auto", "cifar10", "generated")
"""`load_lab_data` kinds: "auto" (CIFAR-10 if it can be had, else generated), or one of the two."""
GENERATED_CLASSES: tuple[str, ...] = (
    "horizontal stripes", "vertical stripes", "diagonal stripes", "checkerboard", "disc",
    "ring", "square", "square frame", "plus", "X",
)
"""The ten classes of the generated set, in label order."""
CIFAR10_SIZE = 32
CIFAR10_TRAIN_IMAGES = 50_000
_CIFAR = torchvision.datasets.CIFAR10  # its url, filename and MD5s are the reference


class DatasetUnavailableError(DemoError, RuntimeError):
    """CIFAR-10 was asked for but is not on this machine and could not be downloaded."""

    REASONS = ("offline", "damaged")  # not here and no download; here but its MD5 is wrong (then deleted)

    def __init__(self, reason: str, message: str) -> None:
        if reason not in self.REASONS:
            raise ValueError(f"reason must be one of {self.REASONS}; got {reason!r}")
        super().__init__(message)
        self.reason = reason  # a fact the UI words; the message is the English one for the CLI


@dataclass(frozen=True)
class LabData:
    """A training set of 10 classes, as uint8 images, with the statistics to normalise it."""

    images: Tensor  # (N, 3, S, S) uint8
    labels: Tensor  # (N,) int64 in 0..9
    classes: tuple[str, ...]  # the 10 class names, in label order
    kind: str  # "cifar10" or "generated": what these images are
    count: int  # how many training images
    image_size: int  # their side in pixels
    fallback: str | None  # why CIFAR-10 was not used where "auto" fell back (a DatasetUnavailableError's reason)
    mean: tuple[float, float, float]  # per-channel mean of images / 255
    std: tuple[float, float, float]  # per-channel standard deviation of images / 255

    @property
    def description(self) -> str:
        """One English line (the CLI's): what the data is, and why after a fallback (the UI words the facts)."""
        if self.kind == "cifar10":
            return f"CIFAR-10 training set: {self.count} photos, {self.image_size}×{self.image_size} pixels"
        text = f"generated textures and shapes: {self.count} images in 10 classes, {self.image_size}×{self.image_size} pixels"
        return text + (f" (CIFAR-10 could not be had: {self.fallback})" if self.fallback else "")


def cifar10_root() -> Path:
    """Where CIFAR-10 is cached: `$TORCH_HOME/datasets/cifar10` (beside torch.hub's folder)."""
    return Path(torch.hub.get_dir()).parent / "datasets" / "cifar10"


def cifar10_ready() -> bool:
    """True when CIFAR-10 is extracted and intact under `cifar10_root()` (checks every file's MD5)."""
    root = cifar10_root()
    return all(check_integrity(str(root / _CIFAR.base_folder / name), md5)
               for name, md5 in _CIFAR.train_list + _CIFAR.test_list)


def fetch_cifar10(*, progress: Progress | None = None, timeout: float = 30.0) -> Path:
    """Make sure CIFAR-10 is extracted under `cifar10_root()`; download it first if needed.

    Returns the root. Raises `DatasetUnavailableError` (saying how to fix it) when the archive
    is missing and cannot be downloaded, or when the download is damaged (it is then deleted).
    """
    root = cifar10_root()
    if cifar10_ready():
        return root
    archive = root / _CIFAR.filename
    if not archive.is_file():
        try:
            download(_CIFAR.url, archive, progress=progress, timeout=timeout)
        except (URLError, OSError, ValueError) as exc:
            raise DatasetUnavailableError(
                "offline",
                f"CIFAR-10 ({_CIFAR.filename}, 163 MB) is not on this machine and could not be downloaded "
                f"({short_reason(exc)}). To fix it: run `python -m resnet_demo download --what cifar10` once "
                f"with internet access, or copy {_CIFAR.filename} into {root}; or use the generated data set."
            ) from exc
    if not check_integrity(str(archive), _CIFAR.tgz_md5):
        archive.unlink(missing_ok=True)
        raise DatasetUnavailableError(
            "damaged",
            f"{archive} was damaged (its MD5 is not CIFAR-10's) and has been deleted; download it again."
        )
    if progress is not None:
        progress(1.0, "Extracting CIFAR-10")
    _CIFAR(str(root), train=True, download=True)  # the archive is verified: torchvision only extracts
    return root


def _resize(images: Tensor, size: int) -> Tensor:
    """uint8 (N, 3, H, W) → uint8 (N, 3, size, size), antialiased, in chunks to bound memory."""
    if images.shape[-1] == size:
        return images
    out = torch.empty((images.shape[0], 3, size, size), dtype=torch.uint8)
    for start in range(0, images.shape[0], 4096):
        chunk = images[start:start + 4096].float()  # (n, 3, H, W)
        small = F.interpolate(chunk, size=(size, size), mode="bilinear", antialias=True, align_corners=False)
        out[start:start + 4096] = small.round().clamp(0, 255).to(torch.uint8)
    return out


def _load_cifar10(*, image_size: int, size: int | None, seed: int, progress: Progress | None,
                  timeout: float) -> tuple[Tensor, Tensor, tuple[str, ...]]:
    if size is not None and size > CIFAR10_TRAIN_IMAGES:
        raise ValueError(f"size must be at most {CIFAR10_TRAIN_IMAGES} for CIFAR-10; got {size}")
    root = fetch_cifar10(progress=progress, timeout=timeout)
    dataset = _CIFAR(str(root), train=True, download=False)
    images = torch.from_numpy(dataset.data).permute(0, 3, 1, 2).contiguous()  # (50000, 3, 32, 32) uint8
    labels = torch.tensor(dataset.targets, dtype=torch.int64)  # (50000,)
    if size is not None:  # a seeded random subset (CIFAR-10's classes are balanced, so nearly is the subset)
        keep = torch.randperm(len(labels), generator=torch.Generator().manual_seed(seed))[:size]
        images, labels = images[keep], labels[keep]
    return _resize(images, image_size), labels, tuple(dataset.classes)


def _class_masks(labels: Tensor, u: Tensor, v: Tensor, g: torch.Generator) -> Tensor:
    """Foreground masks (n, S, S) in {0, 1}: one texture or shape per label, randomly placed."""
    n = len(labels)
    side = u.shape[-1]
    angle = (torch.rand(n, generator=g) - 0.5) * (math.pi / 6)  # ±15°: the three stripe angles stay apart
    angle = angle + torch.where(labels == 2, math.pi / 4, 0.0) + torch.where(labels == 9, math.pi / 4, 0.0)
    cx, cy = ((torch.rand(2, n, generator=g) - 0.5) * 0.8)  # centre in [-0.4, 0.4]
    radius = 0.3 + 0.3 * torch.rand(n, generator=g)  # half-size of a shape, in [0.3, 0.6]
    width = 0.12 + 0.08 * torch.rand(n, generator=g)  # stroke half-width of rings, frames, crosses
    period = 3.0 + 3.0 * torch.rand(n, generator=g)  # stripe period in pixels
    phase = 2 * math.pi * torch.rand(n, generator=g)
    cos, sin = torch.cos(angle)[:, None, None], torch.sin(angle)[:, None, None]
    du, dv = u - cx[:, None, None], v - cy[:, None, None]  # (n, S, S), relative to the centre
    a = cos * du + sin * dv  # rotated coordinates
    b = -sin * du + cos * dv
    wave = (2 * math.pi * side / 2 / period)[:, None, None]  # radians per unit of u
    ph = phase[:, None, None]
    r, box = torch.sqrt(a**2 + b**2), torch.maximum(a.abs(), b.abs())
    R, w = radius[:, None, None], width[:, None, None]
    masks = torch.stack([
        torch.sin(wave * b + ph) > 0,  # 0 horizontal stripes (constant along a)
        torch.sin(wave * a + ph) > 0,  # 1 vertical stripes
        torch.sin(wave * a + ph) > 0,  # 2 diagonal stripes (angle turned by 45°)
        torch.sin(wave * a + ph) * torch.sin(wave * b) > 0,  # 3 checkerboard
        r < R,  # 4 disc
        (r - R).abs() < w,  # 5 ring
        box < R,  # 6 square
        (box - R).abs() < w,  # 7 square frame
        ((a.abs() < w) & (b.abs() < R)) | ((b.abs() < w) & (a.abs() < R)),  # 8 plus
        ((a.abs() < w) & (b.abs() < R)) | ((b.abs() < w) & (a.abs() < R)),  # 9 X (a plus turned by 45°)
    ])  # (10, n, S, S)
    return masks[labels, torch.arange(n)].float()


def generate_textures(*, size: int, image_size: int, seed: int) -> tuple[Tensor, Tensor]:
    """`size` images (N, 3, S, S) uint8 and labels (N,): classes as balanced as N allows, shuffled.

    Deterministic for a given (size, image_size, seed); uses a private generator only.
    """
    g = torch.Generator().manual_seed(seed)
    labels = torch.arange(size) % len(GENERATED_CLASSES)
    labels = labels[torch.randperm(size, generator=g)]  # (N,)
    coords = (torch.arange(image_size) + 0.5) / image_size * 2 - 1  # pixel centres in [-1, 1]
    v, u = torch.meshgrid(coords, coords, indexing="ij")  # (S, S): v down, u right
    images = torch.empty((size, 3, image_size, image_size), dtype=torch.uint8)
    for start in range(0, size, 2048):
        lab = labels[start:start + 2048]
        n = len(lab)
        mask = _class_masks(lab, u, v, g)[:, None]  # (n, 1, S, S)
        fg = torch.rand(n, 3, 1, 1, generator=g)
        bg = (fg + 0.25 + 0.5 * torch.rand(n, 3, 1, 1, generator=g)) % 1.0  # each channel ≥ 0.25 away
        light = (torch.rand(n, 2, 1, 1, generator=g) - 0.5) * 0.4  # a soft illumination gradient
        noise = torch.randn(n, 3, image_size, image_size, generator=g) * (0.05 + 0.2 * torch.rand(n, 1, 1, 1,
                                                                                                generator=g))
        x = mask * fg + (1 - mask) * bg + light[:, :1] * u + light[:, 1:] * v + noise  # (n, 3, S, S)
        images[start:start + n] = (x.clamp(0, 1) * 255).round().to(torch.uint8)
    return images, labels


def _statistics(images: Tensor) -> tuple[tuple[float, ...], tuple[float, ...]]:
    x = images.double() / 255  # (N, 3, S, S)
    return tuple(x.mean((0, 2, 3)).tolist()), tuple(x.std((0, 2, 3)).tolist())


def load_lab_data(
    *,
    kind: str = "auto",
    image_size: int = CIFAR10_SIZE,
    size: int | None = None,
    seed: int = 0,
    progress: Progress | None = None,
    timeout: float = 30.0,
) -> LabData:
    """The lab's training set: CIFAR-10 ("cifar10"), the generated set ("generated"), or "auto".

    "auto" uses CIFAR-10 when it is cached or can be downloaded (`progress` reports the
    download), else the generated set, and says why in `fallback`. "cifar10" raises
    `DatasetUnavailableError` instead of falling back. `size`: how many training images (None:
    all 50,000 of CIFAR-10, or 50,000 generated); `image_size`: side in pixels (CIFAR-10's 32
    is resized with antialiasing). Same arguments, same data.
    """
    if kind not in DATA_KINDS:
        raise ValueError(f"kind must be one of {list(DATA_KINDS)}; got {kind!r}")
    if isinstance(image_size, bool) or not isinstance(image_size, int) or not 8 <= image_size <= 64:
        raise ValueError(f"image_size must be an int from 8 to 64; got {image_size!r}")
    if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 10):
        raise ValueError(f"size must be None or an int of at least 10; got {size!r}")
    reason = None
    if kind in ("auto", "cifar10"):
        try:
            images, labels, classes = _load_cifar10(image_size=image_size, size=size, seed=seed,
                                                    progress=progress, timeout=timeout)
        except DatasetUnavailableError as exc:
            if kind == "cifar10":
                raise
            reason = exc.reason
        else:
            mean, std = _statistics(images)
            return LabData(images, labels, classes, "cifar10", len(labels), image_size, None, mean, std)
    images, labels = generate_textures(size=size or CIFAR10_TRAIN_IMAGES, image_size=image_size, seed=seed)
    mean, std = _statistics(images)
    return LabData(images, labels, GENERATED_CLASSES, "generated", len(labels), image_size, reason, mean, std)


def normalise(images: Tensor, data: LabData) -> Tensor:
    """uint8 images (B, 3, S, S), on any device → float (B, 3, S, S) standardised per channel."""
    mean = torch.tensor(data.mean, device=images.device).view(1, 3, 1, 1)
    std = torch.tensor(data.std, device=images.device).view(1, 3, 1, 1)
    return (images.float() / 255 - mean) / std
