"""ResNet Explorer's web app: `python app.py` (see --help). Flags, build the UI, queue, launch.

Nothing here touches the network at import; at launch the app checks once whether ImageNet
weights can be had and, if not, serves random weights under a visible "untrained" banner.
"""

from __future__ import annotations

import argparse
import logging
import os

from resnet_demo.service import AppConfig, Service  # the package imports `spaces` (ZeroGPU) before torch
from resnet_demo.ui import build_app
from resnet_demo.zoo import DEPTHS, resolve_device


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="ResNet Explorer: see how a residual network sees a photo.")
    parser.add_argument("--host", default=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
                        help="interface to serve on; 0.0.0.0 serves your LAN (classroom)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("GRADIO_SERVER_PORT", 7860)))
    parser.add_argument("--share", action="store_true", help="also open a temporary public gradio.live link")
    parser.add_argument("--device", default="auto", help="auto | cpu | cuda | cuda:N | mps")
    parser.add_argument("--weights", default="imagenet", help="imagenet | random | PATH of a state_dict")
    parser.add_argument("--preload", default="", help="depths to load at start, e.g. 18,50 (or 'all')")
    parser.add_argument("--auth", default=os.environ.get("RESNET_EXPLORER_AUTH"),
                        help="USER:PASSWORD to require a login (or set RESNET_EXPLORER_AUTH)")
    parser.add_argument("--concurrency", type=int, default=0,
                        help="requests computed at once (default: 2 on CPU, 4 on a GPU)")
    parser.add_argument("--queue-size", type=int, default=100, help="requests waiting at most; more are refused")
    args = parser.parse_args(argv)
    args.preload = tuple(DEPTHS) if args.preload == "all" else tuple(int(d) for d in args.preload.split(",") if d)
    return args


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = parse_args(argv)
    service = Service(AppConfig(weights=args.weights, device=args.device, preload=args.preload))
    service.start()
    concurrency = args.concurrency or (4 if resolve_device(args.device).type == "cuda" else 2)
    demo, launch_options = build_app(service, concurrency=concurrency)
    demo.queue(max_size=args.queue_size, default_concurrency_limit=concurrency)
    auth = tuple(args.auth.split(":", 1)) if args.auth else None
    demo.launch(server_name=args.host, server_port=args.port, share=args.share, auth=auth,
                max_file_size="25mb", **launch_options)


if __name__ == "__main__":
    main()
