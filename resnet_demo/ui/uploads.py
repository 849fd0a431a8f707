"""Which files a request may make the server read: only what the server itself handed out.

A visitor names its photo by a path in the request (`{"path": ...}`). The page only ever sends
paths of files it uploaded to Gradio's upload folder, but the HTTP API accepts anything: an
absolute path, `../..`, a symlink, a `file://` URL. Gradio checks paths only in payloads that
carry its FileData marker, so every path is checked again here, after resolving it: it must
lie inside one of the server's own folders or be one of the bundled example photos. Every
refusal is the same `UploadRefused`, whatever the reason (missing, a folder, outside), so the
answer tells a visitor nothing about the server's files.

Pasted pictures arrive as data URLs; they are decoded (at most `MAX_PASTE_BYTES`) into a file in
the upload folder, so the rest of the app handles them like uploads. No UI framework here.
"""

from __future__ import annotations

import base64
import binascii
import os
import uuid
from collections.abc import Iterable
from pathlib import Path

from ..errors import ImageError
from ..images import MAX_FILE_MB

MAX_PASTE_BYTES = 3 * 2**20
"""Largest picture accepted inline as a data URL (larger ones go through the upload route)."""


class UploadRefused(ImageError):
    """The request named a file this server did not hand out (the one message for every such case)."""


def _resolved(path: str | os.PathLike) -> Path | None:
    try:
        return Path(os.path.realpath(path, strict=True))  # follows every symlink; raises if missing
    except (OSError, ValueError, TypeError):  # missing, a loop, a NUL byte, not a path at all
        return None


def accept_path(path: object, *, roots: Iterable[str | os.PathLike], files: Iterable[str | os.PathLike] = ()) -> Path:
    """`path` resolved, if it is a regular file inside one of `roots` or is one of `files`.

    Raises `UploadRefused` otherwise; the caller shows one message for every refusal.
    """
    if not isinstance(path, (str, os.PathLike)) or not str(path) or "://" in str(path):
        raise UploadRefused("not a local path")
    real = _resolved(path)
    if real is None or not real.is_file():
        raise UploadRefused("missing or not a file")
    if real in {_resolved(f) for f in files}:
        return real
    for root in roots:
        top = _resolved(root)
        if top is not None and real.is_relative_to(top):
            return real
    raise UploadRefused("outside the server's folders")


def save_data_url(url: str, folder: str | os.PathLike) -> Path:
    """Decode a `data:...;base64,...` picture into a new file in `folder`; refuse bad or large ones."""
    header, _, body = url.partition(",")
    if not header.startswith("data:") or not header.endswith(";base64"):
        raise ImageError("The pasted picture could not be read (it is not a base64 data URL). Please upload it as a file.",
                         reason="paste_unreadable")
    if len(body) > (MAX_PASTE_BYTES * 4) // 3 + 4:
        raise ImageError(
            f"The pasted picture is over {MAX_PASTE_BYTES // 2**20} MB; please upload it as a file instead "
            f"(up to {MAX_FILE_MB} MB).",
            reason="paste_too_large", limit=MAX_PASTE_BYTES // 2**20, upload_limit=MAX_FILE_MB,
        )
    try:
        data = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise ImageError("The pasted picture could not be read (damaged data). Please try again.",
                         reason="paste_damaged") from None
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"pasted-{uuid.uuid4().hex}"
    path.write_bytes(data)
    return path
