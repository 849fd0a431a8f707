"""The web app's handlers, in process: outputs, re-render without a model pass, and error messages."""

from __future__ import annotations

from types import SimpleNamespace

import gradio as gr
import numpy as np
import pytest

from resnet_demo import ResourceExhaustedError, WeightsUnavailableError
from resnet_demo.service import AppConfig, Service
from resnet_demo.ui.handlers import Handlers, parse_target
from resnet_demo.ui.strings import EN, ZH, language, say

LABELS = tuple(f"class{i}" for i in range(1000))


def request(lang: str = "en-US,en;q=0.9"):
    return SimpleNamespace(headers={"accept-language": lang})


def no_progress(fraction=None, desc=None):
    pass


@pytest.fixture
def handlers(tmp_path):
    return Handlers(Service(AppConfig(weights="random", device="cpu", probe_network=False)), workdir=tmp_path)


def test_parse_target_accepts_what_people_type():
    assert parse_target("", LABELS) is None and parse_target("Top-1", LABELS) is None and parse_target(None, LABELS) is None
    assert parse_target("281", LABELS) == 281 and parse_target(281, LABELS) == 281
    assert parse_target("281 · class281", LABELS) == 281 and parse_target("class281 (281)", LABELS) == 281
    assert parse_target("CLASS7", LABELS) == 7
    with pytest.raises(ValueError, match="No ImageNet class matches 'unicorn'"):
        parse_target("unicorn", LABELS)
    with pytest.raises(ValueError, match="没有与"):
        parse_target("1000", LABELS, "zh-CN")


def test_explain_returns_every_output(handlers, photo_path):
    out = handlers.explain(str(photo_path), 18, "gradcam", "layer4", "", 5, 0.5, True, request(), no_progress)
    label, overlay, strip, *grids, status, banner, files, shapes, shown = out
    assert len(label) == 5 and all(k.endswith(")") for k in label)
    assert abs(sum(label.values()) - sum(p.prob for p in shown.result.predictions)) < 1e-6
    left, top, right, bottom = (round(v) for v in shown.result.crop_box)
    assert overlay.size == (right - left, bottom - top) == (263, 262)  # ResNet-18 crops 224/256 of 300 px
    assert strip.width > 900 and len(grids) == 5
    assert "ResNet-18" in status and "cpu" in status and "UNTRAINED" in status
    assert banner["visible"] and "--weights random" in banner["value"]
    assert [f.rsplit("/", 1)[1] for f in files] == ["overlay.png", "result.json"]
    assert set(shown.result.cams_by_stage) == {"layer1", "layer2", "layer3", "layer4"}
    assert shapes == ("**stem** 64×56×56 →(=) **layer1** 64×56×56 →(H,W ÷2 · C ×2) **layer2** 128×28×28 →(H,W ÷2 · C ×2) "
                      "**layer3** 256×14×14 →(H,W ÷2 · C ×2) **layer4** 512×7×7")


def test_opacity_only_redraws(handlers, photo_path, monkeypatch):
    *_, shown = handlers.explain(str(photo_path), 18, "gradcam", "layer4", "", 5, 0.5, True, request(), no_progress)
    monkeypatch.setattr(handlers.service, "explain_photo", lambda *a, **k: pytest.fail("opacity must not run the model"))
    faint, _ = handlers.rerender(shown, 0.1)
    strong, _ = handlers.rerender(shown, 0.9)
    assert faint.size == strong.size and not np.array_equal(np.asarray(faint), np.asarray(strong))
    assert handlers.rerender(None, 0.5)[0] is not None  # gr.skip(): nothing shown yet


def test_picking_a_prediction_and_exporting(handlers, photo_path):
    assert handlers.pick_prediction(SimpleNamespace(value="crane (134)")) == "134"
    *_, shown = handlers.explain(str(photo_path), 18, "gradcam", "layer4", "134", 3, 0.5, False, request(), no_progress)
    assert shown.result.target == 134
    files = handlers.export_npz(shown, request())
    assert files[-1].endswith("arrays.npz")
    with pytest.raises(gr.Error):
        handlers.export_npz(None, request())


