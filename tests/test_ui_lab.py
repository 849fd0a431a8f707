"""The degradation lab's tab, in process, on a tiny configuration: live charts, presets, stop, recorded run."""

from __future__ import annotations

import json
import re
import threading
from types import SimpleNamespace

import gradio as gr
import pytest

from resnet_demo.service import AppConfig
from resnet_demo.teach import degradation
from resnet_demo.teach.lab_config import LabConfig
from resnet_demo.ui.lab_tab import LabHandlers
from resnet_demo.ui.strings import EN, ZH

TINY = LabConfig(depths=(8, 14), iterations=12, batch_size=16, image_size=8, train_size=200, report_every=4,
                 error_window=4, data="generated")


def request(lang: str = "en"):
    return SimpleNamespace(headers={"accept-language": lang})


@pytest.fixture
def lab(monkeypatch, make_service):
    monkeypatch.setitem(degradation.PRESETS, "cpu", TINY)
    return LabHandlers(make_service(AppConfig(weights="random", device="cpu", probe_network=False)))


def _spec(plot) -> dict:
    return json.loads(plot.to_json())


def test_a_run_streams_charts_in_the_visitors_language(lab):
    steps = list(lab.degradation("cpu", request("zh-CN")))
    assert len(steps) == 3  # a point every 4 of 12 iterations
    error, loss, gradients, status, table, gradient_note, note = steps[-1]
    assert not note["visible"]
    spec = _spec(error)
    assert spec["title"].startswith("训练误差") and spec["encoding"]["y"]["title"] == "训练误差"
    series = {row["series"] for row in spec["data"]["values"]}
    assert series == {"普通网络-8", "普通网络-14", "ResNet-8", "ResNet-14"}
    kinds = {row["series"]: row["kind"] for row in spec["data"]["values"]}
    assert kinds["普通网络-14"] == "普通网络（虚线）" and kinds["ResNet-14"] == "残差网络（实线）"
    assert max(row["x"] for row in spec["data"]["values"]) == 12
    assert _spec(gradients)["encoding"]["y"]["scale"]["type"] == "log"
    assert status.startswith(f"**{ZH['lab_done']}**") and "12 / 12" in status
    assert [row[0] for row in table["value"]] == ["普通网络-8", "普通网络-14", "ResNet-8", "ResNet-14"]
    assert gradient_note.startswith("**第 12 次迭代时：**") and "普通网络-14：" in gradient_note
    assert "数据：程序生成的纹理和形状图像，共 200 张，分为 10 类，每张 8×8 像素。" in status
    assert not re.search(r"[A-Za-z]{4,}", status)  # no English sentence: the engine gave facts, not a line


def test_the_lab_words_the_data_and_the_machine_in_the_page_language():
    from resnet_demo.ui.lab_tab import data_note, machine_text

    point = SimpleNamespace(dataset="generated", dataset_images=100, dataset_size=16, dataset_fallback="offline")
    assert data_note(point, "zh-CN") == ("数据：程序生成的纹理和形状图像，共 100 张，分为 10 类，每张 16×16 像素。"
                                         "这台服务器上没有 CIFAR-10，也无法下载，所以改用程序生成的图像。")
    assert data_note(point, "en").endswith("16×16 pixels. CIFAR-10 is not on this server and could not be "
                                           "downloaded, so the lab uses generated images instead.")
    run = SimpleNamespace(cpu="AMD EPYC", cores=2, threads=2, gpu=None)
    assert machine_text(run, "zh-CN") == "AMD EPYC（2 核，torch 使用 2 个线程）"
    assert machine_text(SimpleNamespace(cpu="Xeon", cores=16, threads=8, gpu="NVIDIA H200"), "en") == (
        "NVIDIA H200, on a host with Xeon (16 cores)")


def test_presets_are_checked(lab):
    for preset in ("gpu", {"iterations": 10**9}):  # no GPU here: only the CPU preset is offered
        *panels, note = list(lab.degradation(preset, request()))[-1]
        assert all(p == gr.skip() for p in panels)  # the charts keep what they showed
        assert note["visible"] and note["value"].startswith(EN["err_value"]) and "preset must be one of cpu" in note["value"]


