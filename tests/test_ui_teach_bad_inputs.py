"""Compare, residual and gradient-flow handlers called in process with what the page never sends.

Each case states its answer: a refusal note (and no model run), a clear error, or the documented
reading of the value (duplicates merged, an empty list meaning the default depths, a block past
the stage's end meaning its last block).
"""

from __future__ import annotations

import html
from types import SimpleNamespace

import gradio as gr
import pytest

from resnet_demo.service import AppConfig
from resnet_demo.ui.strings import EN
from resnet_demo.ui.teach_handlers import TeachHandlers


class Ran(Exception):
    """Raised by a stub service method: the handler got as far as asking for model work."""


def request():
    return SimpleNamespace(headers={"accept-language": "en-US"})


def progress(fraction=None, desc=None):
    pass


@pytest.fixture
def teach(tmp_path, make_service):
    return TeachHandlers(make_service(AppConfig(weights="random", device="cpu", probe_network=False)),
                         outbox=tmp_path / "out")


@pytest.fixture
def asked(teach, monkeypatch):
    """What the handlers ask the service for, with the service's model work replaced by `Ran`."""
    calls = []

    def stub(name):
        def record(*args, **kwargs):
            calls.append((name, args, kwargs))
            raise Ran(name)

        return record

    for name in ("compare", "gradient_flow", "explain_photo"):
        monkeypatch.setattr(teach.service, name, stub(name))
    return calls


def refusal(answer: tuple) -> str:
    """The note a refused control gets (the event's last output), as text; the other outputs are skipped."""
    assert answer[-1]["visible"], answer
    assert all(out == gr.skip() for out in answer[:-1])
    return html.unescape(answer[-1]["value"])


@pytest.mark.parametrize(("depths", "phrase"), [
    ([18, 999], "999"), (["18,50"], "18,50"), ("18,50", "depths"), ([18, 34, 50, 101, 152, 18], "depths"),
    ([True], "True"), ([None], "None"), ({"depth": 18}, "depths"),
])
def test_compare_refuses_bad_depth_lists_without_running(teach, asked, photo_path, depths, phrase):
    answer = teach.compare(str(photo_path), depths, "gradcam", "layer4", request(), progress)
    assert phrase in refusal(answer) and asked == []


@pytest.mark.parametrize(("depths", "meant"), [
    ([18, 18, "18"], [18]), ([], [18, 50, 152]), (None, [18, 50, 152]), ([152, "50", 18], [18, 50, 152]),
])
def test_compare_reads_duplicate_and_empty_depth_lists_as_documented(teach, asked, photo_path, depths, meant):
    with pytest.raises(gr.Error):  # the stub stops the handler once it has asked
        teach.compare(str(photo_path), depths, "gradcam", "layer4", request(), progress)
    assert [(name, args[1]) for name, args, _ in asked] == [("compare", meant)]


def test_compare_with_duplicate_depths_shows_one_row(teach, photo_path):
    table, cams, chart, note = teach.compare(str(photo_path), [18, 18], "gradcam", "layer4", request(), progress)
    assert [row[0] for row in table["value"]] == ["ResNet-18"] and not note["visible"]


@pytest.mark.parametrize(("stage", "block", "phrase"), [
    ("layer2", -1, "block"), ("layer2", 64, "block"), ("layer2", "1; rm -rf", "block"), ("layer2", 1.5, "block"),
    ("layer9", 0, "layer9"), (None, 0, "stage"),
])
def test_residual_refuses_blocks_out_of_range_without_running(teach, asked, photo_path, stage, block, phrase):
    answer = teach.residual(str(photo_path), 18, stage, block, request(), progress)
    assert phrase in refusal(answer) and asked == []


def test_residual_reads_a_block_past_the_stage_as_its_last(teach, asked, photo_path):
    with pytest.raises(gr.Error):
        teach.residual(str(photo_path), 18, "layer2", 63, request(), progress)
    assert asked[0][2]["block"] == ("layer2", 1)  # ResNet-18's layer2 has blocks 0 and 1


@pytest.mark.parametrize("depth", ["152x", 0, -18, 18.5, None, [18]])
def test_gradient_flow_refuses_bad_depths_without_running(teach, asked, photo_path, depth):
    answer = teach.gradient_flow(str(photo_path), depth, request(), progress)
    assert "depth" in refusal(answer) and asked == []


def test_a_bad_photo_gets_the_photo_message_in_every_teaching_tab(teach, tmp_path):
    notes = tmp_path / "homework.jpg"
    notes.write_text("these are my notes, not a photo")
    calls = {
        "compare": lambda image: teach.compare(image, [18], "gradcam", "layer4", request(), progress),
        "residual": lambda image: teach.residual(image, 18, "layer2", 0, request(), progress),
        "gradient_flow": lambda image: teach.gradient_flow(image, 18, request(), progress),
    }
    for name, call in calls.items():
        for image, phrase in ((str(notes), "not an image"), (None, EN["err_image"])):
            with pytest.raises(gr.Error) as info:
                call(image)
            message = info.value.message
            assert message.startswith(EN["err_image"]) and phrase in message, (name, image, message)
            assert "Traceback" not in message
