"""The web app's handlers, in process: outputs as files, redraws, the slow lane, and error messages."""

from __future__ import annotations

import html
import json
import pickle
import re
import threading
from pathlib import Path
from types import SimpleNamespace

import gradio as gr
import numpy as np
import pytest
from PIL import Image

from resnet_demo import ResourceExhaustedError, WeightsUnavailableError
from resnet_demo.images import crop_box
from resnet_demo.service import AppConfig
from resnet_demo.ui import params
from resnet_demo.ui.handlers import Handlers, user_error
from resnet_demo.ui.shown import DisplayStore
from resnet_demo.ui.strings import EN, ZH, language, say
from resnet_demo.ui.uploads import UploadRefused

LABELS = tuple(f"class{i}" for i in range(1000))
OUT = {"predictions": 0, "overlay": 1, "strip": 2, "status": 8, "banner": 9, "files": 10, "shapes": 11, "shown": 12,
       "slow_job": 13, "stop": 14, "score_note": 15, "note": 16}


def request(lang: str = "en-US,en;q=0.9"):
    return SimpleNamespace(headers={"accept-language": lang})


def no_progress(fraction=None, desc=None):
    pass


@pytest.fixture
def handlers(tmp_path, make_service):
    return Handlers(make_service(AppConfig(weights="random", device="cpu", probe_network=False)), outbox=tmp_path)


def explain(h, path, depth=18, method="gradcam", target="", top_k=5, all_stages=True, lang="en-US"):
    return h.explain(str(path), depth, method, "layer4", target, top_k, 0.5, all_stages, request(lang), no_progress)


def test_parse_target_accepts_what_people_type():
    assert params.target_class("", LABELS) is None and params.target_class("Top-1", LABELS) is None
    assert params.target_class(None, LABELS) is None
    assert params.target_class("281", LABELS) == 281 and params.target_class(281, LABELS) == 281
    assert params.target_class("281 · class281", LABELS) == 281 and params.target_class("class281 (281)", LABELS) == 281
    assert params.target_class("CLASS7", LABELS) == 7
    with pytest.raises(params.ParameterError, match="No ImageNet class matches 'unicorn'"):
        params.target_class("unicorn", LABELS)
    assert "没有与“1000”" in user_error(params.ParameterError("target_class", "class", "1000"), "zh-CN").message
    with pytest.raises(params.ParameterError, match="at most 200 characters"):
        params.target_class("x" * 10_000, LABELS)


def test_explain_returns_files_written_once(handlers, photo_path):
    out = explain(handlers, photo_path)
    label, shown = out[OUT["predictions"]], out[OUT["shown"]]
    assert len(label) == 5 and all(k.endswith(")") for k in label)
    with Image.open(out[OUT["overlay"]]) as overlay:
        assert overlay.format == "JPEG" and overlay.size == (263, 262)  # ResNet-18 crops 224/256 of 300 px
    with Image.open(out[OUT["strip"]]) as strip:
        assert strip.format == "JPEG" and strip.width > 900
    grids = out[3:8]
    assert all(Image.open(g).format == "JPEG" for g in grids)
    status = out[OUT["status"]]
    assert "ResNet-18" in status and "cpu" in status and "UNTRAINED" in status
    assert out[OUT["banner"]]["visible"] and "--weights random" in out[OUT["banner"]]["value"]
    assert [Path(f).name for f in out[OUT["files"]]] == ["overlay.jpg", "result.json"]
    assert json.loads(Path(out[OUT["files"]][1]).read_text())["depth"] == 18
    assert out[OUT["shapes"]] == ("**stem** 64×56×56 →(=) **layer1** 64×56×56 →(H,W ÷2 · C ×2) **layer2** 128×28×28 "
                                  "→(H,W ÷2 · C ×2) **layer3** 256×14×14 →(H,W ÷2 · C ×2) **layer4** 512×7×7")
    assert len(pickle.dumps(shown)) < 2000  # the whole per-session state: a token and the request
    assert not list(Path(out[OUT["overlay"]]).parent.glob("*.tmp"))  # written atomically: no temporaries left


