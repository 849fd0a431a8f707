"""What the page shows a visitor, kept small per session and bounded for the whole server.

A browser session keeps (in `gr.State`) only a `Shown`: a random token and the request that
produced the result (photo path and controls), a few hundred bytes. The pictures' data
(`display.Display`: the photo's crop at display size, the CAMs, the shown channels, up to
~6 MB) lives in one `DisplayStore` per server, a least-recently-used cache bounded in bytes.
A redraw (new opacity, an enlarged channel) looks its token up; when the store has dropped it,
the request is run again from the photo, which Gradio keeps in its upload folder for an hour.
So idle sessions cost almost nothing and a crowd cannot grow memory past the budget.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from ..display import Display
from ..settings import SETTINGS

DEFAULT_BUDGET_MB = SETTINGS.display_mb
"""Memory for the recent results of all visitors together (env RESNET_EXPLORER_DISPLAY_MB)."""


@dataclass(frozen=True)
class Shown:
    """A session's pointer to what its page shows: enough to find or rebuild it, nothing more."""

    token: str
    photo: str  # the photo's path in the upload folder
    options: dict[str, Any] = field(default_factory=dict)  # depth, method, stage, target, top_k, all_stages
    files: tuple[str, ...] = ()  # the downloads offered with it (paths the server wrote)

    @classmethod
    def new(cls, photo: str, options: dict[str, Any], files: tuple[str, ...] = ()) -> Shown:
        return cls(uuid.uuid4().hex, photo, dict(options), files)


class DisplayStore:
    """A thread-safe LRU of `Display`s by token, holding at most `budget_bytes` in all."""

    def __init__(self, budget_bytes: int = DEFAULT_BUDGET_MB * 2**20) -> None:
        self.budget_bytes = budget_bytes
        self._items: OrderedDict[str, Display] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    @property
    def nbytes(self) -> int:
        with self._lock:
            return self._bytes

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def put(self, token: str, display: Display) -> None:
        """Keep `display` under `token`, dropping the least recently used ones over the budget."""
        with self._lock:
            old = self._items.pop(token, None)
            if old is not None:
                self._bytes -= old.nbytes
            self._items[token] = display
            self._bytes += display.nbytes
            while self._bytes > self.budget_bytes and len(self._items) > 1:
                _, dropped = self._items.popitem(last=False)
                self._bytes -= dropped.nbytes

    def get(self, token: str) -> Display | None:
        """The display kept under `token`, or None if it was dropped (or never kept)."""
        with self._lock:
            display = self._items.get(token)
            if display is not None:
                self._items.move_to_end(token)
            return display
