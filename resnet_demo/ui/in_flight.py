"""One computation for identical requests of one session that are in flight at the same time.

Gradio's image input (6.31, seen in Chromium) sends its change event twice when a visitor
uploads a photo over the one already shown: two identical /explain calls ~30 ms apart, and the
server would run the network twice for one photo. `InFlight.run` lets the second call wait for
the first and share its answer (or its error). Only calls in flight together are merged: a
request made again later is computed again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from typing import TypeVar

T = TypeVar("T")


class InFlight:
    """Merges calls with equal keys while the first of them runs (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: dict[Hashable, Future] = {}
        self.merged = 0  # calls answered by another call's work (tests and logs read it)

    def run(self, key: Hashable | None, compute: Callable[[], T]) -> T:
        """`compute()`, or the result of the identical call already running under `key`.

        key None: never merged (a call without a session, e.g. in-process).
        """
        if key is None:
            return compute()
        with self._lock:
            future = self._running.get(key)
            owner = future is None
            if owner:
                future = self._running[key] = Future()
            else:
                self.merged += 1
        if not owner:
            return future.result()  # the first call's answer, or its exception raised again
        try:
            result = compute()
        except BaseException as exc:
            future.set_exception(exc)
            raise
        else:
            future.set_result(result)
            return result
        finally:
            with self._lock:
                del self._running[key]


__all__ = ["InFlight"]