def test_opacity_only_redraws_and_rebuilds_when_the_store_dropped_it(handlers, photo_path, monkeypatch):
    shown = explain(handlers, photo_path)[OUT["shown"]]
    real = handlers.service.explain_photo
    monkeypatch.setattr(handlers.service, "explain_photo", lambda *a, **k: pytest.fail("opacity must not run the model"))
    faint, _, _ = handlers.rerender(shown, 0.1)
    strong, _, _ = handlers.rerender(shown, 0.9)
    assert not np.array_equal(np.asarray(Image.open(faint)), np.asarray(Image.open(strong)))
    assert handlers.rerender(None, 0.5)[0] is not None  # gr.skip(): nothing shown yet
    handlers.store = DisplayStore(budget_bytes=0)  # the server dropped this visitor's display
    calls = []
    monkeypatch.setattr(handlers.service, "explain_photo", lambda *a, **k: calls.append(1) or real(*a, **k))
    again, _, _ = handlers.rerender(shown, 0.9)
    assert calls == [1] and np.array_equal(np.asarray(Image.open(again)), np.asarray(Image.open(strong)))


def test_the_display_store_is_bounded_in_bytes():
    from resnet_demo.display import Display

    one = Display(crop=Image.new("RGB", (100, 100)), cam=None, cams_by_stage={}, stages={})
    store = DisplayStore(budget_bytes=one.nbytes * 3)
    for i in range(10):
        store.put(str(i), one)
    assert len(store) == 3 and store.nbytes == 3 * one.nbytes and store.get("0") is None and store.get("9") is one


def test_picking_a_prediction_enlarging_and_exporting(handlers, photo_path):
    assert handlers.pick_prediction(SimpleNamespace(value="crane (134)")) == "134"
    assert handlers.pick_prediction(SimpleNamespace(value={"x": 1})) == ""
    shown = explain(handlers, photo_path, target="134", top_k=3, all_stages=False)[OUT["shown"]]
    assert shown.options["target"] == 134
    files = handlers.export_npz(shown, request())
    assert [Path(f).name for f in files] == ["overlay.jpg", "result.json", "arrays.npz"]
    with np.load(files[-1]) as arrays:
        assert arrays["stage/layer4"].shape == (512, 7, 7)
    full = handlers.export_full(shown, 0.5, request())[-1]
    with Image.open(full) as image:
        assert image.size == (263, 262)  # the photo is small: full resolution is its own crop
    enlarge = handlers.enlarger("layer3")
    assert Image.open(enlarge(shown, SimpleNamespace(index=[60, 90]))).size == (352, 408)
    for nothing in (None, [1], {"a": 1}, [2, 2]):  # no index, or the title bar: nothing to enlarge
        assert not isinstance(enlarge(shown, SimpleNamespace(index=nothing)), str)
    for junk in (["x", "y"], [float("nan"), 3], [10**9, 5]):  # what only a hand-made request sends
        with pytest.raises(gr.Error, match="not valid"):
            enlarge(shown, SimpleNamespace(index=junk), request())
    with pytest.raises(gr.Error):
        handlers.export_npz(None, request())


def test_a_full_resolution_overlay_is_made_on_request(handlers, tmp_path, photo_path):
    big = tmp_path / "phone.jpg"
    with Image.open(photo_path) as photo:
        photo.convert("RGB").resize((4000, 3000)).save(big, quality=90)
    out = explain(handlers, big, depth=50, all_stages=False)
    with Image.open(out[OUT["overlay"]]) as shown_overlay:
        assert max(shown_overlay.size) == 1024  # shown at display size
    assert "decoded at 1/2 scale" in out[OUT["status"]]
    with Image.open(handlers.export_full(out[OUT["shown"]], 0.5, request())[-1]) as full:
        left, top, right, bottom = (round(v) for v in crop_box((4000, 3000), 232, 224))  # ResNet-50's crop
        assert full.size == (right - left, bottom - top) and min(full.size) > 2800  # not the 1024 px shown


