"""What many visitors leave behind: server memory and disk after N distinct visitors with phone photos.

    python bench/visitors.py --visitors 200          # 12 MP photos, ResNet-50, one request each

Starts `python app.py --weights random` with its own upload folder (GRADIO_TEMP_DIR), then plays
N visitors through the raw HTTP API, each a new session that uploads its own 4000×3000 JPEG and
asks for an explanation (all stages), one after another. Reports the server's resident memory
(RSS) after a warm-up and at the end, and what the upload folder holds (uploads and the app's
output files) — everything a crowd of visitors costs the server until Gradio's cache cleanup
(every 30 minutes, files older than an hour) and the display store's budget
(RESNET_EXPLORER_DISPLAY_MB, default 256) take it back.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import psutil
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

from loadtest import start_app  # noqa: E402
from raw_api import RawClient  # noqa: E402


def phone_photo(base: Image.Image, seed: int) -> bytes:
    """A distinct 4000×3000 JPEG per visitor (a coloured mark drawn on the base photo)."""
    rng = np.random.default_rng(seed)
    image = base.copy()
    x, y = (int(v) for v in rng.integers(0, 3500, 2))
    ImageDraw.Draw(image).rectangle((x, y % 2500, x + 400, y % 2500 + 400), fill=tuple(int(v) for v in rng.integers(0, 255, 3)))
    path = Path(tempfile.mkstemp(suffix=".jpg")[1])
    image.save(path, quality=90)
    data = path.read_bytes()
    path.unlink()
    return data


def folder_bytes(folder: Path) -> tuple[int, int]:
    files = [p for p in folder.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--visitors", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--depth", type=int, default=50)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as cache:
        server, url = start_app("--preload", str(args.depth), env={"GRADIO_TEMP_DIR": cache})
        try:
            client = RawClient(url)
            process = psutil.Process(server.pid)
            with Image.open(ROOT / "assets" / "coffee.jpg") as source:  # with sensor-like noise, as a phone's
                smooth = np.asarray(source.convert("RGB").resize((4000, 3000), Image.BICUBIC), dtype=np.float32)
            noise = np.random.default_rng(0).normal(0, 4, smooth.shape)
            base = Image.fromarray(np.clip(smooth + noise, 0, 255).astype(np.uint8))
            started, rss = time.perf_counter(), {}
            for i in range(args.visitors):
                path = client.upload(f"visitor-{i}.jpg", phone_photo(base, i))
                answer = client.call("explain", [client.file(path), args.depth, "gradcam", "layer4", "", 5, 0.5, True])
                if not answer.ok:
                    raise RuntimeError(f"visitor {i}: {answer.error}")
                if i + 1 in (args.warmup, args.visitors):
                    rss[i + 1] = process.memory_info().rss / 2**20
            elapsed = time.perf_counter() - started
            count, size = folder_bytes(Path(cache))
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(f"# {args.visitors} visitors, one 4000×3000 JPEG each (~{len(phone_photo(base, 0)) / 1e6:.1f} MB), "
          f"ResNet-{args.depth}, all stages, in {elapsed:.0f} s")
    print("| visitors | server RSS after warm-up (MB) | RSS at the end (MB) | growth | files in the upload folder "
          "| their size (MB) |")
    print("|---|---|---|---|---|---|")
    print(f"| {args.visitors} | {rss[args.warmup]:.0f} (after {args.warmup}) | {rss[args.visitors]:.0f} | "
          f"{rss[args.visitors] - rss[args.warmup]:+.0f} MB | {count} | {size / 2**20:.0f} |")


if __name__ == "__main__":
    main()
