"""Where the app writes what it sends back: one new folder per request, each file written once.

Gradio, handed a picture, encodes it as PNG into a file named by the hash of its bytes and
rewrites that file every time (truncate, then write). Two visitors producing the same picture
at once (the same example with the same controls, or the architecture diagram that never
changes) then truncate each other's file while the other browser is downloading it. The
handlers therefore hand Gradio paths, never pictures: each request gets a fresh folder, every
file in it is encoded once in the format that suits it (`export.FORMATS`) and written under a
temporary name, then renamed. The folders live in Gradio's upload/cache folder, so Gradio serves
them without copying and its cache cleanup (`delete_cache`) removes the files; folders older
than `keep_seconds` are removed here too.
"""

from __future__ import annotations

import shutil
import threading
import time
import uuid
from pathlib import Path

from PIL import Image

from ..export import save_image


class Outbox:
    """Fresh per-request folders under `root`, and the housekeeping of old ones."""

    def __init__(self, root: str | Path, *, keep_seconds: float = 3600) -> None:
        self.root = Path(root)
        self.keep_seconds = keep_seconds
        self._last_sweep = 0.0
        self._lock = threading.Lock()

    def folder(self) -> Path:
        """A new, empty folder for one request's files (old folders are swept at most once a minute)."""
        self._sweep()
        path = self.root / uuid.uuid4().hex
        path.mkdir(parents=True)
        return path

    def image(self, image: Image.Image, name: str, folder: Path | None = None) -> str:
        """Write `image` once, atomically, as `name` (its suffix picks the format); returns its path."""
        return str(save_image(image, (folder or self.folder()) / name))

    def _sweep(self) -> None:
        now = time.time()
        with self._lock:
            if now - self._last_sweep < 60:
                return
            self._last_sweep = now
        for old in self.root.glob("*"):
            try:
                if now - old.stat().st_mtime > self.keep_seconds:
                    shutil.rmtree(old, ignore_errors=True)
            except OSError:
                pass
