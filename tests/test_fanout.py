"""fanout.fan_out: every job runs once, results keep the given order, errors reach the caller."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from resnet_demo.fanout import fan_out


def test_results_in_order_with_and_without_a_pool():
    jobs = {name: (lambda n=name: (n, threading.current_thread().name)) for name in "abcd"}
    alone = fan_out(jobs)
    assert list(alone) == list("abcd") and all(v[1] == threading.current_thread().name for v in alone.values())
    with ThreadPoolExecutor(2, thread_name_prefix="pool") as pool:
        together = fan_out(jobs, pool)
    assert list(together) == list("abcd") and [v[0] for v in together.values()] == list("abcd")
    assert together["a"][1] == threading.current_thread().name  # the first job runs in the caller
    assert all(together[k][1].startswith("pool") for k in "bcd")


def test_an_error_in_any_job_reaches_the_caller():
    def boom():
        raise RuntimeError("drawing failed")

    with ThreadPoolExecutor(2) as pool:
        for jobs in ({"a": boom, "b": lambda: 1}, {"a": lambda: 1, "b": boom}):
            with pytest.raises(RuntimeError, match="drawing failed"):
                fan_out(jobs, pool)


def test_when_one_job_fails_the_others_end_before_the_error_reaches_the_caller():
    """No job of a failed call is left running (or waiting to run) after fan_out has raised."""
    started, release, ended, ran = threading.Event(), threading.Event(), threading.Event(), []

    def boom():
        assert started.wait(10), "the pooled job never started"
        release.set()  # the slow job may finish now; fan_out must wait for it before raising
        raise RuntimeError("drawing failed")

    def slow():
        started.set()
        assert release.wait(10), "the failing job never ran"
        ended.set()
        return "slow"

    def queued():
        ran.append("queued")
        return "queued"

    with ThreadPoolExecutor(1) as pool:  # one worker: "queued" waits behind "slow"
        with pytest.raises(RuntimeError, match="drawing failed"):
            fan_out({"boom": boom, "slow": slow, "queued": queued}, pool)
        assert ended.is_set()  # the running job was awaited
        assert ran == []  # the job still waiting in the pool was cancelled
