"""Does a Score-CAM hold other visitors hostage? Grad-CAM latency alone, then while one Score-CAM runs.

    python bench/slow_lane.py [--depth 50]

Starts `python app.py --weights random`, measures /explain (Grad-CAM, all stages, same depth as
the Score-CAM) alone, then starts a Score-CAM (/scorecam, layer4, the app's default bound) and
sends Grad-CAM requests back to back while it runs. Everything through the raw HTTP API.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

from loadtest import start_app  # noqa: E402
from raw_api import RawClient  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--depth", type=int, default=50)
    args = parser.parse_args()
    server, url = start_app("--preload", str(args.depth))
    try:
        client = RawClient(url)
        photo = client.file(client.upload("cat.jpg", (ROOT / "assets" / "cat.jpg").read_bytes()))

        def gradcam() -> float:
            start = time.perf_counter()
            assert client.call("explain", [photo, args.depth, "gradcam", "layer4", "", 5, 0.5, True]).ok
            return (time.perf_counter() - start) * 1e3

        for _ in range(3):
            gradcam()
        alone = [gradcam() for _ in range(8)]
        slow: dict[str, float] = {}

        def score_cam() -> None:
            start = time.perf_counter()
            assert RawClient(url).call("scorecam", [photo, args.depth, "layer4", "", 5, 0.5]).ok
            slow["s"] = time.perf_counter() - start

        worker = threading.Thread(target=score_cam)
        worker.start()
        time.sleep(2)  # Score-CAM is under way
        during = []
        while worker.is_alive() and len(during) < 20:
            during.append(gradcam())
        worker.join()
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"ResNet-{args.depth}: Grad-CAM alone p50 {statistics.median(alone):.0f} ms; while a Score-CAM ran "
          f"p50 {statistics.median(during):.0f} ms, max {max(during):.0f} ms over {len(during)} requests "
          f"({statistics.median(during) / statistics.median(alone):.2f}×); the Score-CAM took {slow['s']:.1f} s")


if __name__ == "__main__":
    main()
