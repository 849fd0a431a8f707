"""Copies of a cached model, so several engine workers can run the same depth at once.

Hooks are attached to a model's modules (`capture.Capture`), so two forwards on one module at
once would each see the other's hooks: callers hold `LoadedModel.lock` while a Capture is open,
which makes one model one request at a time. With several engine workers (one per core) that
lock would serialise every request for the same depth. `borrow` lends a worker a model of the
same depth and weights that nobody is using: the cached one when it is free, else a copy made the
first time it is needed and kept for next time. So a depth gets as many copies as there are
requests for it at once (at most one per worker, plus one while the slow lane holds the original
for a Score-CAM batch), and a server that never sees two at once never pays for one.

Copies are made on the CPU only: a GPU keeps one model per depth and the lock (its memory is
scarcer and its callers' threads share it well). Pure threading and `copy`; no UI framework.
"""

from __future__ import annotations

import copy
import dataclasses
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager

from .zoo import LoadedModel

_copies: weakref.WeakKeyDictionary[LoadedModel, list[LoadedModel]] = weakref.WeakKeyDictionary()
_copies_lock = threading.Lock()  # guards `_copies`; never held while a model runs


def replicate(model: LoadedModel) -> LoadedModel:
    """A copy of `model` with its own parameters and its own lock.

    Copied under `model.lock`, so no Capture's hooks or changed flags are copied with it.
    """
    with model.lock:
        module = copy.deepcopy(model.module)
    return dataclasses.replace(model, module=module, lock=threading.RLock())


def copies(model: LoadedModel) -> list[LoadedModel]:
    """The copies of `model` made so far (for tests and memory figures)."""
    with _copies_lock:
        return list(_copies.get(model, ()))


@contextmanager
def borrow(model: LoadedModel) -> Iterator[LoadedModel]:
    """Hold a free model equal to `model` (its lock taken) for the block.

    The original when its lock is free, else a free copy, else a new copy (CPU only: on other
    devices this waits for the original's lock). The lock is re-entrant, so the holder can call
    `explain`, which takes it again.
    """
    if model.device.type != "cpu":
        with model.lock:
            yield model
        return
    lent = _take_free(model)
    if lent is None:
        lent = replicate(model)
        lent.lock.acquire()
        with _copies_lock:
            _copies.setdefault(model, []).append(lent)
    try:
        yield lent
    finally:
        lent.lock.release()


def _take_free(model: LoadedModel) -> LoadedModel | None:
    """The first of the original and its copies whose lock is free, taken; None when all are busy."""
    with _copies_lock:
        candidates = [model, *_copies.get(model, ())]
    for candidate in candidates:
        if candidate.lock.acquire(blocking=False):
            return candidate
    return None


__all__ = ["borrow", "copies", "replicate"]
