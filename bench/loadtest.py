"""Classroom load test: N simulated students call /explain at once; is every answer right, and how fast?

    python bench/loadtest.py --clients 40 --seconds 120           # starts `python app.py` itself
    python bench/loadtest.py --url http://127.0.0.1:7860/ ...      # or tests a server you started

Each client is a thread with its own gradio_client.Client, looping over a mix of depths,
methods, stages and photos (variants of the example photos, so the example cache never
answers) until the time is up; it never sends a new request before its previous one returned,
like a student. Before the load, every distinct request is answered once, alone: under load each
answer must equal that sequential answer (same predictions, probabilities within 1e-5, overlay
pixels within 0.5 level on average: see `same_answer`). Prints p50/p95 latency, throughput and errors.

The clients run in this one Python process on the same machine, so they must cost little:
gradio_client opens a new HTTP client for every upload, event stream and downloaded file, and by
default each loads the system's certificate bundle (~36 ms of CPU, under the GIL, about 12 times
per request), which made the load generator, not the server, the bottleneck at ~2 requests/s.
The server is plain HTTP on localhost, so the clients skip certificate loading (`ssl_verify=False`:
nothing is verified on plain HTTP anyway).
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
import urllib.request
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


def start_app(*flags: str, env: dict[str, str] | None = None) -> tuple[subprocess.Popen, str]:
    """`python app.py --weights random --port P *flags` in a new process, once it answers; (process, URL).

    Shared by the benchmarks: the caller terminates the process.
    """
    port = free_port()
    cmd = [sys.executable, str(ROOT / "app.py"), "--weights", "random", "--port", str(port), *flags]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", **(env or {})})
    url = f"http://127.0.0.1:{port}/"
    for _ in range(480):
        try:
            with urllib.request.urlopen(url + "config", timeout=2):
                return proc, url
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError("the app did not start within 4 minutes")


def answer(client: Client, photo: Path, depth: int, method: str, stage: str):
    out = client.predict(image=handle_file(str(photo)), depth=depth, method=method, stage=stage, top_k=5,
                         all_stages=False, api_name="/explain")
    label = [(c["label"], c["confidence"]) for c in out[0]["confidences"]]
    with Image.open(out[1]) as overlay:
        pixels = np.asarray(overlay.convert("RGB"), dtype=np.int16)
    return label, pixels


def same_answer(a, b) -> bool:
    """The same classes in the same order, probabilities within 1e-5, overlay pixels the same on average.

    Not bit-for-bit: the server runs the model on all its cores when a request is alone and on
    half of them under load, and float32 sums in another order differ in their last bits (seen:
    up to 2e-6 in a probability); through the overlay's JPEG encoding that moves a few pixels by up
    to ~7 levels of 255. So pixels must agree to 0.5 level on average (and 16 at most). A request
    answered with another photo, depth or method differs by tens of levels.
    """
    (labels_a, pixels_a), (labels_b, pixels_b) = a, b
    if pixels_a.shape != pixels_b.shape:
        return False
    difference = np.abs(pixels_a - pixels_b)
    return ([name for name, _ in labels_a] == [name for name, _ in labels_b]
            and all(abs(pa - pb) <= 1e-5 for (_, pa), (_, pb) in zip(labels_a, labels_b))
            and float(difference.mean()) <= 0.5 and int(difference.max()) <= 16)


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
        # every student connects from 127.0.0.1: one visitor to the per-visitor bound, so it is off
        proc, url = start_app("--preload", "18,34,50", "--queue-size", "200", "--per-visitor", "0",
                              *(["--concurrency", str(args.concurrency)] if args.concurrency else []))
    try:
        with tempfile.TemporaryDirectory() as tmp:
            photos = make_photos(Path(tmp))
            jobs = [(photo, *mix) for photo, mix in itertools.product(photos, MIX)]
            reference_client = Client(url, verbose=False, ssl_verify=False)
            started = time.perf_counter()
            reference = {job: answer(reference_client, *job) for job in jobs}
            print(f"# {len(jobs)} distinct requests answered sequentially in {time.perf_counter() - started:.0f} s")

            latencies, errors, mismatches, lock = [], [], [], threading.Lock()
            deadline = time.perf_counter() + args.seconds

            def student(seed: int) -> None:
                rng = random.Random(seed)
                client = Client(url, verbose=False, ssl_verify=False)
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
                        if not same_answer((label, pixels), reference[job]):
                            mismatches.append(job)
                            if os.environ.get("LOADTEST_DEBUG"):
                                ref = reference[job]
                                print("MISMATCH", job[1:], [n for n, _ in label] == [n for n, _ in ref[0]],
                                      max(abs(a[1] - b[1]) for a, b in zip(label, ref[0])),
                                      pixels.shape, ref[1].shape,
                                      float(np.abs(pixels - ref[1]).mean()) if pixels.shape == ref[1].shape else -1)

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
