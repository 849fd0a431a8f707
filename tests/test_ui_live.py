"""The real app on a localhost port, called through gradio_client like any API user would."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from gradio_client import Client, handle_file
from helpers import save_fake_imagenet_weights, serve_app
from PIL import Image

from resnet_demo import zoo
from resnet_demo.service import AppConfig

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def app():
    """ResNet-18 has (locally written) ImageNet weights; other depths have none and no network."""
    path = save_fake_imagenet_weights(18)
    try:
        with serve_app(AppConfig(weights="imagenet", device="cpu")) as (url, _, service):
            yield url, service
    finally:
        path.unlink()


@pytest.fixture(scope="module")
def client(app):
    return Client(app[0], verbose=False)


def test_explain_endpoint_is_named_and_documented(client):
    api = client.view_api(return_format="dict", print_info=False)
    assert sorted(api["named_endpoints"]) == ["/architecture", "/compare", "/degradation", "/explain",
                                              "/gradient_flow", "/residual", "/scorecam"]
    # helper events (opacity redraw, prediction click, NPZ export, enlarging a channel) are private
    params = api["named_endpoints"]["/explain"]["parameters"]
    names = [p["parameter_name"] for p in params]
    assert names == ["image", "depth", "method", "stage", "target_class", "top_k", "opacity", "all_stages"]
    assert [p["parameter_has_default"] for p in params] == [False] + [True] * 7
    assert params[4]["type"] == {"type": "string", "description": params[4]["type"]["description"]}


@pytest.mark.parametrize(("depth", "pretrained"), [(18, True), (34, False)])
def test_two_depths_through_the_client(client, photo_path, depth, pretrained):
    out = client.predict(image=handle_file(str(photo_path)), depth=depth, top_k=3, api_name="/explain")
    label, overlay, strip, *grids, status, banner, files, shapes, score_note, note = out
    assert len(grids) == 5 and score_note["value"] == ""  # the Score-CAM note: hidden for other methods
    assert not note["visible"]  # nothing refused
    assert len(label["confidences"]) == 3 and label["label"].endswith(")")
    result = json.loads(open(files[1], encoding="utf-8").read())
    left, top, right, bottom = (round(v) for v in result["crop_box"])
    with Image.open(overlay) as img:
        assert img.size == (right - left, bottom - top) == (263, 262)  # the photo's own crop, not 224 px
    assert result["depth"] == depth and result["pretrained"] == pretrained
    with Image.open(strip) as img:
        assert img.width > 900
    assert "layer4" in shapes and len(grids) == 5 and all(Image.open(g).width > 300 for g in grids)
    assert f"ResNet-{depth}" in status
    assert ("ImageNet (trained)" in status) == pretrained and ("UNTRAINED" in status) != pretrained
    assert "ResNet-34" in banner["value"] and "ResNet-18" not in banner["value"]
    assert [f.rsplit("/", 1)[1] for f in files] == ["overlay.jpg", "result.json"]


def test_target_class_by_label(client, photo_path):
    out = client.predict(image=handle_file(str(photo_path)), depth=18, target_class="tabby", all_stages=False,
                         api_name="/explain")
    assert "ResNet-18" in out[8]
    result = json.loads(open(out[10][1], encoding="utf-8").read())
    assert (result["target"]["index"], result["target"]["label"]) == (281, "tabby")  # whatever the top-1 is


def test_bad_file_gets_a_readable_message_and_the_server_stays_up(client, tmp_path, photo_path):
    bad = tmp_path / "homework.png"
    bad.write_text("this is not a picture")
    with pytest.raises(Exception) as info:
        client.predict(image=handle_file(str(bad)), depth=18, api_name="/explain")
    assert "This photo cannot be used" in str(info.value) and "not an image" in str(info.value)
    out = client.predict(image=handle_file(str(photo_path)), depth=18, all_stages=False, api_name="/explain")
    assert len(out[0]["confidences"]) == 5


def test_short_soak_leaves_no_hooks_and_little_growth(app, client, photo_path, tmp_path):
    """A quick version of bench/soak.py: memory settles after warm-up and no hooks are left behind.

    Every request sends a photo of its own (not a bundled example, whose results the service
    caches), and the test counts the model runs, so the checks measure requests that did work.
    """
    import gc

    import numpy as np
    import psutil
    from helpers import hooks_left

    _, service = app
    runs, real = [], service.on_engine

    def counted(fn, *args):
        runs.append(args[-2])  # the photo's path: (…, path, options) on every engine path
        return real(fn, *args)

    with Image.open(photo_path) as image:
        pixels = np.asarray(image.convert("RGB")).copy()
    photos = []
    for i in range(16):
        pixels[i, :, :] = (i * 10) % 256  # one row differs: a distinct file each time
        photos.append(tmp_path / f"visitor-{i}.jpg")
        Image.fromarray(pixels).save(photos[-1], quality=90)
    process = psutil.Process()
    rss = []
    service.on_engine = counted
    try:
        for i, photo in enumerate(photos):
            client.predict(image=handle_file(str(photo)), depth=(18, 34)[i % 2], stage=("layer4", "layer2")[i % 2],
                           all_stages=i % 3 == 0, api_name="/explain")
            if i in (5, 15):
                gc.collect()
                rss.append(process.memory_info().rss / 2**20)
    finally:
        service.on_engine = real
    assert len(runs) == 16 and len({Path(p).name for p in runs}) == 16  # each request ran the model on its photo
    assert rss[1] - rss[0] < 100, rss
    assert zoo.MODEL_CACHE.keys() and all(hooks_left(m.module) == [] for m in zoo.MODEL_CACHE._items.values())
