"""render: overlays at the photo's resolution, CAM strip, feature grids, block maps."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from resnet_demo import explain, render


@pytest.fixture(scope="module")
def result(random_model, photo):
    return explain(random_model(50), photo, all_stages=True, block=("layer3", 0))


def test_overlay_is_drawn_on_the_crop_at_the_photos_resolution(result):
    left, top, right, bottom = (round(v) for v in result.crop_box)
    crop = result.photo.crop((left, top, right, bottom))
    plain = render.render_overlay(result.photo, result.cam, result.crop_box, alpha=0.0)
    assert plain.size == crop.size == (right - left, bottom - top)  # 290×290 of a 451×300 photo, not 224
    np.testing.assert_array_equal(np.asarray(plain), np.asarray(crop))
    heat = render.render_overlay(result.photo, result.cam, result.crop_box, alpha=1.0)
    hottest = np.unravel_index(np.argmax(result.cam), result.cam.shape)
    y, x = (int(hottest[0] * crop.height / 224), int(hottest[1] * crop.width / 224))
    hot = np.asarray(heat)[y, x].astype(int)
    assert np.abs(hot - render.colormap_lut("jet")[255].astype(int)).max() <= 40
    with pytest.raises(ValueError, match="opacity"):
        render.render_overlay(result.photo, result.cam, result.crop_box, alpha=1.5)


def test_overlay_caps_very_large_photos():
    big = Image.new("RGB", (4000, 3000), (90, 90, 90))
    out = render.render_overlay(big, np.zeros((224, 224), np.float32), (500.0, 0.0, 3500.0, 3000.0), max_side=1024)
    assert out.size == (1024, 1024)


def test_top_channels_are_the_largest_means():
    rng = np.random.default_rng(0)
    activation = rng.random((40, 5, 5)).astype(np.float32)
    activation[17] += 10
    activation[3] += 5
    top = render.top_channels(activation, 4)
    means = activation.mean(axis=(1, 2))
    assert list(top) == list(np.argsort(-means)[:4]) and list(top[:2]) == [17, 3]


def test_feature_grid_and_strip_and_block_panels(result):
    grid = render.render_feature_grid(result.stages["layer2"], stage="layer2")
    assert grid.size == (8 * 100 + 4, 2 * 100 + 4 + 30)  # 16 tiles of 96 px, 8 per row, 4 px apart
    strip = render.render_cam_strip(
        result.photo, {"layer4": result.cam}, result.crop_box, {k: v.shape for k, v in result.stages.items()}
    )
    assert strip.width > 4 * 224
    panels = render.render_panels(result, alpha=0.4)
    assert set(panels.features) == {"stem", "layer1", "layer2", "layer3", "layer4"}
    assert panels.block is not None and panels.block.mode == "RGB"
    with pytest.raises(ValueError, match="unknown colormap"):
        render.colormap_lut("no-such-map")


def test_clicking_a_tile_finds_its_channel(result):
    activation = result.stages["layer3"]
    top = render.top_channels(activation, 16)
    x0, y0 = render.GRID.origin(9)
    assert render.channel_at(activation, x0 + 50, y0 + 50) == top[9]
    assert render.channel_at(activation, 2, 2) is None  # the title bar
    assert render.channel_at(activation, x0 + 97, y0 + 10) is None  # the gap between tiles
    big = render.render_channel(activation, int(top[0]), stage="layer3")
    assert big.size == (352, 392)