def test_clearing_the_photo_resets_the_page(handlers):
    out = handlers.explain(None, 50, "gradcam", "layer4", "", 5, 0.5, True, request(), no_progress)
    assert out[0] is None and out[-1] is None and out[8] == say("status_idle")


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "The file is empty"), (b"%PDF-1.4 not a photo", "not an image"), (b"<svg></svg>", "SVG")],
)
def test_bad_uploads_get_a_message_not_a_traceback(handlers, tmp_path, content, message):
    bad = tmp_path / "upload.bin"
    bad.write_bytes(content)
    with pytest.raises(gr.Error) as info:
        handlers.explain(str(bad), 18, "gradcam", "layer4", "", 5, 0.5, True, request(), no_progress)
    assert info.value.message.startswith(EN["err_image"]) and message in info.value.message
    with pytest.raises(gr.Error) as info:
        handlers.explain(str(bad), 18, "gradcam", "layer4", "", 5, 0.5, True, request("zh-CN,zh;q=0.9"), no_progress)
    assert info.value.message.startswith(ZH["err_image"])


def test_faults_give_messages_and_the_next_request_works(handlers, photo_path, monkeypatch, caplog):
    real = handlers.service.explain_photo
    faults = [ResourceExhaustedError("The CUDA ran out of memory"), WeightsUnavailableError("file is damaged"),
              RuntimeError("a bug")]

    def flaky(*args, **kwargs):
        if faults:
            raise faults.pop(0)
        return real(*args, **kwargs)

    monkeypatch.setattr(handlers.service, "explain_photo", flaky)
    args = (str(photo_path), 18, "gradcam", "layer4", "", 5, 0.5, True, request(), no_progress)
    for expected in (EN["err_memory"], EN["err_weights"], "Something went wrong on the server (RuntimeError)"):
        with pytest.raises(gr.Error) as info:
            handlers.explain(*args)
        assert info.value.message.startswith(expected)
    assert "a bug" in caplog.text  # the unexpected one is logged with its traceback
    assert handlers.explain(*args)[0]


def test_offline_imagenet_falls_back_to_random_with_a_banner(tmp_path, photo_path):
    service = Service(AppConfig(weights="imagenet", device="cpu"))  # the network probe fails in tests
    service.start()
    h = Handlers(service, workdir=tmp_path)
    assert service.state.offline and service.is_untrained(50)
    out = h.explain(str(photo_path), 18, "gradcam", "layer4", "", 5, 0.5, False, request(), no_progress)
    assert out[-1].result.pretrained is False
    assert out[9]["visible"] and "ResNet-18" in out[9]["value"] and "UNTRAINED" in out[9]["value"]


def test_a_bad_weights_file_is_an_error_not_a_fallback(tmp_path, photo_path):
    h = Handlers(Service(AppConfig(weights=str(tmp_path / "missing.pt"), device="cpu")), workdir=tmp_path)
    with pytest.raises(gr.Error, match="No weights file"):
        h.explain(str(photo_path), 18, "gradcam", "layer4", "", 5, 0.5, False, request(), no_progress)


def test_strings_exist_in_both_languages():
    assert set(EN) == set(ZH)
    assert language("zh-CN,zh;q=0.9,en;q=0.8") == "zh-CN" and language("en-GB") == "en" and language(None) == "en"


def test_score_cam_reports_progress_and_computes_one_stage(handlers, photo_path):
    seen = []

    def progress(fraction=None, desc=None):
        seen.append((fraction, desc))

    *_, shown = handlers.explain(str(photo_path), 18, "scorecam", "layer4", "", 5, 0.5, True, request(), progress)
    assert list(shown.result.cams_by_stage) == ["layer4"]  # all_stages is ignored for Score-CAM
    assert seen[-1][0] == 1.0 and "Score-CAM" in seen[-1][1] and len(seen) == 512 // 16
