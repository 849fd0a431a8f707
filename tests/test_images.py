"""prepare_image / open_image: every PIL mode, EXIF, animation, and refusals with clear messages."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from resnet_demo import ImageError, images


def _png_bytes(image: Image.Image, **kwargs) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format="PNG", **kwargs)
    return buf.getvalue()


def _gradient(mode: str, size=(64, 48)) -> Image.Image:
    w, h = size
    ramp = np.tile(np.linspace(0, 1, w), (h, 1))
    if mode in ("I;16",):
        return Image.fromarray((ramp * 65535).astype(np.uint16))
    if mode == "I":
        return Image.fromarray((ramp * 40000).astype(np.int32))
    if mode == "F":
        return Image.fromarray(ramp.astype(np.float32))
    rgb = Image.fromarray((np.dstack([ramp, ramp[::-1], ramp * 0.5]) * 255).astype(np.uint8), "RGB")
    return rgb.convert(mode)


@pytest.mark.parametrize("mode", ["1", "L", "LA", "P", "RGB", "RGBA", "CMYK", "YCbCr", "I;16", "I", "F", "PA"])
def test_every_mode_becomes_rgb(mode):
    out = images.prepare_image(_gradient(mode))
    assert out.mode == "RGB" and out.size == (64, 48)
    values = np.asarray(out)
    assert values.max() > values.min()  # the content survived, not a flat image


@pytest.mark.parametrize("mode", ["I;16", "I", "F"])
def test_high_bit_depth_greys_keep_their_ramp(mode):
    grey = np.asarray(images.prepare_image(_gradient(mode)))[..., 0].astype(int)
    row = grey[0]
    assert np.all(np.diff(row) >= 0) and row[-1] - row[0] > 100


def test_transparency_is_composited_on_white():
    rgba = Image.new("RGBA", (40, 40), (255, 0, 0, 0))  # fully transparent red
    rgba.putpixel((0, 0), (0, 0, 255, 255))
    out = images.prepare_image(rgba)
    assert out.getpixel((5, 5)) == (255, 255, 255) and out.getpixel((0, 0)) == (0, 0, 255)

    palette = Image.new("P", (40, 40), 1)
    palette.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    palette.info["transparency"] = 1  # index 1 (red) is transparent
    reopened = Image.open(io.BytesIO(_png_bytes(palette, transparency=1)))
    assert images.prepare_image(reopened).getpixel((5, 5)) == (255, 255, 255)

    la = Image.new("LA", (40, 40), (0, 0))
    assert images.prepare_image(la).getpixel((3, 3)) == (255, 255, 255)


def test_exif_orientation_is_applied():
    image = Image.new("RGB", (60, 40), (0, 0, 0))
    image.paste((255, 0, 0), (0, 0, 10, 10))  # a red mark at the stored top-left
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    buf = io.BytesIO()
    image.save(buf, format="JPEG", exif=exif, quality=95)
    out = images.prepare_image(buf.getvalue())
    assert out.size == (40, 60)
    r, g, b = out.getpixel((35, 3))  # stored top-left ends up top-right
    assert r > 200 and g < 60 and b < 60


def test_animated_gif_uses_the_first_frame():
    frames = [Image.new("RGB", (48, 48), c) for c in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    buf = io.BytesIO()
    frames[0].save(buf, format="GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    out = images.prepare_image(buf.getvalue())
    r, g, b = out.getpixel((10, 10))
    assert r > 200 and g < 50 and b < 50


@pytest.mark.parametrize("size", [(1, 1), (31, 200), (500, 8)])
def test_tiny_images_are_refused(size):
    with pytest.raises(ImageError, match="at least 32 pixels"):
        images.prepare_image(Image.new("RGB", size))


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims width × height but carries almost no data: a decompression bomb's header."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


@pytest.mark.parametrize("side", [30000, 8000])  # 900 MP (PIL's own bomb limit) and 64 MP (ours)
def test_huge_images_are_refused_before_decoding(side):
    with pytest.raises(ImageError, match="too large.*megapixels"):
        images.prepare_image(_png_header_only(side, side))


def test_unreadable_inputs_get_clear_messages(photo_path):
    with pytest.raises(ImageError, match="empty"):
        images.prepare_image(b"")
    with pytest.raises(ImageError, match="not an image"):
        images.prepare_image(b"hello, this is text and not a picture")
    with pytest.raises(ImageError, match="SVG"):
        images.prepare_image(b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>')
    data = photo_path.read_bytes()
    with pytest.raises(ImageError, match="damaged or incomplete"):
        images.prepare_image(data[: len(data) // 3])
    with pytest.raises(ImageError, match="limit is"):
        images.open_image(data, max_bytes=1000)
    with pytest.raises(ImageError, match="No such file"):
        images.prepare_image("/no/such/photo.jpg")
    with pytest.raises(TypeError):
        images.prepare_image(12345)


def test_paths_bytes_streams_and_images_agree(photo_path):
    from_path = images.prepare_image(photo_path)
    from_bytes = images.prepare_image(photo_path.read_bytes())
    with open(photo_path, "rb") as stream:
        from_stream = images.prepare_image(stream)
    assert from_path.tobytes() == from_bytes.tobytes() == from_stream.tobytes()


def test_crop_box_matches_torchvision_resize_and_center_crop(random_model, photo):
    m = random_model(50)  # resize 232, crop 224
    assert images.crop_box((300, 300), 232, 224) == pytest.approx((4 * 300 / 232,) * 2 + (228 * 300 / 232,) * 2)
    box = images.crop_box(photo.size, 232, 224)
    # Cropping the box out of the photo and scaling it to 224 gives what the transform gives.
    crop = photo.crop(tuple(round(v) for v in box)).resize((224, 224), Image.BILINEAR)
    ours = np.asarray(crop, dtype=np.float32)
    theirs = m.transform(photo).permute(1, 2, 0).numpy() * np.array(m.transform.std) + np.array(m.transform.mean)
    assert np.corrcoef(ours.ravel(), (theirs * 255).ravel())[0, 1] > 0.98
    left, top, right, bottom = box
    assert right - left == pytest.approx(bottom - top, rel=0.01) and 0 <= left < right <= photo.width


@pytest.mark.parametrize("size", [(2100, 100), (100, 2100)])  # 21:1 either way
def test_shapes_no_camera_makes_are_refused_before_decoding(size):
    with pytest.raises(ImageError, match="refused, not shrunk.*20 times"):
        images.prepare_image(_png_header_only(*size))
    assert images.prepare_image(Image.new("RGB", (2000, 100))).size == (2000, 100)  # 20:1 is still a panorama


def _jpeg(size: tuple[int, int], **save) -> bytes:
    ramp = np.linspace(0, 255, size[0], dtype=np.uint8)
    image = Image.fromarray(np.dstack([np.tile(ramp, (size[1], 1))] * 3), "RGB")
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90, **save)
    return buffer.getvalue()


def test_large_photos_are_decoded_just_large_enough():
    big = _jpeg((4032, 3024))
    assert images.prepare_image(big).size == (4032, 3024)  # by default: full resolution
    assert images.prepare_image(big, min_short_side=1463).size == (2016, 1512)  # libjpeg's 1/2 scale
    assert images.prepare_image(big, min_short_side=256).size == (504, 378)  # 1/8: never below what was asked
    assert images.prepare_image(_jpeg((300, 200)), min_short_side=256).size == (300, 200)  # never enlarged
    png = io.BytesIO()
    Image.new("RGB", (3000, 2000), (10, 200, 30)).save(png, format="PNG")
    reduced = images.prepare_image(png.getvalue(), min_short_side=500)  # no DCT scaling: box-reduced by 4
    assert reduced.size == (750, 500) and reduced.getpixel((10, 10)) == (10, 200, 30)
    with pytest.raises(ValueError, match="min_short_side"):
        images.prepare_image(big, min_short_side=8)


def test_reduced_decoding_keeps_exif_orientation():
    exif = Image.Exif()
    exif[0x0112] = 6  # stored landscape, shown portrait
    upright = images.prepare_image(_jpeg((4000, 3000), exif=exif), min_short_side=700)
    assert upright.size == (750, 1000)  # 1/4 scale, then turned upright
