"""Exceptions the user can act on.

Every error the engine raises on purpose derives from `DemoError`; its message is written for the
person at the keyboard (a student, a teacher), so the UI and the command line can show it as is.
Anything else escaping the engine is a bug and is logged, not shown.
"""

from __future__ import annotations


class DemoError(Exception):
    """Base class: an error whose message can be shown to the user unchanged."""


class ImageError(DemoError, ValueError):
    """The photo cannot be used: unreadable, damaged, too small or too large."""


class WeightsUnavailableError(DemoError, RuntimeError):
    """Pretrained weights could not be had (no network, damaged file, bad path)."""


class DeviceUnavailableError(DemoError, RuntimeError):
    """The requested device (cuda, mps) is not present on this machine."""


class ResourceExhaustedError(DemoError, RuntimeError):
    """The device ran out of memory for this request; the next one may work."""
