"""ResNet Explorer's web app: `python app.py` (see --help). Flags, build the UI, queue, launch.

Every flag can also be set by an environment variable, RESNET_EXPLORER_<FLAG> (e.g.
RESNET_EXPLORER_PRELOAD=all), because a Hugging Face Space starts `python app.py` with no flags:
its settings page sets variables instead. Flags given on the command line win.

Nothing here touches the network at import; at launch the app checks once whether ImageNet
weights can be had and, if not, serves random weights under a visible "untrained" banner.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

from resnet_demo.errors import DemoError
from resnet_demo.service import AppConfig, Service  # the package imports `spaces` (ZeroGPU) before torch
from resnet_demo.ui import build_app
from resnet_demo.ui.fair_share import FairShare
from resnet_demo.ui.visitor import TrustedProxies
from resnet_demo.zoo import DEPTHS, resolve_device

ENV_PREFIX = "RESNET_EXPLORER_"


def _env(flag: str, default: object = None, *, legacy: str | None = None) -> object:
    """The default of --flag: RESNET_EXPLORER_<FLAG>, else a legacy variable, else `default`."""
    name = ENV_PREFIX + flag.upper().replace("-", "_")
    return os.environ.get(name) or (os.environ.get(legacy) if legacy else None) or default


def _truthy(value: object) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="ResNet Explorer: see how a residual network sees a photo.",
        epilog=f"Every flag can also be set as an environment variable {ENV_PREFIX}<FLAG> "
               f"(e.g. {ENV_PREFIX}PRELOAD=all, {ENV_PREFIX}QUEUE_SIZE=50); flags win.")
    parser.add_argument("--host", default=_env("host", "127.0.0.1", legacy="GRADIO_SERVER_NAME"),
                        help="interface to serve on; 0.0.0.0 serves your LAN (classroom)")
    parser.add_argument("--port", type=int, default=int(_env("port", 7860, legacy="GRADIO_SERVER_PORT")))
    parser.add_argument("--share", action="store_true", default=_truthy(_env("share", "")),
                        help="also open a temporary public gradio.live link")
    parser.add_argument("--device", default=_env("device", "auto"), help="auto | cpu | cuda | cuda:N | mps")
    parser.add_argument("--weights", default=_env("weights", "imagenet"),
                        help="imagenet | random | PATH of a state_dict (serves the depth it fits; others use ImageNet)")
    parser.add_argument("--preload", default=_env("preload", ""), help="depths to load at start, e.g. 18,50 (or 'all')")
    parser.add_argument("--auth", default=_env("auth", legacy="RESNET_EXPLORER_AUTH"),
                        help="USER:PASSWORD to require a login")
    parser.add_argument("--concurrency", type=int, default=int(_env("concurrency", 0)),
                        help="requests computed at once (default: 2 per engine worker on CPU, 4 on a GPU)")
    parser.add_argument("--engine-workers", type=int, default=int(_env("engine_workers", 1)),
                        help="CPU only: requests whose model work runs at once, each with its own copy of "
                             "the model when they ask for the same depth; 0: one per core (default: 1)")
    parser.add_argument("--queue-size", type=int, default=int(_env("queue_size", 100)),
                        help="requests waiting at most; more are refused")
    parser.add_argument("--log-level", default=_env("log_level", "info"),
                        help="the app's own log level; debug also logs each request's time split into "
                             "engine / render / encode / write")
    parser.add_argument("--score-cam-channels", type=int, default=int(_env("score_cam_channels", 0)),
                        help="Score-CAM scores this many of a stage's strongest channels (default: 128 on CPU, 512 on a GPU)")
    parser.add_argument("--per-visitor", type=int, default=int(_env("per_visitor", FairShare.per_visitor)),
                        help="requests one visitor (one address) may have waiting or running at once, beyond "
                             "one Score-CAM and one lab run; 0 turns every per-visitor bound off (a class "
                             "behind one NAT address)")
    parser.add_argument("--lab-cooldown", type=float, default=float(_env("lab_cooldown", FairShare.lab_cooldown_s)),
                        help="seconds a visitor waits after their lab run before starting another")
    parser.add_argument("--login-attempts", type=int, default=int(_env("login_attempts", FairShare.login_failures)),
                        help="failed logins a minute per visitor with --auth; 0: unbounded")
    parser.add_argument("--uploads-at-once", type=int,
                        default=int(_env("uploads_at_once", FairShare.uploads_at_once)),
                        help="uploads one visitor may send at once; 0: unbounded")
    parser.add_argument("--upload-mb-per-minute", type=float,
                        default=float(_env("upload_mb_per_minute", FairShare.upload_mb_per_minute)),
                        help="megabytes one visitor may upload a minute (uploads stay on disk for an hour); 0: unbounded")
    parser.add_argument("--trusted-proxies", default=_env("trusted_proxies", ""),
                        help="addresses or networks of reverse proxies whose X-Forwarded-For names the visitor, "
                             "e.g. 127.0.0.1 behind a local nginx (on a Hugging Face Space the platform's "
                             "proxy is trusted anyway)")
    args = parser.parse_args(argv)
    for flag in ("per_visitor", "lab_cooldown", "login_attempts", "uploads_at_once", "upload_mb_per_minute"):
        if getattr(args, flag) < 0:
            parser.error(f"--{flag.replace('_', '-')} takes 0 or more; got {getattr(args, flag)}")
    try:
        args.trusted_proxies = TrustedProxies.from_settings(args.trusted_proxies, os.environ)
    except ValueError as exc:
        parser.error(str(exc))
    try:
        args.preload = tuple(DEPTHS) if args.preload == "all" else tuple(int(d) for d in args.preload.split(",") if d)
    except ValueError:
        parser.error(f"--preload takes depths such as 18,50 or 'all'; got {args.preload!r}")
    if bad := [d for d in args.preload if d not in DEPTHS]:
        parser.error(f"--preload: {bad} not among {list(DEPTHS)}")
    if args.engine_workers < 0:
        parser.error(f"--engine-workers takes 1 or more, or 0 for one per core; got {args.engine_workers}")
    if args.auth and ":" not in args.auth:
        parser.error("--auth takes USER:PASSWORD")
    return args


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("TQDM_DISABLE", "1")  # pytorch-grad-cam's Score-CAM would draw a progress bar per request
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("resnet_demo").setLevel(args.log_level.upper())
    on_gpu = resolve_device(args.device).type == "cuda"
    config = AppConfig(weights=args.weights, device=args.device, preload=args.preload,
                       score_cam_channels=args.score_cam_channels or (512 if on_gpu else 128),
                       engine_workers=args.engine_workers)
    service = Service(config)
    try:
        service.start()
    except DemoError as exc:  # e.g. a --weights file that fits no ResNet: say so now, not at every request
        sys.exit(f"error: {exc}")
    # CPU: two requests per engine worker, so one can draw its pictures while the next runs the model
    concurrency = args.concurrency or (4 if on_gpu else 2 * max(1, service.engine_workers))
    fair = FairShare(per_visitor=args.per_visitor, lab_cooldown_s=args.lab_cooldown,
                     login_failures=args.login_attempts, uploads_at_once=args.uploads_at_once,
                     upload_mb_per_minute=args.upload_mb_per_minute, trusted=args.trusted_proxies)
    # uvicorn would otherwise replace the peer of any connection from 127.0.0.1 by what its
    # X-Forwarded-For says, before the app sees it: it trusts exactly the proxies the app trusts
    os.environ["FORWARDED_ALLOW_IPS"] = ",".join(str(n) for n in args.trusted_proxies.networks)
    demo, launch_options = build_app(service, concurrency=concurrency, fair=fair)
    demo.queue(max_size=args.queue_size, default_concurrency_limit=concurrency)
    auth = tuple(args.auth.split(":", 1)) if args.auth else None
    try:  # launch returns when the server stops (Ctrl-C): end the engine thread and its pools too
        demo.launch(server_name=args.host, server_port=args.port, share=args.share, auth=auth, **launch_options)
    finally:
        service.close()


if __name__ == "__main__":
    main()
