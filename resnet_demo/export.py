"""Write an explanation to files: result.json, arrays.npz and the pictures, each written once, atomically.

Shared by the command line (`python -m resnet_demo explain ... --out DIR`) and the web app's
downloads, so both produce the same files. Every file is written under a temporary name and
then renamed (`os.replace`), so a reader (a browser downloading it) never sees half a file,
even while another request writes a file of the same name elsewhere. Pictures that hold a
photo are JPEG (fast to encode, a tenth of a PNG's size); everything else stays lossless.
"""

from __future__ import annotations

import io
import json
import os
import uuid
from pathlib import Path

import numpy as np
from PIL import Image

from .display import Display
from .explanation import Explanation
from .render import Panels, render_panels

FORMATS: dict[str, tuple[str, dict]] = {
    ".jpg": ("JPEG", {"quality": 90}),  # photos with a heat map: lossless would add nothing visible
    ".png": ("PNG", {"compress_level": 1}),  # crisp pixels (feature maps, text): lossless, fast zlib
}
"""How each file extension is encoded."""


def encode_image(image: Image.Image, suffix: str) -> bytes:
    """`image` encoded as the format its file suffix names (see `FORMATS`)."""
    try:
        fmt, options = FORMATS[suffix.lower()]
    except KeyError:
        raise ValueError(f"suffix must be one of {list(FORMATS)}; got {suffix!r}") from None
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def write_atomic(path: Path, data: bytes) -> Path:
    """Write `data` to `path` through a temporary file and a rename: readers see all of it or nothing."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def save_image(image: Image.Image, path: Path) -> Path:
    """Encode `image` by `path`'s suffix and write it atomically."""
    return write_atomic(path, encode_image(image, path.suffix))


def save_arrays(r: Explanation, path: Path) -> Path:
    """Stage activations (`stage/<name>`), CAMs (`cam/<stage>`) and block maps into one .npz."""
    arrays = {f"stage/{name}": a for name, a in r.stages.items()}
    arrays.update({f"cam/{name}": c for name, c in r.cams_by_stage.items()})
    if r.block_maps is not None:
        for part in ("identity", "residual", "output"):
            arrays[f"block/{r.block_maps.stage}.{r.block_maps.index}/{part}"] = getattr(r.block_maps, part)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return write_atomic(path, buffer.getvalue())


def save_json(r: Explanation, path: Path) -> Path:
    return write_atomic(path, json.dumps(r.summary(), indent=2, ensure_ascii=False).encode("utf-8"))


def write_outputs(
    r: Explanation, out_dir: str | Path, *, panels: Panels | None = None, alpha: float = 0.5
) -> dict[str, Path]:
    """Write every file of `r` into `out_dir` (created if needed); returns name -> path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    panels = panels or render_panels(Display.of(r), alpha=alpha, block_maps=r.block_maps)
    files = {"result.json": save_json(r, out / "result.json"), "arrays.npz": save_arrays(r, out / "arrays.npz")}
    images = {"overlay.jpg": panels.overlay, "cam_strip.jpg": panels.cam_strip}
    images.update({f"features_{name}.png": img for name, img in panels.features.items()})
    if panels.block is not None:
        images["block.png"] = panels.block
    for name, image in images.items():
        files[name] = save_image(image, out / name)
    return files
