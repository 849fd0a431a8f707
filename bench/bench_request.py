"""What a request costs beyond the network's own work: engine, handler phases and the HTTP round trip.

    python bench/bench_request.py                         # ResNet-18/50/152, two photo sizes, CPU or GPU
    python bench/bench_request.py --depths 50 --repeats 21 --json bench/results/request.json

For each depth and photo (a 480×320 JPEG and a 4032×3024 phone JPEG, ~1.8 MB), all in one run:

* explain    the engine's `explain(model, path, all_stages=True)` in this process (the baseline);
* handler    the web app's `/explain` handler in this process, split into engine (the service call,
             including decoding the photo), render (the display and every panel), encode (JPEG/PNG,
             once each) and write (atomic file writes);
* HTTP       the round trip through a real server (`python app.py --weights random`, started here):
             upload, queue, compute, and downloading every picture; p50 and p95, two ways:
             - gradio_client, as an API user calls it (it opens a new HTTP client, ~45 ms of
               certificate loading here, for the upload, the event stream and each of the 10 files);
             - like a browser: one keep-alive connection pool and one session (a page keeps its
               session); the photo is fetched back for its preview while the call runs, then the 3
               pictures Chromium fetches (network log: the overlay, the CAM strip
               and the feature tab in view; hidden tabs load when opened, downloads when clicked).

Each figure is the median (or percentile) of --repeats calls after --warmup; ratios divide by
`explain` measured in the same run. Random weights: timing does not depend on their values.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import torch
from gradio_client import Client, handle_file
from loadtest import start_app
from raw_api import RawClient

from resnet_demo import explain, load_model
from resnet_demo.service import AppConfig, Service
from resnet_demo.ui.handlers import Handlers

PHOTOS = {"480×320": (480, 320, 90), "4032×3024": (4032, 3024, 92)}  # name -> (width, height, JPEG quality)


def make_photo(folder: Path, name: str) -> Path:
    """A photo of the given size: an example photo resized, with sensor-like noise so it compresses like one."""
    width, height, quality = PHOTOS[name]
    with Image.open(ROOT / "assets" / "coffee.jpg") as source:
        image = np.asarray(source.convert("RGB").resize((width, height), Image.BICUBIC), dtype=np.float32)
    noise = np.random.default_rng(0).normal(0, 4, image.shape)
    path = folder / f"photo-{width}x{height}.jpg"
    Image.fromarray(np.clip(image + noise, 0, 255).astype(np.uint8)).save(path, quality=quality)
    return path


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def in_process(depth: int, photo: Path, device: str, repeats: int, warmup: int, outbox: Path) -> dict[str, float]:
    model = load_model(depth, weights="random", device=device)
    handlers = Handlers(Service(AppConfig(weights="random", device=device, probe_network=False)), outbox=outbox)
    phases: list[dict[str, float]] = []
    handlers.on_timings = phases.append
    request = SimpleNamespace(headers={"accept-language": "en"})
    engine, handler = [], []
    for i in range(warmup + repeats):
        start = time.perf_counter()
        # on the engine thread, as the server runs it (one OpenMP team: see Service.on_engine)
        handlers.service.on_engine(lambda: explain(model, photo, all_stages=True))
        middle = time.perf_counter()
        handlers.explain(str(photo), depth, "gradcam", "layer4", "", 5, 0.5, True, request, lambda *a, **k: None)
        end = time.perf_counter()
        if i >= warmup:
            engine.append((middle - start) * 1e3)
            handler.append((end - middle) * 1e3)
    split = {key: statistics.median(p[key] for p in phases[warmup:]) for key in phases[-1]}
    return {"explain": statistics.median(engine), "handler": statistics.median(handler), **split}


def over_http(url: str, depth: int, photo: Path, repeats: int, warmup: int) -> dict[str, float]:
    """p50/p95 of the round trip, like a browser first, then with gradio_client (whose threads
    outlive its calls: measured second, they cannot slow the browser-like calls)."""
    browser, pool, data = RawClient(url), ThreadPoolExecutor(6), photo.read_bytes()  # 6: a browser's connections
    session = uuid.uuid4().hex[:11]  # one page

    def like_a_browser() -> None:
        uploaded = browser.upload(photo.name, data)
        preview = pool.submit(lambda: browser.http.get(f"{browser.url}/gradio_api/file={uploaded}").content)
        answer = browser.call("explain", [browser.file(uploaded), depth, "gradcam", "layer4", "", 5, 0.5, True],
                              session=session)
        urls = [item["url"] for item in answer.data[1:4]]  # overlay, CAM strip, the first feature tab
        assert all(len(body) > 0 for body in pool.map(lambda u: browser.http.get(u).content, urls))
        assert len(preview.result()) == len(data)

    client = None

    def with_gradio_client() -> None:
        client.predict(image=handle_file(str(photo)), depth=depth, all_stages=True, api_name="/explain")

    figures = {}
    for key, call in (("browser", like_a_browser), ("client", with_gradio_client)):
        if key == "client":
            client = Client(url, verbose=False)
        times = []
        for i in range(warmup + repeats):
            start = time.perf_counter()
            call()
            if i >= warmup:
                times.append((time.perf_counter() - start) * 1e3)
        figures[key] = times
    pool.shutdown()
    return {"p50": statistics.median(figures["client"]), "p95": percentile(figures["client"], 0.95),
            "browser p50": statistics.median(figures["browser"]),
            "browser p95": percentile(figures["browser"], 0.95)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--depths", type=int, nargs="+", default=[18, 50, 152])
    parser.add_argument("--device", default="auto")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()

    device_name = load_model(18, weights="random", device=args.device).device_name
    device = "cuda" if device_name.startswith("cuda") else "cpu"
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        photos = {name: make_photo(Path(tmp), name) for name in PHOTOS}
        for depth in args.depths:
            for name, photo in photos.items():
                rows.append({"depth": depth, "photo": name, "bytes": photo.stat().st_size,
                             **in_process(depth, photo, device, args.repeats, args.warmup, Path(tmp) / "out")})
        proc, url = start_app("--device", device, "--preload", ",".join(map(str, args.depths)))
        try:
            for row in rows:
                row.update(over_http(url, row["depth"], photos[row["photo"]], args.repeats, args.warmup))
        finally:
            proc.terminate()
            proc.wait(timeout=30)

    cpu = platform.processor() or platform.machine()
    print(f"# bench_request: {device_name}; torch {torch.__version__}; {torch.get_num_threads()} threads; {cpu}; "
          f"{os.cpu_count()} cores; median of {args.repeats} (p95 for HTTP); all stages; × = ratio to explain")
    print()
    print("| depth | photo | explain ms | handler ms (×) | engine / render / encode / write ms "
          "| HTTP p50 ms (×), gradio_client | p95 (×) | HTTP p50 ms (×), like a browser | p95 (×) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        e = r["explain"]
        print(f"| ResNet-{r['depth']} | {r['photo']} ({r['bytes'] / 1e6:.1f} MB) | {e:.0f} | "
              f"{r['handler']:.0f} ({r['handler'] / e:.2f}×) | "
              f"{r['engine']:.0f} / {r['render']:.0f} / {r['encode']:.0f} / {r['write']:.0f} | "
              f"{r['p50']:.0f} ({r['p50'] / e:.2f}×) | {r['p95']:.0f} ({r['p95'] / e:.2f}×) | "
              f"{r['browser p50']:.0f} ({r['browser p50'] / e:.2f}×) | {r['browser p95']:.0f} "
              f"({r['browser p95'] / e:.2f}×) |", flush=True)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"device": device_name, "torch": torch.__version__, "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
