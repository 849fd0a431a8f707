"""Exceptions the user can act on.

Every error the engine raises on purpose derives from `DemoError`; its message is written for the
person at the keyboard (a student, a teacher), so the UI and the command line can show it as is.
Anything else escaping the engine is a bug and is logged, not shown.
"""

from __future__ import annotations


class DemoError(Exception):
    """Base class: an error whose message can be shown to the user unchanged (in English).

    `reason` names the case and `facts` hold its numbers, so a page in another language can word
    the same error itself (the web UI does: `ui/messages.py`); the English message is the CLI's.
    """

    def __init__(self, message: str, *, reason: str = "", **facts: object) -> None:
        super().__init__(message)
        self.reason = reason  # e.g. "too_small"; "" where no page words this case itself
        self.facts = facts  # e.g. {"width": 20, "height": 20, "min_side": 32}

    def __reduce__(self):  # noqa: ANN204 - pickle's protocol (a ZeroGPU worker's error crosses a process)
        return _rebuilt, (type(self), str(self), self.reason, self.facts)


def _rebuilt(cls: type, message: str, reason: str, facts: dict) -> DemoError:
    error = Exception.__new__(cls, message)
    Exception.__init__(error, message)
    error.reason, error.facts = reason, facts
    return error


class ImageError(DemoError, ValueError):
    """The photo cannot be used: unreadable, damaged, too small or too large."""


class WeightsUnavailableError(DemoError, RuntimeError):
    """Pretrained weights could not be had (no network, damaged file, bad path)."""


class DeviceUnavailableError(DemoError, RuntimeError):
    """The requested device (cuda, mps) is not present on this machine."""


class ResourceExhaustedError(DemoError, RuntimeError):
    """The device ran out of memory for this request; the next one may work."""