def test_clearing_the_photo_resets_the_page(handlers):
    out = handlers.explain(None, 50, "gradcam", "layer4", "", 5, 0.5, True, request(), no_progress)
    assert out[0] is None and out[OUT["shown"]] is None and out[OUT["status"]] == say("status_idle")


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "The file is empty"), (b"%PDF-1.4 not a photo", "not an image"), (b"<svg></svg>", "SVG")],
)
def test_bad_uploads_get_a_message_not_a_traceback(handlers, tmp_path, content, message):
    bad = tmp_path / "upload.bin"
    bad.write_bytes(content)
    with pytest.raises(gr.Error) as info:
        explain(handlers, bad)
    assert info.value.message.startswith(EN["err_image"]) and message in info.value.message
    with pytest.raises(gr.Error) as info:
        explain(handlers, bad, lang="zh-CN,zh;q=0.9")
    assert info.value.message.startswith(ZH["err_image"])
    words = re.sub(r"JPEG|PNG|WebP|GIF|BMP|TIFF|SVG", "", info.value.message)  # format names are names
    assert not re.search(r"[A-Za-z]{3,}", words), info.value.message  # the case in Chinese, not the engine's English


@pytest.mark.parametrize("size", [(20, 40), (2000, 40)])
def test_an_image_error_is_worded_with_its_numbers_in_the_page_language(handlers, tmp_path, size):
    from PIL import Image

    path = tmp_path / "odd.png"
    Image.new("RGB", size, (90, 120, 200)).save(path)
    with pytest.raises(gr.Error) as info:
        explain(handlers, path, lang="zh-CN")
    message = info.value.message
    assert message.startswith(ZH["err_image"] + "这张图像") and f"{size[0]}×{size[1]} 像素" in message
    assert "pixels" not in message


def test_an_engine_error_without_a_worded_case_is_not_shown_in_english_on_a_zh_page(caplog):
    exc = WeightsUnavailableError("/srv/w.pth is not a PyTorch state_dict file (bad zip).")
    zh, en = user_error(exc, "zh-CN").message, user_error(exc, "en").message
    assert zh == ZH["err_weights"] + ZH["err_detail_logged"] and "state_dict" in caplog.text
    assert en.startswith(EN["err_weights"] + " ") and "/srv/w.pth is not a PyTorch" in en
    oom = user_error(ResourceExhaustedError("The CUDA ran out…", reason="out_of_memory", device="CUDA", depth=152),
                     "zh-CN").message
    assert oom == ZH["err_memory"] + "请稍后再试，或选择较浅的网络（这次是 CUDA 上的 ResNet-152）。"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"depth": "abc"}, "depth must be one of 18, 34, 50, 101, 152; it got “abc”."),
        ({"depth": True}, "depth must be one of"),
        ({"method": "smoothgrad"}, "method must be one of gradcam"),
        ({"stage": "layer9"}, "stage must be one of layer1"),
        ({"top_k": 10**12}, "top_k must be a whole number from 1 to 10"),
        ({"top_k": 2.5}, "top_k must be a whole number"),
        ({"opacity": float("nan")}, "opacity must be a number from 0 to 1"),
        ({"opacity": "1e309"}, "opacity must be a number from 0 to 1"),
        ({"all_stages": "maybe"}, "all_stages must be true or false"),
        ({"all_stages": [1]}, "all_stages must be true or false"),
    ],
)
def test_every_parameter_is_checked_with_a_message_that_names_it(handlers, photo_path, args, message):
    values = {"depth": 18, "method": "gradcam", "stage": "layer4", "target_class": "", "top_k": 5, "opacity": 0.5,
              "all_stages": False, **args}
    out = handlers.explain(str(photo_path), **values, request=request(), progress=no_progress)
    assert all(o == gr.skip() for o in out[:-1])  # the panels keep what they showed
    note = out[OUT["note"]]
    assert note["visible"] and note["value"].startswith(EN["err_value"]) and message in html.unescape(note["value"])


