"""The engine's workers: a job alone always runs on the first worker, the others take the overflow."""

from __future__ import annotations

import threading

import pytest

from resnet_demo.workers import Workers


def _name() -> str:
    return threading.current_thread().name


def test_jobs_one_after_another_always_run_on_the_first_worker():
    workers = Workers(3, prefix="w")
    assert {workers.run(_name) for _ in range(20)} == {"w-0_0"}


def test_jobs_at_once_spread_over_idle_workers_and_errors_come_back():
    workers = Workers(3, prefix="w")
    release = threading.Event()
    started = [workers.submit(lambda: release.wait(10) and _name()) for _ in range(3)]
    overflow = workers.submit(_name)  # every worker busy: queued behind one of them
    release.set()
    assert sorted(f.result(10) for f in started) == ["w-0_0", "w-1_0", "w-2_0"]
    assert overflow.result(10) in {"w-0_0", "w-1_0", "w-2_0"}
    with pytest.raises(ZeroDivisionError):
        workers.run(lambda: 1 / 0)
    assert workers.run(_name) == "w-0_0"  # a failed job gave its worker back
    with pytest.raises(ValueError, match="count"):
        Workers(0, prefix="w")


def test_closed_workers_refuse_new_jobs():
    workers = Workers(2, prefix="w")
    workers.shutdown()
    workers.shutdown()  # twice is fine
    with pytest.raises(RuntimeError):
        workers.run(_name)