def test_closing_the_run_stops_training_and_frees_the_lab(lab, monkeypatch):
    monkeypatch.setitem(degradation.PRESETS, "cpu", LabConfig(**{**TINY.__dict__, "iterations": 10_000}))
    steps = lab.degradation("cpu", request())
    first = next(steps)
    assert "of 10000" in first[3]
    steps.close()  # what Gradio does on the stop button, or when the visitor leaves
    freed = threading.Event()
    worker = threading.Thread(target=lambda: lab.service._lab_lane.acquire(timeout=5) and freed.set())
    worker.start()
    worker.join()
    assert freed.is_set()  # the next visitor's run can start
    lab.service._lab_lane.release()


def test_the_recorded_run_is_shown_until_a_run_is_shown(lab):
    from resnet_demo.teach.lab_results import recorded_presets

    if not recorded_presets():
        pytest.skip("no recorded run shipped")
    error, *_, note, table, gradient_note = lab.recorded(None, request())
    assert "Recorded run" in note and "seed" in note and len(_spec(error)["data"]["values"]) > 20
    assert "AMD EPYC (2 cores, torch uses 2 threads)" in note  # the shipped run's machine, worded here
    zh_note = lab.recorded(None, request("zh-CN"))[3]
    assert "AMD EPYC（2 核，torch 使用 2 个线程）" in zh_note and "cores" not in zh_note
    assert gradient_note.startswith("**At iteration 2000:**") and "plain-56: from its last block" in gradient_note
    assert all(isinstance(x, dict) and x.get("__type__") == "update" and len(x) == 1
               for x in lab.recorded("**Training** · iteration 4", request()))  # skipped: a run is on screen


class CountedLock:
    """The lab's lane, counting who has asked for it (an event per count reached)."""

    def __init__(self, lock) -> None:
        self.lock, self.asked, self.second = lock, 0, threading.Event()

    def __enter__(self):
        self.asked += 1
        if self.asked == 2:
            self.second.set()
        return self.lock.__enter__()

    def __exit__(self, *exc):
        return self.lock.__exit__(*exc)


def test_a_second_run_waits_for_the_first_and_starts_when_it_ends(lab, monkeypatch):
    """One run per server: a second visitor's run waits in the lane (nothing is trained for it) until the
    first ends, which a stop, a visitor leaving or the preset's time bound guarantees."""
    monkeypatch.setitem(degradation.PRESETS, "cpu", LabConfig(**{**TINY.__dict__, "iterations": 10_000}))
    assert degradation.PRESETS["cpu"].max_seconds is None and TINY.max_seconds is None  # this test's own runs
    lane = lab.service._lab_lane = CountedLock(lab.service._lab_lane)
    first = lab.degradation("cpu", request())
    assert "of 10000" in next(first)[3]
    outcome = []

    def second_visitor():
        steps = lab.degradation("cpu", request())
        try:
            outcome.append(next(steps))
        except BaseException as exc:  # noqa: BLE001 - asserted below
            outcome.append(exc)
        finally:
            steps.close()

    worker = threading.Thread(target=second_visitor)
    worker.start()
    assert lane.second.wait(30), "the second run never asked for the lab"
    assert outcome == [] and worker.is_alive()  # it waits: the first run holds the lab
    first.close()  # the first visitor presses stop
    worker.join(60)
    assert not worker.is_alive() and len(outcome) == 1 and isinstance(outcome[0], tuple), outcome
    assert "of 10000" in outcome[0][3]  # its own run started once the lab was free


def test_the_lab_runs_one_at_a_time_in_the_queue_and_its_preset_is_bounded(make_service):
    """Through Gradio a second visitor waits in the lab's own queue (they see their position), for at
    most the running preset's time bound."""
    from resnet_demo.ui import build_app

    demo, _ = build_app(make_service(AppConfig(weights="random", device="cpu", probe_network=False)))
    (run,) = [fn for fn in demo.fns.values() if fn.api_name == "degradation"]
    assert run.concurrency_limit == 1 and run.concurrency_id == "lab"
    assert all(p.max_seconds is not None for p in degradation.PRESETS.values())
