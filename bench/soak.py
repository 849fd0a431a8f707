"""Memory soak: many requests through the real app; does memory come back, are hooks gone?

    python bench/soak.py --requests 500            # CPU here; uses the GPU when there is one

Launches the app in this process on a localhost port (random weights) and sends requests
through gradio_client, one after another, cycling depths, methods, stages and photo variants
(so neither the example cache nor a single model hides growth). Reports resident memory (RSS)
after a warm-up and at the end, hooks left on any cached model, and on CUDA the allocated
memory against its baseline.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import torch  # noqa: E402
from gradio_client import Client, handle_file  # noqa: E402
from loadtest import MIX, free_port, make_photos  # noqa: E402

from resnet_demo import zoo  # noqa: E402
from resnet_demo.service import AppConfig, Service  # noqa: E402
from resnet_demo.ui import build_app  # noqa: E402


def hooks_left() -> int:
    count = 0
    for model in list(zoo.MODEL_CACHE._items.values()):
        for module in model.module.modules():
            count += len(module._forward_hooks) + len(module._forward_pre_hooks) + len(module._backward_hooks)
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--warmup", type=int, default=50, help="requests before the baseline is taken")
    parser.add_argument("--device", default="auto")
    args = parser.parse_args()

    process = psutil.Process()
    service = Service(AppConfig(weights="random", device=args.device))
    demo, options = build_app(service)
    demo.queue(max_size=50)
    port = free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True, **options)
    cuda = torch.cuda.is_available() and zoo.resolve_device(args.device).type == "cuda"
    try:
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        with tempfile.TemporaryDirectory() as tmp:
            photos = make_photos(Path(tmp))
            rss, gpu, t0 = {}, {}, time.perf_counter()
            for i in range(args.requests):
                depth, method, stage = MIX[i % len(MIX)]
                photo = photos[i % len(photos)]
                client.predict(image=handle_file(str(photo)), depth=depth, method=method, stage=stage,
                               all_stages=i % 2 == 0, api_name="/explain")
                if i + 1 in (args.warmup, args.requests):
                    gc.collect()
                    rss[i + 1] = process.memory_info().rss / 2**20
                    if cuda:
                        torch.cuda.synchronize()
                        gpu[i + 1] = torch.cuda.memory_allocated() / 2**20
                if (i + 1) % 100 == 0:
                    print(f"  {i + 1} requests, RSS {process.memory_info().rss / 2**20:.0f} MB", flush=True)
            elapsed = time.perf_counter() - t0
    finally:
        demo.close()

    growth = rss[args.requests] - rss[args.warmup]
    print(f"| requests | RSS after {args.warmup} (MB) | RSS after {args.requests} (MB) | growth (MB) | hooks left |"
          + (" GPU MB after warm-up → end |" if cuda else ""))
    print("|---|---|---|---|---|" + ("---|" if cuda else ""))
    print(f"| {args.requests} in {elapsed:.0f} s | {rss[args.warmup]:.0f} | {rss[args.requests]:.0f} | {growth:+.0f} | "
          f"{hooks_left()} |" + (f" {gpu[args.warmup]:.0f} → {gpu[args.requests]:.0f} |" if cuda else ""))
    sys.exit(0 if growth < 100 and hooks_left() == 0 else 1)


if __name__ == "__main__":
    main()
