"""torchvision's DEFAULT ImageNet weights for each depth, and getting their files onto this machine.

Downloads go to torch's own cache (`$TORCH_HOME/hub/checkpoints/<torchvision's file name>`), so a
file prefetched by `python -m resnet_demo download`, by torchvision itself, or copied there by
hand is found without the network. `download` is `torch.hub.download_url_to_file` (temporary
file, SHA-256 prefix from the file name) plus a progress callback the web app can show.
"""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from pathlib import Path
from typing import Any
from urllib.error import URLError
from urllib.parse import urlparse
from urllib.request import Request, urlopen

import torch
import torchvision
from torchvision.models import WeightsEnum

from .errors import WeightsUnavailableError
from .lanes import Progress

DEPTHS: tuple[int, ...] = (18, 34, 50, 101, 152)
"""The depths torchvision ships ImageNet weights for; each is `torchvision.models.resnet{depth}`."""

_HASH_IN_NAME = re.compile(r"-([a-f0-9]+)\.")  # torch.hub's convention: name-<sha256 prefix>.pth


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
        raise WeightsUnavailableError(_unavailable_message(depth, path, short_reason(exc))) from exc
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


def short_reason(exc: BaseException) -> str:
    """The first line of an exception's message, for messages users read (torch's can run long)."""
    lines = str(exc).strip().splitlines()
    return (lines[0] if lines else type(exc).__name__)[:200]
