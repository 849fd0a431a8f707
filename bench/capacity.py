"""How many requests a second the server answers as the class grows, against what the engine allows.

    python bench/capacity.py                         # ResNet-18 and 50; 1, 2, 4, 8, 40 clients
    python bench/capacity.py --app-flags="--engine-workers 1"   # the same with app.py flags

First, in this process, the engine's own cost: `explain` of the same photos, all stages, one
after another with every core (as a request alone runs), in CPU-seconds per request. The
engine-bound limit is cores ÷ that: no server can answer faster than its cores run the network.
Then it starts `python app.py --weights random` and, for each number of clients, runs that many
clients like a browser (each its own keep-alive HTTP connection and session: upload the photo,
fetch it back for the preview while the call runs, then the three pictures in view), each sending
its next request when the last one came back. After a warm-up, it counts the requests that end
inside a window of wall time: throughput, p50/p95 latency, the cores the server kept busy (its
CPU time over the window, from psutil) and the cores the load generator itself used (this
process's CPU time: raw HTTP, no gradio_client, so it stays small; it is reported, not
subtracted). Fewer requests per point than a long run: each point is a window of seconds.
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import psutil
import torch
from loadtest import make_photos, start_app
from raw_api import RawClient

from resnet_demo import explain, load_model


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def explain_cpu(depth: int, photos: list[Path], repeats: int) -> tuple[float, float]:
    """(CPU-seconds, wall seconds) per `explain`, all stages, every core, one request after another."""
    model = load_model(depth, weights="random", device="cpu")
    for photo in photos[:2]:
        explain(model, photo, all_stages=True)  # warm-up
    cpu, wall = time.process_time(), time.perf_counter()
    for i in range(repeats):
        explain(model, photos[i % len(photos)], all_stages=True)
    return (time.process_time() - cpu) / repeats, (time.perf_counter() - wall) / repeats


class Browser:
    """One visitor's page: a keep-alive connection pool and a session, asking like Chromium does."""

    def __init__(self, url: str, photos: list[Path], depth: int) -> None:
        self.client, self.depth = RawClient(url), depth
        self.photos = [(p.name, p.read_bytes()) for p in photos]
        self.session = uuid.uuid4().hex[:11]
        self.side = ThreadPoolExecutor(1)  # the preview fetched while the call runs
        self.n = 0

    def request(self) -> None:
        name, data = self.photos[self.n % len(self.photos)]
        self.n += 1
        http, url = self.client.http, self.client.url
        uploaded = self.client.upload(name, data)
        preview = self.side.submit(lambda: http.get(f"{url}/gradio_api/file={uploaded}").content)
        answer = self.client.call("explain", [self.client.file(uploaded), self.depth, "gradcam", "layer4", "", 5,
                                              0.5, True], session=self.session)
        if not answer.ok:
            raise RuntimeError(f"the server refused a request: {answer.error}")
        for item in answer.data[1:4]:  # overlay, CAM strip, the first feature tab
            if not http.get(item["url"]).content:
                raise RuntimeError("an empty picture")
        if len(preview.result()) != len(data):
            raise RuntimeError("the preview is not the photo")

    def close(self) -> None:
        self.side.shutdown()
        self.client.http.close()


