"""The app's policy (service.py) and its ZeroGPU switch, without the UI: weights, lanes, GPU sizing."""

from __future__ import annotations

import importlib
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch
import torchvision

from resnet_demo import WeightsUnavailableError, zerogpu
from resnet_demo.lanes import Cancelled, ForegroundGate, check_stop
from resnet_demo.service import (
    ENGINE_THREAD,
    AppConfig,
    Service,
    _compare_seconds,
    _explain_seconds,
    _score_cam_seconds,
)


def test_a_weights_file_serves_its_depth_and_imagenet_the_others(make_service, tmp_path, photo_path):
    path = tmp_path / "class-r18.pt"
    torch.manual_seed(6)
    torch.save(torchvision.models.resnet18().state_dict(), path)
    service = make_service(AppConfig(weights=str(path), device="cpu"))
    service.start()  # the network probe fails in tests: the other depths fall back to random, visibly
    assert service.file_depth() == 18 and service.weights_for(18) == str(path)
    assert service.weights_for(50) == "random" and service.is_untrained(50) and not service.is_untrained(18)
    assert service.model(18).pretrained and service.model(18).weights == str(path)


def test_a_bad_weights_file_stops_the_app_at_start(tmp_path):
    (tmp_path / "junk.pt").write_bytes(b"\x80\x02 not really a checkpoint")
    with pytest.raises(WeightsUnavailableError, match="not a PyTorch state_dict"):
        Service(AppConfig(weights=str(tmp_path / "junk.pt"), device="cpu")).start()


def test_score_cam_never_runs_in_the_foreground_lane(make_service, photo_path):
    service = make_service(AppConfig(weights="random", device="cpu", probe_network=False))
    fast = service.explain_photo(photo_path, depth=18, method="scorecam", stage="layer4", top_k=3)
    assert fast.cam is None and fast.cams_by_stage == {} and len(fast.predictions) == 3
    slow = service.score_cam(photo_path, depth=18, stage="layer4")
    assert slow.cam.shape == (224, 224) and slow.scored_channels == 128 and slow.method == "scorecam"
    assert [p.index for p in slow.predictions[:3]] == [p.index for p in fast.predictions]


def test_the_slow_lane_yields_to_cheap_requests_and_stops(make_service, photo_path):
    """Score-CAM waits while a cheap request is in flight, then runs, and a stop ends it at the next batch.

    No sleeps: the test leaves the foreground once Score-CAM has asked to run, and asks it to stop
    from inside its second wait, so exactly two batches are ever asked for.
    """
    service = make_service(AppConfig(weights="random", device="cpu", probe_network=False, score_cam_channels=64))
    entered, asked, stop, waits, outcome = threading.Event(), threading.Event(), threading.Event(), [], []
    real_wait = service.gate.wait_idle

    def wait_idle(timeout=10.0):
        active = service.gate.active
        entered.set()
        idle = real_wait(timeout)
        waits.append((active, idle))
        asked.set()
        if len(waits) == 2:
            stop.set()  # the visitor presses stop just before the second batch
        return idle

    def run():
        try:
            outcome.append(service.score_cam(photo_path, depth=18, should_stop=stop.is_set))
        except BaseException as exc:  # noqa: BLE001 - the outcome is asserted below, in the test's thread
            outcome.append(exc)

    service.gate.wait_idle = wait_idle
    worker = threading.Thread(target=run)
    with service.gate.foreground():  # a cheap request in flight: Score-CAM must not start a batch
        worker.start()
        assert entered.wait(10), "Score-CAM never asked whether cheap requests were in flight"
        assert not asked.is_set() and waits == []  # it cannot pass the wait while we are in flight
    assert asked.wait(10), "Score-CAM did not start after the cheap request left"
    worker.join(timeout=60)
    assert not worker.is_alive(), "Score-CAM did not stop"
    assert waits == [(1, True), (0, True)]  # waited out the cheap request, ran batch 1, stopped before batch 2
    assert len(outcome) == 1 and isinstance(outcome[0], Cancelled), outcome



def test_close_ends_the_engine_thread_and_refuses_later_work(photo_path):
    before = set(threading.enumerate())
    service = Service(AppConfig(weights="random", device="cpu", probe_network=False))
    assert service.on_engine(threading.current_thread) is not threading.current_thread()  # it ran there
    engine = [t for t in set(threading.enumerate()) - before if t.name.startswith(ENGINE_THREAD)]
    assert len(engine) == 1 and engine[0].is_alive()
    service.close()
    service.close()  # twice is fine
    assert not engine[0].is_alive()
    with pytest.raises(RuntimeError):
        service.on_engine(len, "x")


