"""Turn whatever a user uploads into an RGB photo the model can read, or say clearly why not.

Pure PIL and numpy (no torch), so the web app can use it to check uploads cheaply. Handles
every PIL mode a camera, scanner or editor produces (1, L, LA, P with transparency, RGBA, CMYK,
16-bit and float greyscale), EXIF orientation and animated files (first frame); transparency is
composited on white. Refuses, with an `ImageError` a student can read, files that are not
images, damaged files, images too small to mean anything, images over a pixel limit
(decompression bombs are refused from the header, before anything is decoded) and shapes no
camera makes (a 600000×32 strip would become millions of pixels wide once its short side is
scaled up to the model's 256).

Work is bounded by what the caller needs: `prepare_image(..., min_short_side=N)` decodes a large
JPEG at 1/2, 1/4 or 1/8 scale (libjpeg's DCT scaling, PIL's `draft`) and box-reduces any other
large image, so that its short side stays at least N but not much more. A 12 MP phone photo is
then decoded in a third of the time and kept at a tenth of the memory.
"""

from __future__ import annotations

import io
import math
import os
from typing import BinaryIO, Union

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import ImageError

MIN_SIDE = 32
"""Shorter side, in pixels, below which a photo holds too little to classify."""
MAX_PIXELS = 50_000_000
"""Largest photo accepted (50 megapixels: a 48 MP phone photo passes, a decompression bomb does not)."""
MAX_FILE_MB = 25
"""Largest file accepted, in MB (2**20 bytes): also the web page's upload limit (ui/layout.py) and what a
refused paste is told to stay under (ui/uploads.py)."""
MAX_FILE_BYTES = MAX_FILE_MB * 2**20
"""Largest file accepted, in bytes."""
MAX_ASPECT = 20.0
"""Largest ratio of long side to short side (a wide phone panorama is about 8:1)."""
Image.init()  # register every plugin PIL has, so the filter below sees them all
READABLE_FORMATS = tuple(f for f in ("JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF", "AVIF") if f in Image.OPEN)
"""Formats PIL may try (JPEG covers phones' MPO); others (EPS, PSD, ...) are refused, not half-supported."""

ImageSource = Union[Image.Image, str, os.PathLike, bytes, BinaryIO]

_FORMAT_HINT = "Please upload a photo as JPEG, PNG, WebP, GIF, BMP or TIFF."


def open_image(source: str | os.PathLike | bytes | BinaryIO, *, max_bytes: int = MAX_FILE_BYTES) -> Image.Image:
    """Open a file, bytes or stream as a PIL image without decoding its pixels yet.

    The content is read into memory first (it is at most `max_bytes`), so no file handle
    outlives this call and a file being replaced under us cannot confuse PIL.
    """
    data = _read_bytes(source, max_bytes)
    if not data:
        raise ImageError("The file is empty. " + _FORMAT_HINT, reason="empty")
    head = data[:512].lstrip().lower()
    if head.startswith(b"<svg") or (head.startswith(b"<?xml") and b"<svg" in data[:4096].lower()):
        raise ImageError("SVG drawings cannot be read; export the drawing as a PNG and upload that.", reason="svg")
    try:
        image = Image.open(io.BytesIO(data), formats=READABLE_FORMATS)
    except Image.DecompressionBombError as exc:
        raise _too_many_pixels(exc) from exc
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise ImageError("This file is not an image this app can read. " + _FORMAT_HINT, reason="unreadable") from exc
    _check_size(image.size)
    return image


def _read_bytes(source: str | os.PathLike | bytes | BinaryIO, max_bytes: int) -> bytes:
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
    elif isinstance(source, (str, os.PathLike)):
        try:
            size = os.path.getsize(source)
            if size > max_bytes:
                raise _file_too_large(size, max_bytes)
            with open(source, "rb") as file:
                data = file.read(max_bytes + 1)
        except FileNotFoundError as exc:
            raise ImageError(f"No such file: {os.fspath(source)!r}.", reason="missing") from exc
        except IsADirectoryError as exc:
            raise ImageError(f"{os.fspath(source)!r} is a folder, not an image file.", reason="folder") from exc
    elif hasattr(source, "read"):
        data = source.read(max_bytes + 1)
    else:
        raise TypeError(f"expected a PIL image, a path, bytes or a binary file; got {type(source).__name__}")
    if len(data) > max_bytes:
        raise _file_too_large(len(data), max_bytes)
    return data


def _file_too_large(size: int, max_bytes: int) -> ImageError:
    mb, limit = round(size / 2**20, 1), round(max_bytes / 2**20)
    return ImageError(f"The file is {mb:.1f} MB; the limit is {limit} MB. Please upload a smaller photo.",
                      reason="file_too_large", mb=mb, limit=limit)


def _too_many_pixels(detail: object, width: int = 0, height: int = 0) -> ImageError:
    """Over MAX_PIXELS; `width`/`height` 0 where PIL refused before saying the size (a decompression bomb)."""
    limit = round(MAX_PIXELS / 1e6)
    return ImageError(f"This image is too large ({detail}); the limit is {limit} megapixels. "
                      "Please resize it or upload a smaller photo.",
                      reason="too_many_pixels" if width else "too_many_pixels_unknown", width=width, height=height,
                      limit=limit)


def _check_size(size: tuple[int, int]) -> None:
    width, height = size
    if width * height > MAX_PIXELS:
        raise _too_many_pixels(f"{width}×{height} pixels", width, height)
    if min(width, height) < MIN_SIDE:
        raise ImageError(
            f"This image is only {width}×{height} pixels; the network needs at least "
            f"{MIN_SIDE} pixels on each side to see anything. Please upload a larger photo.",
            reason="too_small", width=width, height=height, min_side=MIN_SIDE,
        )
    if max(width, height) > MAX_ASPECT * min(width, height):
        raise ImageError(
            f"This image ({width}×{height} pixels) is refused, not shrunk: it is more than {MAX_ASPECT:.0f} times "
            "wider than it is tall (or taller than wide), a shape no camera makes. Please crop it and upload it again.",
            reason="too_elongated", width=width, height=height, aspect=round(MAX_ASPECT),
        )


