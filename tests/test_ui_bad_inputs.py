"""The bad-input suite through the live server: 20 kinds of upload, each a clear message or a right answer.

Nothing may hang (each request has a deadline), no answer may be Gradio's generic "error", and
the server must answer a normal request afterwards.
"""

from __future__ import annotations

import io
import json
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from gradio_client import Client, handle_file
from PIL import Image

from helpers import serve
from resnet_demo.service import AppConfig

pytestmark = pytest.mark.live

OK = "ok"


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(side: int) -> bytes:
    """A real decompression bomb: a side×side greyscale PNG of zeros, about 1 MB on disk for 30000."""
    squeezer = zlib.compressobj(9)
    row = b"\0" * (side + 1)  # filter byte + pixels
    body = b"".join(squeezer.compress(row) for _ in range(side)) + squeezer.flush()
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", body) + _png_chunk(b"IEND", b"")


def _save(image: Image.Image, fmt: str, **kwargs) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format=fmt, **kwargs)
    return buf.getvalue()


def bad_files(photo: Image.Image) -> dict[str, tuple[str, bytes, str]]:
    """kind -> (file name, content, expected: OK or a phrase of the message)."""
    small = photo.resize((160, 106))
    jpeg = _save(photo, "JPEG", quality=90)
    exif = Image.Exif()
    exif[0x0112] = 8  # rotate 90° counter-clockwise to display
    frames = [small.convert("P"), small.rotate(90).convert("P")]
    return {
        "not an image": ("notes.png", b"these are my homework notes, not a picture\n" * 20, "not an image"),
        "truncated": ("cut.jpg", jpeg[: len(jpeg) // 2], "damaged or incomplete"),
        "empty": ("empty.jpg", b"", "empty"),
        "1x1": ("dot.png", _save(Image.new("RGB", (1, 1)), "PNG"), "at least 32 pixels"),
        "30000x30000 bomb": ("bomb.png", png_bomb(30000), "too large"),
        "64 MP": ("huge.png", png_bomb(8000), "too large"),
        "svg": ("drawing.svg", b'<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"/>', "SVG"),
        "unknown format": ("data.xyz", np.random.default_rng(0).bytes(5000), "not an image"),
        "pdf": ("paper.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", "not an image"),
        "html": ("page.jpg", b"<html><body>hello</body></html>", "not an image"),
        "cmyk": ("cmyk.jpg", _save(photo.convert("CMYK"), "JPEG"), OK),
        "16-bit": ("deep.png", _save(Image.fromarray((np.asarray(photo.convert("L"), np.uint16) * 257)), "PNG"), OK),
        "palette": ("palette.png", _save(photo.convert("P", palette=Image.ADAPTIVE), "PNG"), OK),
        "rgba": ("alpha.png", _save(photo.convert("RGBA"), "PNG"), OK),
        "la": ("grey-alpha.png", _save(photo.convert("LA"), "PNG"), OK),
        "grayscale": ("grey.jpg", _save(photo.convert("L"), "JPEG"), OK),
        "animated gif": ("anim.gif", _save(frames[0], "GIF", save_all=True, append_images=frames[1:]), OK),
        "exif-rotated": ("phone.jpg", _save(photo, "JPEG", exif=exif), OK),
        "tiff": ("scan.tif", _save(small, "TIFF"), OK),
        "webp": ("web.webp", _save(small, "WEBP"), OK),
    }


@pytest.fixture(scope="module")
def client():
    with serve(AppConfig(weights="random", device="cpu")) as url:
        yield Client(url, verbose=False)


def _call(client: Client, path: Path):
    job = client.submit(image=handle_file(str(path)), depth=18, all_stages=False, api_name="/explain")
    return job.result(timeout=120)  # nothing may hang


def test_every_bad_input_gets_a_message_or_a_right_answer(client, photo, tmp_path):
    cases = bad_files(photo)
    assert len(cases) >= 15
    failures = []
    for kind, (name, content, expected) in cases.items():
        path = tmp_path / name
        path.write_bytes(content)
        try:
            out = _call(client, path)
        except Exception as exc:  # noqa: BLE001 - the message is what we check
            if expected == OK or expected not in str(exc):
                failures.append(f"{kind}: {exc}")
            elif "This photo cannot be used" not in str(exc):
                failures.append(f"{kind}: not our message: {exc}")
            continue
        if expected != OK:
            failures.append(f"{kind}: expected a message about {expected!r}, got a result")
            continue
        if len(out[0]["confidences"]) != 5:
            failures.append(f"{kind}: no predictions")
        if kind == "exif-rotated":
            result = json.loads(Path(out[10][1]).read_text())
            if result["photo_size"] != [photo.height, photo.width]:
                failures.append(f"exif-rotated: photo size {result['photo_size']} was not turned upright")
    assert not failures, "\n".join(failures)
    # still alive and right after all of that
    assert len(_call(client, Path(__file__).resolve().parent.parent / "assets" / "cat.jpg")[0]["confidences"]) == 5


def test_a_file_over_the_upload_limit_is_refused(client, tmp_path):
    big = tmp_path / "big.jpg"
    big.write_bytes(b"\xff\xd8" + bytes(26 * 2**20))  # 26 MB: over max_file_size (25 MB)
    with pytest.raises(Exception) as info:
        _call(client, big)
    assert "size" in str(info.value).lower() or "large" in str(info.value).lower()
    assert _call(client, Path(__file__).resolve().parent.parent / "assets" / "cat.jpg")[0]
