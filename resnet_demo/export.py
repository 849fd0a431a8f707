"""Write an explanation to files: result.json, arrays.npz and the pictures, each written once, atomically.

Shared by the command line (`python -m resnet_demo explain ... --out DIR`) and the web app's
downloads, so both produce the same files. Every file is written under a temporary name and
then renamed (`os.replace`), so a reader (a browser downloading it) never sees half a file,
even while another request writes a file of the same name elsewhere. Pictures are JPEG: a photo
with a heat map at quality 90, a feature-map grid at quality 95 without chroma subsampling (its
sharp tile edges and labels stay crisp: next to the PNG it differs by under one level on average,
invisible at 3× zoom, and encodes five times faster); diagrams and charts stay PNG.
"""

from __future__ import annotations

import io
import json
import os
import uuid
from pathlib import Path

import numpy as np
from PIL import Image

from .class_names import chinese_name
from .display import Display
from .explanation import Explanation
from .render import Panels, render_panels

Encoding = tuple[str, dict]
PHOTO: Encoding = ("JPEG", {"quality": 90})  # photos with a heat map: lossless would add nothing visible
MAPS: Encoding = ("JPEG", {"quality": 95, "subsampling": 0})  # feature maps: full colour resolution
LOSSLESS: Encoding = ("PNG", {"compress_level": 1})  # diagrams, text: lossless, fast zlib
FORMATS: dict[str, Encoding] = {".jpg": PHOTO, ".png": LOSSLESS}
"""How a file is encoded by default, by its extension."""


def encode_image(image: Image.Image, suffix: str, encoding: Encoding | None = None) -> bytes:
    """`image` encoded as `encoding`, by default the one its file suffix names (see `FORMATS`)."""
    if encoding is None:
        try:
            encoding = FORMATS[suffix.lower()]
        except KeyError:
            raise ValueError(f"suffix must be one of {list(FORMATS)}; got {suffix!r}") from None
    fmt, options = encoding
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


def save_image(image: Image.Image, path: Path, encoding: Encoding | None = None) -> Path:
    """Encode `image` (by default as `path`'s suffix says) and write it atomically."""
    return write_atomic(path, encode_image(image, path.suffix, encoding))


def panel_files(panels: Panels) -> dict[str, tuple[Image.Image, Encoding]]:
    """Every panel of an explanation as file name -> (picture, encoding): one naming for app and CLI."""
    files = {"overlay.jpg": (panels.overlay, PHOTO), "cam_strip.jpg": (panels.cam_strip, PHOTO)}
    files.update({f"features_{name}.jpg": (image, MAPS) for name, image in panels.features.items()})
    if panels.block is not None:
        files["block.png"] = (panels.block, LOSSLESS)
    return files


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


def _both_names(entry: dict) -> dict:
    """A class entry of the summary with our Chinese name beside torchvision's English `label`
    (null when the weights' labels are not the ImageNet ones our list was written for)."""
    return {**entry, "label_zh": chinese_name(entry["index"], entry["label"])}


def save_json(r: Explanation, path: Path) -> Path:
    """`r.summary()` as JSON, every class named in English (`label`) and Chinese (`label_zh`), whoever asked."""
    summary = r.summary()
    summary["target"] = _both_names(summary["target"])
    summary["predictions"] = [_both_names(p) for p in summary["predictions"]]
    return write_atomic(path, json.dumps(summary, indent=2, ensure_ascii=False).encode("utf-8"))


def write_outputs(
    r: Explanation, out_dir: str | Path, *, panels: Panels | None = None, alpha: float = 0.5
) -> dict[str, Path]:
    """Write every file of `r` into `out_dir` (created if needed); returns name -> path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    panels = panels or render_panels(Display.of(r), alpha=alpha, block_maps=r.block_maps)
    files = {"result.json": save_json(r, out / "result.json"), "arrays.npz": save_arrays(r, out / "arrays.npz")}
    for name, (image, encoding) in panel_files(panels).items():
        files[name] = save_image(image, out / name, encoding)
    return files
