"""What one request can cost: peak memory and time for the most extreme images under the limits.

Each case runs `explain` (ResNet-18, CAMs at every stage) in a fresh Python process and reads
that process's peak resident memory (`ru_maxrss`) before and after, so the figure is the
request's own extra peak, not the test session's. The 600000×32 strip used to cost ~5 GB and
~20 s; everything a camera makes must stay under ~1 GB extra.
"""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from PIL import Image

from test_ui_bad_inputs import _png_chunk

MAX_EXTRA_MB = 1024
CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[2])
from resnet_demo import ImageError, explain, load_model
model = load_model(18, weights="random", device="cpu")
explain(model, sys.argv[3], all_stages=True)  # warm-up on a small photo: first-call allocations are not the request's
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
start = time.perf_counter()
try:
    r = explain(model, sys.argv[1], all_stages=True)
    outcome = {"ok": True, "size": list(r.photo.size), "scale": r.photo_scale, "preprocess_ms": r.timings["preprocess"]}
except ImageError as exc:
    outcome = {"ok": False, "message": str(exc)}
outcome["seconds"] = time.perf_counter() - start
outcome["extra_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - before
print(json.dumps(outcome))
"""


def flat_png(path: Path, width: int, height: int) -> Path:
    """A flat grey PNG of any size, written row by row (a few kB even for tens of megapixels)."""
    squeezer = zlib.compressobj(9)
    row = b"\0" + b"\x80" * width  # filter byte + greyscale pixels
    body = b"".join(squeezer.compress(row) for _ in range(height)) + squeezer.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", body)
                     + _png_chunk(b"IEND", b""))
    return path


def run_request(path: Path, photo_path: Path) -> dict:
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, "-c", CHILD, str(path), str(root), str(photo_path)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    ("name", "size", "accepted"),
    [
        ("strip 600000x32", (600_000, 32), False),  # 19 MP: used to grow the server by ~5 GB
        ("strip 32x1500000", (32, 1_500_000), False),  # 48 MP: would have needed ~13 GB
        ("panorama 20:1, 50 MP", (31_600, 1_580), True),  # the widest shape accepted, at the pixel limit
        ("square 49 MP PNG", (7_000, 7_000), True),  # no reduced-scale decoding for PNG: decoded whole, then reduced
    ],
)
def test_extreme_shapes_cost_under_a_gigabyte(tmp_path, photo_path, name, size, accepted):
    outcome = run_request(flat_png(tmp_path / "extreme.png", *size), photo_path)
    assert outcome["ok"] == accepted, outcome
    if not accepted:
        assert "refused, not shrunk" in outcome["message"] and "20 times" in outcome["message"]
    assert outcome["extra_mb"] < MAX_EXTRA_MB, outcome
    print(f"{name}: {outcome}")


def test_a_large_jpeg_is_decoded_at_reduced_scale(tmp_path, photo_path):
    path = tmp_path / "phone.jpg"
    with Image.open(photo_path) as photo:
        photo.convert("RGB").resize((8000, 6000)).save(path, quality=85)  # 48 MP, as a phone's 48 MP mode
    outcome = run_request(path, photo_path)
    assert outcome["ok"] and outcome["scale"] in (0.25, 0.125), outcome  # libjpeg's 1/4 or 1/8 scale
    assert min(outcome["size"]) * 224 / 256 >= 1024  # ResNet-18 crops 224/256 of the short side: still 1024 px to show
    assert outcome["extra_mb"] < 300, outcome  # a full decode alone would be 144 MB, plus copies
    print(f"48 MP JPEG: {outcome}")