def test_a_refused_path_gets_one_message_in_the_visitors_language(handlers):
    for lang, table in (("en-US", EN), ("zh-CN", ZH)):
        with pytest.raises(gr.Error) as info:  # what PhotoInput hands over for a path it refused
            handlers.explain(UploadRefused("outside"), 18, "gradcam", "layer4", "", 5, 0.5, True, request(lang),
                             no_progress)
        assert info.value.message == f"{table['err_image']} {table['err_not_uploaded']}"


def test_faults_give_messages_and_the_next_request_works(handlers, photo_path, monkeypatch, caplog):
    real = handlers.service.explain_photo
    faults = [ResourceExhaustedError("The CUDA ran out of memory"), WeightsUnavailableError("file is damaged"),
              RuntimeError("a bug")]

    def flaky(*args, **kwargs):
        if faults:
            raise faults.pop(0)
        return real(*args, **kwargs)

    monkeypatch.setattr(handlers.service, "explain_photo", flaky)
    for expected in (EN["err_memory"], EN["err_weights"], "Something went wrong on the server (RuntimeError)"):
        with pytest.raises(gr.Error) as info:
            explain(handlers, photo_path)
        assert info.value.message.startswith(expected)
    assert "a bug" in caplog.text  # the unexpected one is logged with its traceback
    assert explain(handlers, photo_path)[0]


def test_offline_imagenet_falls_back_to_random_with_a_banner(tmp_path, photo_path, make_service):
    service = make_service(AppConfig(weights="imagenet", device="cpu"))  # the network probe fails in tests
    service.start()
    h = Handlers(service, outbox=tmp_path)
    assert service.state.offline and service.is_untrained(50)
    out = explain(h, photo_path, all_stages=False)
    assert "UNTRAINED" in out[OUT["status"]]
    assert out[OUT["banner"]]["visible"] and "ResNet-18" in out[OUT["banner"]]["value"]


def test_a_bad_weights_file_is_an_error_not_a_fallback(tmp_path, photo_path, make_service):
    h = Handlers(make_service(AppConfig(weights=str(tmp_path / "missing.pt"), device="cpu")), outbox=tmp_path)
    with pytest.raises(gr.Error, match="No weights file"):
        explain(h, photo_path, all_stages=False)


def test_strings_exist_in_both_languages():
    assert set(EN) == set(ZH)
    assert language("zh-CN,zh;q=0.9,en;q=0.8") == "zh-CN" and language("en-GB") == "en" and language(None) == "en"


def test_score_cam_answers_fast_then_fills_in_the_map_in_the_slow_lane(handlers, photo_path):
    out = explain(handlers, photo_path, method="scorecam")
    assert out[OUT["slow_job"]] == out[OUT["shown"]].token and out[OUT["stop"]]["visible"]
    assert "128 strongest channels of layer4 (of 512)" in out[OUT["score_note"]]["value"]
    steps = list(handlers.score_cam(str(photo_path), 18, "layer4", "", 5, 0.5, request()))
    progress = [s[1] for s in steps if isinstance(s[1], str) and "channels scored" in s[1]]
    assert progress and "about" in progress[-1] and "s left" in progress[-1]
    overlay, note, status, files, shown, stop, _ = steps[-1]
    assert "the 128 strongest channels (of 512) scored in" in note and not stop["visible"]
    assert "ResNet-18" in status
    assert Image.open(overlay).size == (263, 262) and shown.options["method"] == "scorecam"
    faint, _, _ = handlers.rerender(shown, 0.2)  # the Score-CAM result is kept for redraws too
    assert Image.open(faint).size == (263, 262)


