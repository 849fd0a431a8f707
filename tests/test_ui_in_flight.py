"""Identical calls of one session in flight together share one computation (ui/in_flight.py)."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
from helpers import serve_app
from raw_api import RawClient

from resnet_demo.service import AppConfig
from resnet_demo.ui.in_flight import InFlight


def wait_for(condition, what: str, timeout: float = 10.0) -> None:
    """Wait until `condition()` holds; fail with `what` after `timeout` seconds (never hang)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up after {timeout:.0f} s waiting for {what}")
        time.sleep(0.005)


def test_second_identical_call_waits_for_the_first_and_shares_its_answer():
    in_flight, calls, started, release = InFlight(), [], threading.Event(), threading.Event()

    def compute():
        calls.append(1)
        started.set()
        assert release.wait(10), "the test never released the first computation"
        return object()

    results = []
    first = threading.Thread(target=lambda: results.append(in_flight.run("k", compute)))
    first.start()
    assert started.wait(10), "the first call never started its computation"
    second = threading.Thread(target=lambda: results.append(in_flight.run("k", compute)))
    second.start()  # while the first runs
    wait_for(lambda: in_flight.merged == 1, "the second call to join the first")
    release.set()
    first.join(10)
    second.join(10)
    assert not first.is_alive() and not second.is_alive()
    assert len(calls) == 1 and len(results) == 2 and results[0] is results[1] and in_flight.merged == 1
    assert in_flight.run("k", compute) is not results[0] and len(calls) == 2  # later: computed again


def test_other_keys_no_key_and_errors():
    in_flight = InFlight()
    assert in_flight.run("a", lambda: 1) == 1 and in_flight.run("b", lambda: 2) == 2
    assert in_flight.run(None, lambda: 3) == 3

    gate, errors, runs = threading.Event(), [], []

    def fail():
        runs.append(1)
        assert gate.wait(10), "the test never released the failing computation"
        raise ValueError("bad photo")

    def call():
        try:
            in_flight.run("x", fail)
        except ValueError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=call) for _ in range(3)]
    for t in threads:
        t.start()
    wait_for(lambda: in_flight.merged == 2, "two calls to join the first one's failing computation")
    gate.set()
    for t in threads:
        t.join(10)
    assert not any(t.is_alive() for t in threads)
    assert len(runs) == 1 and in_flight.merged == 2  # it ran once; the two others shared its error
    assert len(errors) == 3 and all(str(e) == "bad photo" for e in errors)
    assert not in_flight._running  # nothing left behind after an error


@pytest.mark.live
def test_a_pages_duplicate_explain_calls_run_the_network_once(photo_path):
    """What Chromium sends when a photo is uploaded over the one shown: two identical joins."""
    with serve_app(AppConfig(weights="random", device="cpu", probe_network=False)) as (url, _, _):
        client = RawClient(url)
        try:
            photo = client.file(client.upload("cat.jpg", photo_path.read_bytes()))
            args = [photo, 18, "gradcam", "layer4", "", 3, 0.5, True]
            session = uuid.uuid4().hex[:11]
            ids = [client.join("explain", args, session=session)[0].json()["event_id"] for _ in range(2)]
            answers = client.answers(session, ids)
            assert all(a.ok for a in answers.values()), answers
            first, second = (answers[i].data for i in ids)
            assert first[1]["path"] == second[1]["path"]  # one computation: the same overlay file

            # another visitor's identical request is its own computation
            other = uuid.uuid4().hex[:11]
            (event,) = [client.join("explain", args, session=other)[0].json()["event_id"]]
            assert client.answers(other, [event])[event].data[1]["path"] != first[1]["path"]
        finally:
            client.close()