def prepare_image(source: ImageSource, *, min_short_side: int | None = None) -> Image.Image:
    """Return an upright RGB version of `source` (PIL image, path, bytes or stream), size-checked.

    min_short_side: when set and the image is larger, it is decoded at reduced scale (JPEG) or
    box-reduced by an integer factor (any format) so that its shorter side stays at least this
    many pixels; None keeps the full resolution. An image that is already upright RGB at the
    wanted size is returned as is (no copy: photos can be large). Raises `ImageError` for
    anything the user should fix (unreadable, damaged, too small, too large, a shape no camera
    makes) and `TypeError` / `ValueError` for wrong arguments.
    """
    if min_short_side is not None and (isinstance(min_short_side, bool) or not isinstance(min_short_side, int)
                                       or min_short_side < MIN_SIDE):
        raise ValueError(f"min_short_side must be None or an int of at least {MIN_SIDE}; got {min_short_side!r}")
    image = source if isinstance(source, Image.Image) else open_image(source)
    _check_size(image.size)  # from the header: nothing decoded yet
    try:
        if getattr(image, "is_animated", False):
            image.seek(0)  # animated GIF / WebP / APNG: the first frame
        if min_short_side is not None and image.format in ("JPEG", "MPO"):
            image.draft(None, _scaled(image.size, min_short_side))  # libjpeg decodes at 1/2, 1/4 or 1/8
        image.load()
    except Image.DecompressionBombError as exc:
        raise _too_many_pixels(exc) from exc
    except (OSError, ValueError, SyntaxError) as exc:  # PIL's errors for truncated or corrupt data
        raise ImageError("The image file is damaged or incomplete and could not be decoded. Please upload it again.",
                         reason="damaged") from exc
    image = _upright(image)
    rgb = image if image.mode == "RGB" else _to_rgb(image)
    if min_short_side is not None and (factor := min(rgb.size) // min_short_side) > 1:
        rgb = rgb.reduce(factor)  # box average over factor×factor pixels: fast, no aliasing
    _check_size(rgb.size)
    return rgb


def _scaled(size: tuple[int, int], min_short_side: int) -> tuple[int, int]:
    """`size` scaled so that its shorter side is `min_short_side` (never enlarged)."""
    scale = min(1.0, min_short_side / min(size))
    return max(1, math.ceil(size[0] * scale)), max(1, math.ceil(size[1] * scale))


def _upright(image: Image.Image) -> Image.Image:
    """Apply the EXIF orientation tag (phones store photos sideways and set this tag)."""
    try:
        if image.getexif().get(0x0112, 1) == 1:
            return image
        return ImageOps.exif_transpose(image)
    except Exception:  # malformed EXIF must not cost the user their photo: keep it as stored
        return image


def _to_rgb(image: Image.Image) -> Image.Image:
    mode = image.mode
    if mode in ("I", "I;16", "I;16L", "I;16B", "I;16N", "F"):
        return Image.fromarray(_to_uint8(np.asarray(image), mode)).convert("RGB")
    has_alpha = mode in ("RGBA", "LA", "PA", "RGBa", "La") or (mode == "P" and "transparency" in image.info)
    try:
        if has_alpha:
            rgba = image.convert("RGBA")
            white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
            return Image.alpha_composite(white, rgba).convert("RGB")
        return image.convert("RGB")
    except ValueError as exc:
        raise ImageError(f"Images in colour mode {mode} are not supported. Please save it as an RGB photo.",
                         reason="colour_mode", mode=mode) from exc


def _to_uint8(values: np.ndarray, mode: str) -> np.ndarray:
    """Map 16-bit, 32-bit or float greyscale to 0..255 by its nominal range, else its own range."""
    values = np.nan_to_num(values.astype(np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    low, high = float(values.min()), float(values.max())
    if mode == "F" and 0.0 <= low and high <= 1.0:
        scaled = values * 255.0
    elif mode != "F" and 0.0 <= low and high <= 255.0 and not mode.startswith("I;16"):
        scaled = values
    elif mode != "F" and 0.0 <= low and high <= 65535.0:
        scaled = values / 257.0  # 16-bit: 65535 -> 255
    else:
        scaled = (values - low) / (high - low) * 255.0 if high > low else np.zeros_like(values)
    return np.clip(np.rint(scaled), 0, 255).astype(np.uint8)


def crop_box(size: tuple[int, int], resize_size: int, crop_size: int) -> tuple[float, float, float, float]:
    """The region of a `size` (width, height) photo that resize-shorter-side + centre-crop keeps.

    Mirrors torchvision's `resize` (shorter side to `resize_size`, longer side truncated) and
    `center_crop` (rounded offsets) and maps the crop back to the photo's own pixels, so an
    overlay can be drawn on exactly what the network saw. Returns (left, top, right, bottom).
    """
    width, height = size
    short, long = (width, height) if width <= height else (height, width)
    new_short, new_long = resize_size, int(resize_size * long / short)
    new_w, new_h = (new_short, new_long) if width <= height else (new_long, new_short)
    left = int(round((new_w - crop_size) / 2.0))
    top = int(round((new_h - crop_size) / 2.0))
    sx, sy = width / new_w, height / new_h
    return (left * sx, top * sy, (left + crop_size) * sx, (top + crop_size) * sy)
