"""A fair share under a flood: normal visitors' waits with and without one client flooding the queue.

    python bench/fair_share.py                         # ResNet-18, --per-visitor 4, 8 visitors × 6 requests
    python bench/fair_share.py --sustained             # the flooder keeps going until the visitors are done
    python bench/fair_share.py --per-visitor 0         # the bound off: what the flood does without it

Starts `python app.py --weights random` (its own upload folder), then from distinct loopback
source addresses (the kernel accepts any of 127/8, so the server sees distinct visitors):

1. without the flooder: 8 normal visitors (127.0.0.10…) each send `--requests` explanations one
   after another (each waits for its answer before sending the next), timed from join to answer;
2. with it: the same, while one flooder (127.0.0.2, its own process) sends `--flood` joins as fast
   as it can, each in a fresh session (they cost nothing to make) and never reads an answer. `--sustained`: it
   keeps sending until the normal visitors are done (at least `--flood` joins).

Prints p50/p95 of the normal visitors' times in both phases and their ratio, how many of their
requests were refused, and how many of the flooder's joins were accepted and refused.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

from loadtest import start_app  # noqa: E402
from raw_api import RawClient  # noqa: E402

FLOODER = "127.0.0.2"
EXPLAIN = ["gradcam", "layer4", "", 3, 0.5, False]  # after the photo and the depth


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def normal_visitors(url: str, photo: dict, depth: int, visitors: int, requests: int) -> tuple[list[float], list[str]]:
    """Each visitor sends `requests` explanations one after another; (every time in s, every refusal)."""
    times: list[float] = []
    refusals: list[str] = []
    lock = threading.Lock()

    def visitor(i: int) -> None:
        client = RawClient(url, source=f"127.0.0.{10 + i}")
        session = uuid.uuid4().hex[:11]
        try:
            for _ in range(requests):
                start = time.perf_counter()
                answer = client.call("explain", [photo, depth, *EXPLAIN], session=session)
                with lock:
                    if answer.ok:
                        times.append(time.perf_counter() - start)
                    else:
                        refusals.append(f"{answer.status}: {answer.error[:120]}")
        finally:
            client.close()

    threads = [threading.Thread(target=visitor, args=(i,)) for i in range(visitors)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return times, refusals


def flood(url: str, photo: dict, depth: int, fn_index: int, joins: int, until: Any, result: Any) -> None:
    """Send joins as fast as one client can, each in a fresh session; counts by HTTP status into `result`.

    Runs in its own process (an attacker's CPU is not the visitors'), until `joins` are sent and,
    when `until` is given, until it is set.
    """
    statuses: dict[int, int] = {}
    with httpx.Client(transport=httpx.HTTPTransport(local_address=FLOODER), timeout=30) as http:
        sent = 0
        while sent < joins or (until is not None and not until.is_set()):
            body = {"data": [photo, depth, *EXPLAIN], "fn_index": fn_index, "session_hash": uuid.uuid4().hex[:11]}
            status = http.post(f"{url}gradio_api/queue/join", json=body).status_code
            statuses[status] = statuses.get(status, 0) + 1
            sent += 1
    result.update(statuses)


def summary(times: list[float]) -> str:
    return f"n={len(times)} p50={statistics.median(times):.3f}s p95={percentile(times, 0.95):.3f}s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--depth", type=int, default=18)
    parser.add_argument("--visitors", type=int, default=8)
    parser.add_argument("--requests", type=int, default=6, help="explanations per normal visitor and phase")
    parser.add_argument("--flood", type=int, default=200, help="joins the flooder sends")
    parser.add_argument("--sustained", action="store_true", help="the flooder keeps going until the visitors are done")
    parser.add_argument("--per-visitor", type=int, default=4, help="passed to app.py")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as cache:
        server, url = start_app("--preload", str(args.depth), "--per-visitor", str(args.per_visitor),
                                env={"GRADIO_TEMP_DIR": cache})
        try:
            setup = RawClient(url, source="127.0.0.250")
            photo = setup.file(setup.upload("cat.jpg", (ROOT / "assets" / "cat.jpg").read_bytes()))
            fn_index = setup.fn_index("explain")
            for _ in range(3):  # warm-up: the model and the drawing code
                assert setup.call("explain", [photo, args.depth, *EXPLAIN]).ok

            alone, alone_refused = normal_visitors(url, photo, args.depth, args.visitors, args.requests)

            spawn = multiprocessing.get_context("spawn")
            manager = spawn.Manager()
            done, shared = manager.Event(), manager.dict()
            flooder = spawn.Process(target=flood, args=(url, photo, args.depth, fn_index, args.flood,
                                                        done if args.sustained else None, shared))
            server_cpu = sum(psutil.Process(server.pid).cpu_times()[:2])
            phase_start = time.perf_counter()
            flooder.start()
            flooded, flooded_refused = normal_visitors(url, photo, args.depth, args.visitors, args.requests)
            phase_s = time.perf_counter() - phase_start
            server_cpu = sum(psutil.Process(server.pid).cpu_times()[:2]) - server_cpu
            done.set()
            flooder.join()
            flood_result = dict(shared)
            manager.shutdown()
            # let the flooder's accepted events drain before the server stops
            while setup.http.get(f"{url}gradio_api/queue/status").json().get("queue_size", 0):
                time.sleep(0.2)
            setup.close()
        finally:
            server.terminate()
            server.wait(30)

    ratio_p50 = statistics.median(flooded) / statistics.median(alone)
    ratio_p95 = percentile(flooded, 0.95) / percentile(alone, 0.95)
    print(f"ResNet-{args.depth}, --per-visitor {args.per_visitor}, {args.visitors} visitors × {args.requests} "
          f"requests, flooder: {args.flood} joins{' (sustained)' if args.sustained else ''}")
    print(f"without flooder: {summary(alone)}; refused {len(alone_refused)}")
    print(f"with flooder:    {summary(flooded)}; refused {len(flooded_refused)}")
    print(f"ratio with/without: p50 {ratio_p50:.2f}x, p95 {ratio_p95:.2f}x")
    print(f"flooder joins by HTTP status: {json.dumps(dict(sorted(flood_result.items())))}")
    print(f"the phase with the flooder: {phase_s:.1f} s, server CPU {server_cpu:.1f} s "
          f"(on {psutil.cpu_count()} cores, shared with the flooder's and the visitors' clients)")
    for refusal in (alone_refused + flooded_refused)[:5]:
        print("  a normal visitor was refused:", refusal)


if __name__ == "__main__":
    main()
