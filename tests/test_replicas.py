"""Several engine workers on one depth: each borrows a model nobody else is using (replicas.py)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import torch

from resnet_demo import explain, load_model
from resnet_demo.capture import Capture
from resnet_demo.replicas import borrow, copies, replicate


def _hooks(module: torch.nn.Module) -> int:
    return sum(len(m._forward_hooks) + len(m._forward_pre_hooks) for m in module.modules())


@pytest.fixture
def model():
    # a fresh cached object per test would need a cache flush; a copy is its own model with no copies yet
    return replicate(load_model(18, weights="random", device="cpu"))


def test_a_free_model_is_lent_itself_and_a_busy_one_a_copy(model):
    with borrow(model) as first:
        assert first is model
        held = threading.Event()
        done = threading.Event()
        lent = {}

        def other() -> None:
            with borrow(model) as second:
                lent["second"] = second
                held.set()
                done.wait(5)

        worker = threading.Thread(target=other)
        worker.start()
        assert held.wait(10)
        assert lent["second"] is not model and copies(model) == [lent["second"]]
        done.set()
        worker.join(10)
    with borrow(model) as again:  # both free now: the original first, and no new copy
        assert again is model and len(copies(model)) == 1


def test_a_copy_is_made_while_the_original_runs_and_never_inherits_its_hooks(model, photo):
    """The copy is built while the original has a Capture open in another thread: no waiting, no hooks."""
    attached, release = threading.Event(), threading.Event()

    def request_on_original() -> None:
        with borrow(model) as lent, Capture(lent.module, grad_from="layer4"):
            attached.set()
            release.wait(10)

    worker = threading.Thread(target=request_on_original)
    worker.start()
    assert attached.wait(10) and _hooks(model.module) > 0
    try:
        with borrow(model) as copy:  # would deadlock here if copying waited for the original
            assert copy is not model and _hooks(copy.module) == 0
            assert all(not p.requires_grad for p in copy.module.parameters()) and not copy.module.training
            result = explain(copy, photo, all_stages=True)
    finally:
        release.set()
        worker.join(10)
    alone = explain(model, photo, all_stages=True)
    assert [p.index for p in result.predictions] == [p.index for p in alone.predictions]
    np.testing.assert_allclose([p.prob for p in result.predictions], [p.prob for p in alone.predictions], atol=1e-6)
    np.testing.assert_allclose(result.cams_by_stage["layer2"], alone.cams_by_stage["layer2"], atol=1e-5)
    assert _hooks(model.module) == 0


def test_concurrent_explains_on_one_depth_equal_sequential_ones(model, photo):
    photos = [photo, photo.rotate(90, expand=True), photo.transpose(0), photo.crop((0, 0, 200, 150))]
    alone = [explain(model, p, all_stages=True) for p in photos]

    def lent(p):
        with borrow(model) as free:
            return explain(free, p, all_stages=True)

    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(lent, photos * 3))
    for a, b in zip(alone * 3, together):
        assert [p.index for p in a.predictions] == [p.index for p in b.predictions]
        np.testing.assert_allclose([p.prob for p in a.predictions], [p.prob for p in b.predictions], atol=1e-5)
        for stage in a.cams_by_stage:
            np.testing.assert_allclose(a.cams_by_stage[stage], b.cams_by_stage[stage], atol=1e-4)
    assert len(copies(model)) <= 3  # never more copies than requests at once, less the original
    assert all(_hooks(m.module) == 0 for m in [model, *copies(model)])


def test_a_failing_request_gives_its_model_back(model):
    with pytest.raises(ZeroDivisionError):
        with borrow(model):
            raise ZeroDivisionError
    assert model.lock.acquire(blocking=False)
    model.lock.release()


def test_other_devices_wait_for_the_one_model(model, monkeypatch):
    """Off the CPU nothing is copied: a second borrower waits for the first."""
    monkeypatch.setattr(model, "device", torch.device("meta"))
    order = []
    with borrow(model) as first:
        worker = threading.Thread(target=lambda: borrow(model).__enter__() and order.append("second"))
        worker.start()
        worker.join(0.5)
        assert worker.is_alive() and first is model and copies(model) == []
        order.append("first")
    worker.join(10)
    assert order == ["first", "second"]
