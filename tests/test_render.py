"""display + render: the display keeps what a screen shows; every panel is drawn from it."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from PIL import Image, ImageFilter

from resnet_demo import explain, render
from resnet_demo.cams import top_channels
from resnet_demo.display import GRID_CHANNELS, Display, StageChannels, crop_photo


@pytest.fixture(scope="module")
def result(random_model, photo):
    return explain(random_model(50), photo, all_stages=True, block=("layer3", 0))


@pytest.fixture(scope="module")
def display(result):
    return Display.of(result)


def test_overlay_is_drawn_on_the_crop_at_the_photos_resolution(result, display):
    left, top, right, bottom = (round(v) for v in result.crop_box)
    crop = result.photo.crop((left, top, right, bottom))
    plain = render.render_overlay(display.crop, display.cam, alpha=0.0)
    assert plain.size == crop.size == (right - left, bottom - top)  # 290×290 of a 451×300 photo, not 224
    np.testing.assert_array_equal(np.asarray(plain), np.asarray(crop))
    heat = render.render_overlay(display.crop, display.cam, alpha=1.0)
    hottest = np.unravel_index(np.argmax(result.cam), result.cam.shape)
    y, x = (int(hottest[0] * crop.height / 224), int(hottest[1] * crop.width / 224))
    hot = np.asarray(heat)[y, x].astype(int)
    assert np.abs(hot - render.colormap_lut("jet")[255].astype(int)).max() <= 40
    with pytest.raises(ValueError, match="opacity"):
        render.render_overlay(display.crop, display.cam, alpha=1.5)
    np.testing.assert_array_equal(np.asarray(render.render_overlay(display.crop, None)), np.asarray(crop))  # no CAM yet


def test_the_display_caps_very_large_photos_and_keeps_only_shown_channels(result):
    big = Image.new("RGB", (4000, 3000), (90, 90, 90))
    assert crop_photo(big, (500.0, 0.0, 3500.0, 3000.0), 1280).size == (1280, 1280)
    d = Display.of(result, display_size=128, channels=16)
    assert max(d.crop.size) == 128
    for name, activation in result.stages.items():
        kept = d.stages[name]
        assert kept.shape == activation.shape and len(kept.indices) == min(16, activation.shape[0])
        np.testing.assert_array_equal(kept.maps, activation[kept.indices])
    kept = 128 * 128 * 3 + 4 * 224 * 224 * 4 + sum(s.maps.nbytes for s in d.stages.values())  # crop, 4 CAMs, maps
    assert d.nbytes == kept
    full = sum(a.nbytes for a in result.stages.values()) + result.photo.width * result.photo.height * 3
    assert d.nbytes < full / 4  # for a 451×300 photo; a phone photo's full result is far larger


def test_drawing_with_a_pool_gives_the_same_pictures(result, display):
    with ThreadPoolExecutor(3) as pool:
        together = render.render_panels(display, alpha=0.4, block_maps=result.block_maps, pool=pool)
        # a phone-sized photo: its 1024-pixel crop is downscaled in two bands of rows at once
        rng = np.random.default_rng(1)
        phone = Image.fromarray(rng.integers(0, 256, (1512, 2016, 3), dtype=np.uint8)).filter(ImageFilter.BLUR)
        box = (274.0, 26.1, 1735.5, 1485.9)
        banded, whole = crop_photo(phone, box, 1024, pool=pool), crop_photo(phone, box, 1024)
    alone = render.render_panels(display, alpha=0.4, block_maps=result.block_maps)
    for a, b in [(together.overlay, alone.overlay), (together.cam_strip, alone.cam_strip), (together.block, alone.block),
                 *((together.features[k], alone.features[k]) for k in alone.features)]:
        assert np.array_equal(np.asarray(a), np.asarray(b))
    assert banded.size == whole.size == (1024, 1023)
    diff = np.abs(np.asarray(banded, np.int16) - np.asarray(whole, np.int16))
    assert diff.max() <= 1 and diff.mean() < 0.01  # float rounding at most, in a few pixels


def test_top_channels_are_the_largest_means():
    rng = np.random.default_rng(0)
    activation = rng.random((40, 5, 5)).astype(np.float32)
    activation[17] += 10
    activation[3] += 5
    top = top_channels(activation, 4)
    means = activation.mean(axis=(1, 2))
    assert list(top) == list(np.argsort(-means)[:4]) and list(top[:2]) == [17, 3]


def test_feature_grid_and_strip_and_block_panels(result, display):
    grid = render.render_feature_grid(display.stages["layer2"], stage="layer2")
    assert grid.size == (8 * 100 + 4, 2 * 100 + 4 + 30)  # 16 tiles of 96 px, 8 per row, 4 px apart
    strip = render.render_cam_strip(display.crop, {"layer4": result.cam}, {k: v.shape for k, v in result.stages.items()})
    assert strip.width > 4 * 224
    panels = render.render_panels(display, alpha=0.4, block_maps=result.block_maps)
    assert set(panels.features) == {"stem", "layer1", "layer2", "layer3", "layer4"}
    assert panels.block is not None and panels.block.mode == "RGB"
    again = render.render_panels(display, alpha=0.4)
    assert np.array_equal(np.asarray(again.overlay), np.asarray(panels.overlay))  # a redraw is the same pixels
    with pytest.raises(ValueError, match="unknown colormap"):
        render.colormap_lut("no-such-map")


def test_the_grid_shows_every_channel_the_display_keeps(display):
    """One count of grid channels (display.GRID_CHANNELS): the grid draws a tile for each kept channel."""
    kept = display.stages["layer4"]
    assert len(kept.indices) == GRID_CHANNELS
    assert render.GRID.top_n == GRID_CHANNELS
    last = render.GRID.origin(GRID_CHANNELS - 1)
    assert render.channel_at(kept, last[0] + 1, last[1] + 1) == kept.indices[-1]


def test_clicking_a_tile_finds_its_channel(result, display):
    activation = result.stages["layer3"]
    top = top_channels(activation, 16)
    x0, y0 = render.GRID.origin(9)
    channels = display.stages["layer3"]
    assert render.channel_at(channels, x0 + 50, y0 + 50) == top[9]
    assert render.channel_at(channels, 2, 2) is None  # the title bar
    assert render.channel_at(channels, x0 + 97, y0 + 10) is None  # the gap between tiles
    big = render.render_channel(channels, int(top[0]), stage="layer3")
    assert big.size == (352, 408)


def test_enlarged_channel_shows_its_scale_and_mean_without_words():
    """The bar under the map is the colormap from min (left) to max (right); ▲ sits at the mean's place."""
    values = np.zeros((1, 4, 4), np.float32)
    values[0, 0, :] = 4.0  # min 0, max 4, mean 1: the mean a quarter of the way along
    channels = StageChannels(shape=(7, 4, 4), indices=np.array([5]), maps=values)
    big = np.asarray(render.render_channel(channels, 5, stage="layer2", size=200))
    bar_y = 24 + 200 + 6 + 7  # the bar's middle row
    lut = render.colormap_lut(render.FEATURE_COLORMAP)
    assert tuple(big[bar_y, 8]) == tuple(lut[0]) and tuple(big[bar_y, 8 + 199]) == tuple(lut[255])
    marker_row = big[24 + 200 + 6 + 14 + 4]  # the ▲ under the bar, drawn in ink
    dark = np.flatnonzero(marker_row.sum(axis=1) < 200)
    assert dark.size and abs(dark.mean() - (8 + round(0.25 * 199))) <= 1


def test_a_stage_without_a_cam_is_a_plain_grey_tile(result, display):
    shapes = {k: v.shape for k, v in result.stages.items()}
    strip = np.asarray(render.render_cam_strip(display.crop, {"layer4": result.cam}, shapes))
    tile = strip[26:26 + 224, 8:8 + 224]  # layer1: not computed
    assert (tile == render.NOT_COMPUTED).all()  # no words drawn in it
    assert not (strip[26:26 + 224, -8 - 224:-8] == render.NOT_COMPUTED).all()  # layer4 is