def test_stopping_score_cam_stops_the_engine(handlers, photo_path, monkeypatch):
    batches, three, real = [], threading.Event(), handlers.service.gate.wait_idle

    def counted(timeout=10.0):
        batches.append(1)
        if len(batches) == 3:
            three.set()
        return real(timeout)

    monkeypatch.setattr(handlers.service.gate, "wait_idle", counted)
    before = set(threading.enumerate())
    steps = handlers.score_cam(str(photo_path), 18, "layer4", "", 5, 0.5, request())
    next(steps)
    (engine,) = [t for t in set(threading.enumerate()) - before if t.name == "score-cam"]
    assert three.wait(60), "Score-CAM never reached its third batch"
    steps.close()  # what Gradio does on the stop button, or when the visitor leaves
    engine.join(30)
    assert not engine.is_alive(), "Score-CAM kept running after the stop"
    assert 3 <= len(batches) <= 4 < 128 // 4  # at most the batch that had begun; far from all 32


def test_downloads_after_the_outbox_swept_the_results_files_say_so(handlers, photo_path):
    """An hour later the outbox has removed the result's folder: a clear message, never a link to nothing."""
    shown = explain(handlers, photo_path, all_stages=False)[OUT["shown"]]
    handlers.outbox.keep_seconds, handlers.outbox._last_sweep = -1, 0.0  # the next request sweeps everything
    redrawn, _, _ = handlers.rerender(shown, 0.3)  # a redraw writes new files: it still works
    assert Path(redrawn).is_file()
    assert not any(Path(f).exists() for f in shown.files)  # swept by that redraw's new folder
    for export in (lambda: handlers.export_npz(shown, request()), lambda: handlers.export_full(shown, 0.5, request())):
        with pytest.raises(gr.Error) as info:
            export()
        assert info.value.message == EN["err_expired"]
    with pytest.raises(gr.Error) as info:
        handlers.export_npz(shown, request("zh-CN"))
    assert info.value.message == ZH["err_expired"]


def test_every_case_the_engine_names_is_worded_in_both_languages():
    """Each `reason="…"` an engine error is raised with has a sentence in EN and ZH with the same fields."""
    root = Path(__file__).resolve().parents[1] / "resnet_demo"
    reasons = {m for f in root.rglob("*.py") for m in re.findall(r'reason="(\w+)"', f.read_text(encoding="utf-8"))}
    assert {"too_small", "unreadable", "paste_damaged", "out_of_memory"} <= reasons
    for reason in reasons:
        key = f"err_reason_{reason}"
        assert key in EN and key in ZH, key
        assert set(re.findall(r"\{(\w+)", EN[key])) == set(re.findall(r"\{(\w+)", ZH[key])), key


def test_the_status_line_names_the_engines_phases_in_the_page_language(handlers, photo_path):
    status = explain(handlers, photo_path, lang="zh-CN")[OUT["status"]]
    assert "前向传播" in status and "反向传播" in status
    words = set(re.findall(r"[A-Za-z]{2,}", re.sub(r"ResNet-\d+", "", status)))
    assert words <= {"cpu", "cuda", "ms", "CAM"}, words  # units and names; no English word of the engine's
    assert "forward" in explain(handlers, photo_path)[OUT["status"]]


def test_an_engine_errors_case_survives_pickling():
    """A ZeroGPU worker's error crosses a process: its reason and facts must arrive with it."""
    from resnet_demo import ImageError

    sent = ImageError("This image is only 20×20 pixels…", reason="too_small", width=20, height=20, min_side=32)
    got = pickle.loads(pickle.dumps(sent))
    assert type(got) is ImageError and str(got) == str(sent)
    assert (got.reason, got.facts) == ("too_small", {"width": 20, "height": 20, "min_side": 32})
    assert "20×20 像素" in user_error(got, "zh-CN").message


def test_a_request_counts_as_in_flight_while_it_draws(handlers, photo_path, monkeypatch):
    """The engine gives a request every core only when it is alone: one still drawing its
    pictures after the model must count, or the next request's team would crowd its drawing."""
    import resnet_demo.ui.handlers as module

    seen = []
    real = module.render_panels
    monkeypatch.setattr(module, "render_panels",
                        lambda *a, **k: seen.append(handlers.service.serving.active) or real(*a, **k))
    explain(handlers, photo_path)
    assert seen == [1] and handlers.service.serving.active == 0
