"""Two lanes of work: cheap requests go first, expensive background work fills the gaps between them.

A Grad-CAM request costs one forward pass; Score-CAM costs one per scored channel and a
training run (the degradation lab) thousands of steps. Run in the same process on the same
cores, the long work must not make everyone else wait for it. So the long work is cut into
small steps (a batch of masked images, a training step), and before each step it calls
`ForegroundGate.wait_idle`: while any cheap request is in flight it waits, so a cheap request
waits at most for the one step already running. Stopping is cooperative in the same way: the
long work checks `should_stop()` between steps and raises `Cancelled`.

The callback types of long work live here too (`Progress`, `StopCheck`, `Pause`), so every
module that reports progress or can be stopped speaks the same language. Pure threading: no
torch, no UI framework.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from .errors import DemoError

Progress = Callable[[float, str], None]
"""A progress callback: (fraction done in [0, 1], a short message for the user)."""
StopCheck = Callable[[], bool]
"""Returns True when the work should stop (the visitor pressed stop, or left)."""
Pause = Callable[[], None]
"""Called between steps of long work; may block to let cheap requests go first."""


class Cancelled(DemoError):
    """Long work was stopped before it finished (by the visitor, or because they left)."""


class ForegroundGate:
    """Counts cheap requests in flight; long work waits for none to be in flight before each step."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._active = 0

    @property
    def active(self) -> int:
        """How many cheap requests are in flight now."""
        with self._changed:
            return self._active

    @contextmanager
    def foreground(self) -> Iterator[None]:
        """Mark one cheap request as in flight for the duration of the block."""
        with self._changed:
            self._active += 1
        try:
            yield
        finally:
            with self._changed:
                self._active -= 1
                self._changed.notify_all()

    def wait_idle(self, timeout: float | None = 10.0) -> bool:
        """Block until no cheap request is in flight (True), or `timeout` seconds pass (False).

        The timeout keeps long work moving under a steady stream of cheap requests: it
        yields to them, it is not starved by them.
        """
        with self._changed:
            return self._changed.wait_for(lambda: self._active == 0, timeout)


def check_stop(should_stop: StopCheck | None) -> None:
    """Raise `Cancelled` if `should_stop` says so (None: never)."""
    if should_stop is not None and should_stop():
        raise Cancelled("Stopped before it finished.")
