"""Classroom load test: N simulated students call /explain at once; is every answer right, and how fast?

    python bench/loadtest.py --clients 40 --seconds 120           # starts `python app.py` itself
    python bench/loadtest.py --url http://127.0.0.1:7860/ ...      # or tests a server you started

Each client is a thread with its own gradio_client.Client, looping over a mix of depths,
methods, stages and photos (variants of the example photos, so the example cache never
answers) until the time is up; it never sends a new request before its previous one returned,
like a student. Before the load, every distinct request is answered once, alone: under load each
answer must equal that sequential answer (same predictions and probabilities, same overlay
pixels). Prints p50/p95 latency, throughput and errors.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
from gradio_client import Client, handle_file
from PIL import Image, ImageOps

ROOT = Path(__file__).resolve().parent.parent
MIX = [  # (depth, method, stage): what a class pokes at
    (18, "gradcam", "layer4"), (34, "gradcam++", "layer3"), (50, "gradcam", "layer4"),
    (18, "layercam", "layer2"), (50, "eigencam", "layer4"), (34, "hirescam", "layer2"),
]


def make_photos(folder: Path) -> list[Path]:
    """Mirrored and rotated variants of the example photos (not served from the example cache)."""
    photos = []
    for src in sorted((ROOT / "assets").glob("*.jpg")):
        with Image.open(src) as image:
            for name, variant in (("mirror", ImageOps.mirror(image)), ("rot", image.rotate(8, expand=True))):
                path = folder / f"{src.stem}-{name}.jpg"
                variant.convert("RGB").save(path, quality=90)
                photos.append(path)
    return photos


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(concurrency: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    cmd = [sys.executable, str(ROOT / "app.py"), "--weights", "random", "--port", str(port),
           "--preload", "18,34,50", "--queue-size", "200"]
    if concurrency:
        cmd += ["--concurrency", str(concurrency)]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"})
    url = f"http://127.0.0.1:{port}/"
    for _ in range(240):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc, url
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError("the app did not start within 2 minutes")


def answer(client: Client, photo: Path, depth: int, method: str, stage: str):
    out = client.predict(image=handle_file(str(photo)), depth=depth, method=method, stage=stage, top_k=5,
                         all_stages=False, api_name="/explain")
    label = [(c["label"], round(c["confidence"], 6)) for c in out[0]["confidences"]]
    with Image.open(out[1]) as overlay:
        pixels = np.asarray(overlay.convert("RGB"))
    return label, pixels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=40)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--url", help="an app already running (default: start one with random weights)")
    parser.add_argument("--concurrency", type=int, default=0, help="passed to app.py (default: its own)")
    args = parser.parse_args()

    proc = None
    url = args.url
    if url is None:
        proc, url = start_server(args.concurrency)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            photos = make_photos(Path(tmp))
            jobs = [(photo, *mix) for photo, mix in itertools.product(photos, MIX)]
            reference_client = Client(url, verbose=False)
            started = time.perf_counter()
            reference = {job: answer(reference_client, *job) for job in jobs}
            print(f"# {len(jobs)} distinct requests answered sequentially in {time.perf_counter() - started:.0f} s")

            latencies, errors, mismatches, lock = [], [], [], threading.Lock()
            deadline = time.perf_counter() + args.seconds

            def student(seed: int) -> None:
                rng = random.Random(seed)
                client = Client(url, verbose=False)
                while time.perf_counter() < deadline:
                    job = rng.choice(jobs)
                    t0 = time.perf_counter()
                    try:
                        label, pixels = answer(client, *job)
                    except Exception as exc:  # noqa: BLE001 - every failure is counted and reported
                        with lock:
                            errors.append(f"{type(exc).__name__}: {exc}"[:200])
                        continue
                    with lock:
                        latencies.append(time.perf_counter() - t0)
                        ref_label, ref_pixels = reference[job]
                        if label != ref_label or not np.array_equal(pixels, ref_pixels):
                            mismatches.append(job)

            threads = [threading.Thread(target=student, args=(i,)) for i in range(args.clients)]
            t_start = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed = time.perf_counter() - t_start
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)

    ms = sorted(v * 1e3 for v in latencies)
    p95 = ms[int(0.95 * (len(ms) - 1))] if ms else float("nan")
    print("| clients | requests | errors | mismatches | p50 ms | p95 ms | throughput req/s |")
    print("|---|---|---|---|---|---|---|")
    print(f"| {args.clients} | {len(ms)} | {len(errors)} | {len(mismatches)} | "
          f"{statistics.median(ms) if ms else float('nan'):.0f} | {p95:.0f} | {len(ms) / elapsed:.2f} |")
    for e in sorted(set(errors))[:10]:
        print("error:", e)
    sys.exit(1 if errors or mismatches else 0)


if __name__ == "__main__":
    main()
