"""Copies of a cached model, so several engine workers can run the same depth at once.

Hooks are attached to a model's modules (`capture.Capture`), so two forwards on one module at
once would each see the other's hooks: callers hold `LoadedModel.lock` while a Capture is open,
which makes one model one request at a time. With several engine workers (one per core) that
lock would serialise every request for the same depth. `borrow` lends a worker a model of the
same depth and weights that nobody is using: the cached one when it is free, else a copy made the
first time it is needed and kept for next time. So a depth gets as many copies as there are
requests for it at once (at most one per worker, plus one while the slow lane holds the original
for a Score-CAM batch), and a server that never sees two at once never pays for one.

A copy is built from the original's state_dict, not deep-copied, so it never inherits the hooks
of a request running on the original while it is made. Copies are made on the CPU only: a GPU
keeps one model per depth and its lock (its memory is scarcer, and one model there is fast
enough for every caller). No UI framework.
"""

from __future__ import annotations

import dataclasses
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager

import torch
import torchvision

from .zoo import LoadedModel

_copies: weakref.WeakKeyDictionary[LoadedModel, list[LoadedModel]] = weakref.WeakKeyDictionary()
_copies_lock = threading.Lock()  # guards `_copies`; never held while a model runs


def replicate(model: LoadedModel) -> LoadedModel:
    """A copy of `model` with its own parameters and its own lock, made without waiting for it.

    Built afresh from its state_dict (parameters and buffers only), never deep-copied: a request
    may be running on the original with its Capture's hooks attached, and those must not come
    along. Eval mode and frozen parameters, as every cached model.
    """
    state = {name: tensor.detach().clone() for name, tensor in model.module.state_dict().items()}
    with torch.device("meta"):  # no time spent initialising parameters that are overwritten next
        module = torchvision.models.get_model(f"resnet{model.depth}", weights=None)
    module.load_state_dict(state, assign=True)
    module.eval().requires_grad_(False)
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