def load_point(url: str, server: psutil.Process, photos: list[Path], depth: int, clients: int,
               warmup: float, window: float) -> dict[str, float]:
    """`clients` browsers for warmup + window seconds; figures over the requests that end in the window."""
    browsers = [Browser(url, photos[i % len(photos):] + photos[:i % len(photos)], depth) for i in range(clients)]
    stop, ended, errors, lock = threading.Event(), [], [], threading.Lock()

    def run(browser: Browser) -> None:
        while not stop.is_set():
            start = time.perf_counter()
            try:
                browser.request()
            except Exception as exc:  # counted and reported, the point goes on
                with lock:
                    errors.append(repr(exc))
                continue
            with lock:
                ended.append((time.perf_counter(), time.perf_counter() - start))

    threads = [threading.Thread(target=run, args=(b,), daemon=True) for b in browsers]
    for t in threads:
        t.start()
    time.sleep(warmup)
    t0, s0, g0 = time.perf_counter(), _cpu(server), time.process_time()
    time.sleep(window)
    t1, s1, g1 = time.perf_counter(), _cpu(server), time.process_time()
    stop.set()
    for t in threads:
        t.join(timeout=120)
    for b in browsers:
        b.close()
    latencies = [lat * 1e3 for end, lat in ended if t0 <= end <= t1]
    wall = t1 - t0
    return {"requests": len(latencies), "errors": len(errors), "throughput": len(latencies) / wall,
            "p50": statistics.median(latencies) if latencies else float("nan"),
            "p95": percentile(latencies, 0.95) if latencies else float("nan"),
            "server_cores": (s1 - s0) / wall, "generator_cores": (g1 - g0) / wall}


def _cpu(proc: psutil.Process) -> float:
    times = proc.cpu_times()
    return times.user + times.system + times.children_user + times.children_system


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--depths", type=int, nargs="+", default=[18, 50])
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 2, 4, 8, 40])
    parser.add_argument("--warmup", type=float, default=4.0, help="seconds before each window")
    parser.add_argument("--window", type=float, default=10.0, help="seconds counted per point (40 clients: 2×)")
    parser.add_argument("--repeats", type=int, default=12, help="explain calls timed per depth in process")
    parser.add_argument("--app-flags", default="", help="extra app.py flags, e.g. '--engine-workers 1'")
    args = parser.parse_args()

    cores = torch.get_num_threads()
    with tempfile.TemporaryDirectory() as tmp:
        photos = make_photos(Path(tmp))
        engine = {d: explain_cpu(d, photos, args.repeats) for d in args.depths}
        # every client connects from 127.0.0.1, one visitor to the per-visitor bound: off (capacity, not fairness)
        proc, url = start_app("--preload", ",".join(map(str, args.depths)), "--per-visitor", "0",
                              *shlex.split(args.app_flags))
        try:
            server = psutil.Process(proc.pid)
            rows = []
            for depth in args.depths:
                Browser(url, photos, depth).request()  # first-call costs out of the way
                for n in args.clients:
                    window = args.window * (2 if n >= 20 else 1)
                    rows.append({"depth": depth, "clients": n,
                                 **load_point(url, server, photos, depth, n, args.warmup, window)})
                    _print_row(rows[-1], engine[depth], cores)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    print(f"\n# capacity: torch {torch.__version__}; {cores} threads; {os.cpu_count()} cores; "
          f"app flags {args.app_flags or '(none)'}; window {args.window:g} s per point (40 clients: twice), "
          f"after {args.warmup:g} s; all stages; explain: CPU-seconds per request, {args.repeats} in process")
    print("| depth | explain CPU ms (wall ms) | limit req/s | clients | requests | errors | req/s | of limit "
          "| p50 ms | p95 ms | server cores busy | generator cores |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        cpu, wall = engine[r["depth"]]
        limit = cores / cpu
        print(f"| ResNet-{r['depth']} | {cpu * 1e3:.0f} ({wall * 1e3:.0f}) | {limit:.2f} | {r['clients']} | "
              f"{r['requests']} | {r['errors']} | {r['throughput']:.2f} | {r['throughput'] / limit:.0%} | "
              f"{r['p50']:.0f} | {r['p95']:.0f} | {r['server_cores']:.2f} | {r['generator_cores']:.2f} |")


def _print_row(row: dict, engine: tuple[float, float], cores: int) -> None:
    limit = cores / engine[0]
    print(f"ResNet-{row['depth']} {row['clients']:>2} clients: {row['throughput']:.2f} req/s "
          f"({row['throughput'] / limit:.0%} of {limit:.2f}), p50 {row['p50']:.0f} ms, "
          f"server {row['server_cores']:.2f} cores, generator {row['generator_cores']:.2f}, "
          f"{row['errors']} errors", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