def test_foreground_gate_and_stop_checks():
    gate = ForegroundGate()
    assert gate.wait_idle(timeout=0) is True
    with gate.foreground(), gate.foreground():
        assert gate.active == 2 and gate.wait_idle(timeout=0.05) is False
    assert gate.active == 0
    check_stop(None)
    check_stop(lambda: False)
    with pytest.raises(Cancelled):
        check_stop(lambda: True)


def test_gpu_time_is_sized_to_the_work():
    assert _explain_seconds(18, "random", "cuda:0", "p", {}) <= 10 < _explain_seconds(152, "random", "cuda:0", "p", {})
    assert _score_cam_seconds(152, "random", "cuda:0", "p", {"max_channels": 512}) <= 60
    assert _score_cam_seconds(18, "random", "cuda:0", "p", {"max_channels": 128}) < 30
    assert _compare_seconds([(18, "r", "c"), (50, "r", "c"), (152, "r", "c")], "p", {}) == 10 + 10 + 10 + 20


def test_zerogpu_is_what_the_spaces_package_says_not_whether_it_imports(monkeypatch):
    spaces = pytest.importorskip("spaces")  # requirements-dev installs it, as a Space image may
    assert zerogpu.spaces is spaces and zerogpu.ON_ZEROGPU is False  # installed, but SPACES_ZERO_GPU is unset
    assert zerogpu.gpu_task(duration=5)(len) is len  # off ZeroGPU: the function itself
    assert zerogpu.on_zerogpu(SimpleNamespace(config=SimpleNamespace(Config=SimpleNamespace(zero_gpu=True))))
    assert not zerogpu.on_zerogpu(None) and not zerogpu.on_zerogpu(SimpleNamespace())
    decorated = []
    monkeypatch.setattr(zerogpu, "ON_ZEROGPU", True)
    monkeypatch.setattr(spaces, "GPU", lambda duration: lambda fn: decorated.append(duration) or fn)
    zerogpu.gpu_task(duration=_explain_seconds)(len)
    assert decorated == [_explain_seconds]  # a duration function, not a fixed minute
    importlib.reload(zerogpu)


def test_engine_workers_share_the_cores_under_load_and_all_go_to_a_request_alone():
    service = Service(AppConfig(weights="random", device="cpu", probe_network=False, engine_workers=2))
    cores = torch.get_num_threads()
    threads = lambda: (threading.current_thread().name, torch.get_num_threads())  # noqa: E731
    name, alone = service.on_engine(threads)
    assert name.startswith("resnet-engine-0") and alone == cores
    with service.gate.foreground(), service.gate.foreground():  # two requests in flight
        assert service.on_engine(threads)[1] == max(1, cores // 2)
    # one request still drawing its pictures (out of the model, in `request`) while the next one
    # reaches the model: that one is not alone, and must not take every core from the drawing
    with service.request(), service.request(), service.gate.foreground():
        assert service.on_engine(threads)[1] == max(1, cores // 2)
    with service.request(), service.gate.foreground():  # the request itself, alone
        assert service.on_engine(threads)[1] == cores
    service.close()
    with pytest.raises(ValueError, match="engine_workers"):
        Service(AppConfig(weights="random", device="cpu", probe_network=False, engine_workers=-1))


def test_same_depth_requests_at_once_equal_the_same_requests_alone(photo_path, tmp_path):
    from PIL import Image

    photos = []
    for i, angle in enumerate((0, 90, 180, 270)):
        with Image.open(photo_path) as image:
            path = tmp_path / f"p{i}.jpg"
            image.rotate(angle, expand=True).convert("RGB").save(path)  # not an example: never cached
            photos.append(path)
    service = Service(AppConfig(weights="random", device="cpu", probe_network=False, engine_workers=3))
    alone = [service.explain_photo(p, depth=18, all_stages=True) for p in photos]
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(lambda p: service.explain_photo(p, depth=18, all_stages=True), photos * 2))
    service.close()
    for a, b in zip(alone * 2, together):
        assert [p.index for p in a.predictions] == [p.index for p in b.predictions]
        assert all(abs(x.prob - y.prob) <= 1e-5 for x, y in zip(a.predictions, b.predictions))
        assert all(np.abs(a.cams_by_stage[s] - b.cams_by_stage[s]).max() <= 1e-4 for s in a.cams_by_stage)


def test_the_engine_workers_flag_defaults_to_one_and_refuses_negatives(capsys):
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from app import parse_args

    assert parse_args([]).engine_workers == 1 and parse_args(["--engine-workers", "0"]).engine_workers == 0
    with pytest.raises(SystemExit):
        parse_args(["--engine-workers", "-1"])
    assert "--engine-workers takes 1 or more" in capsys.readouterr().err
