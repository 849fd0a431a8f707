"""The command line: `python -m resnet_demo explain IMAGE --out DIR`, `... degradation` and `... download`.

Bad input ends with a non-zero exit status and one readable line on stderr, never a traceback
(set RESNET_EXPLORER_DEBUG=1 to see one for an unexpected failure).
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence

from .cams import METHODS
from .capture import CAM_STAGES
from .class_names import display_name, find_class
from .errors import DemoError
from .settings import SETTINGS
from .teach.lab_config import PRESETS
from .teach.lab_data import DATA_KINDS
from .zoo import DEPTHS, LoadedModel, checkpoint_path, fetch_weights, load_model

DOWNLOADS: tuple[str, ...] = ("weights", "cifar10", "all")
"""What `download --what` can fetch."""
LANGUAGES: tuple[str, ...] = ("en", "zh-CN")
"""What `explain --lang` can print class names in."""


def _block(text: str) -> tuple[str, int]:
    stage, _, index = text.partition(".")
    if not index.isdigit():
        raise argparse.ArgumentTypeError(f"expected STAGE.INDEX such as layer2.0; got {text!r}")
    return stage, int(index)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m resnet_demo", description="See how a ResNet sees a photo.")
    sub = parser.add_subparsers(dest="command", required=True)

    ex = sub.add_parser("explain", help="predict, Grad-CAM and feature maps for one image")
    ex.add_argument("image", help="path of a photo (JPEG, PNG, WebP, GIF, BMP, TIFF)")
    ex.add_argument("--depth", type=int, default=50, choices=DEPTHS)
    ex.add_argument("--weights", default="imagenet", help="imagenet | random | PATH of a state_dict")
    ex.add_argument("--device", default="auto", help="auto | cpu | cuda | cuda:N | mps")
    ex.add_argument("--method", default="gradcam", choices=list(METHODS))
    ex.add_argument("--stage", default="layer4", choices=CAM_STAGES)
    ex.add_argument("--target", help="class to explain: an index 0-999, or its name in English, Chinese or pinyin "
                    "(default: top-1)")
    ex.add_argument("--top-k", type=int, default=5)
    ex.add_argument("--all-stages", action="store_true", help="CAM at layer1..layer4 (one longer backward)")
    ex.add_argument("--block", type=_block, help="also save x / F(x) / ReLU(F(x)+x) of one block, e.g. layer3.1")
    ex.add_argument("--alpha", type=float, default=0.5, help="overlay opacity, 0..1")
    ex.add_argument("--out", required=True, help="folder for result.json, arrays.npz and the panels (JPEG; the block maps PNG)")
    ex.add_argument("--lang", default="en", choices=LANGUAGES,
                    help="language of the class names printed (result.json always has both)")

    dg = sub.add_parser("degradation", help="train plain and residual CIFAR networks side by side (He et al. Fig. 1)")
    dg.add_argument("--preset", default="cpu", choices=list(PRESETS), help="named settings (teach/lab_config.py)")
    dg.add_argument("--iterations", type=int, help="override the preset's number of training steps")
    dg.add_argument("--data", choices=DATA_KINDS, help="override the preset's data set")
    dg.add_argument("--device", default="auto", help="auto | cpu | cuda | cuda:N | mps")
    dg.add_argument("--out", required=True, help="folder for degradation.csv and degradation.png")

    dl = sub.add_parser("download", help="prefetch ImageNet weights and/or CIFAR-10 into torch's cache (offline use)")
    dl.add_argument("--what", default="weights", choices=DOWNLOADS,
                    help="weights: ImageNet weights (see --depth); cifar10: the degradation lab's data; all: both")
    dl.add_argument("--depth", type=int, nargs="+", default=list(DEPTHS), choices=DEPTHS)
    return parser


def _target_index(model: LoadedModel, target: str | None) -> int | None:
    if target is None:
        return None
    if target.strip().isdigit():
        return int(target)
    index = find_class(target, model.categories)
    if index is None:
        raise ValueError(f"--target: no ImageNet class is called {target!r}; give an index 0-999 or a class name "
                         "(English, Chinese or pinyin)")
    return index


def _print_progress(fraction: float, message: str) -> None:
    print(f"\r{message} ({fraction:.0%})", end="", file=sys.stderr, flush=True)


def _explain(args: argparse.Namespace) -> None:
    from .explanation import explain  # imported here so `download` starts faster
    from .export import write_outputs

    model = load_model(args.depth, weights=args.weights, device=args.device, progress=_print_progress)
    r = explain(
        model,
        args.image,
        method=args.method,
        stage=args.stage,
        target=_target_index(model, args.target),
        top_k=args.top_k,
        all_stages=args.all_stages,
        block=args.block,
    )
    files = write_outputs(r, args.out, alpha=args.alpha)
    if not model.pretrained:
        print("note: random weights - this network is untrained, its predictions mean nothing", file=sys.stderr)
    for p in r.predictions:
        print(f"{p.prob:7.2%}  {p.index:4d}  {display_name(p.index, p.label, args.lang)}")
    target = display_name(r.target, r.target_label, args.lang)
    print(f"{r.method} at {r.stage} for class {r.target} ({target}) on {r.device}, {r.timings['total']:.0f} ms")
    print(f"wrote {len(files)} files to {args.out}")


def _degradation(args: argparse.Namespace) -> None:
    import dataclasses
    from pathlib import Path

    from .teach.degradation import run_lab
    from .teach.lab_results import render_lab_chart, write_csv

    overrides = {k: v for k, v in (("iterations", args.iterations), ("data", args.data)) if v is not None}
    config = dataclasses.replace(PRESETS[args.preset], **overrides)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    points = []
    try:
        for point in run_lab(config, device=args.device, progress=_print_progress):
            if not points:
                fallback = f"; CIFAR-10 {point.dataset_fallback}" if point.dataset_fallback else ""
                side = point.dataset_size
                print(f"data: {point.dataset} ({point.dataset_images} images, {side}×{side} pixels{fallback})",
                      file=sys.stderr)
            points.append(point)
            errors = "  ".join(f"{name} {err:.1%}" for name, err in point.errors.items())
            print(f"{point.iteration:>6}/{point.iterations}  {errors}  ({point.elapsed_s:.0f} s, "
                  f"{point.iterations_per_s:.1f} it/s, ~{point.eta_s:.0f} s left)", file=sys.stderr, flush=True)
    finally:  # Ctrl-C keeps what was trained so far
        if points:
            write_csv(points, out / "degradation.csv")
            render_lab_chart(points).save(out / "degradation.png")
    last = points[-1]
    if last.status == "time_limit":
        print(f"note: stopped at the preset's time limit ({config.max_seconds:.0f} s) after {last.iteration} "
              f"of {last.iterations} steps", file=sys.stderr)
    for name, err in last.errors.items():
        print(f"{name:>10}: training error {err:.1%} (last {last.window} batches), loss {last.losses[name]:.3f}")
    print(f"{last.iteration} steps in {last.elapsed_s:.0f} s on {last.dataset}; wrote degradation.csv and "
          f"degradation.png to {out}")


def _download(args: argparse.Namespace) -> None:
    if args.what in ("cifar10", "all"):
        from .teach.lab_data import cifar10_ready, cifar10_root, fetch_cifar10

        if cifar10_ready():
            print(f"CIFAR-10: already in {cifar10_root()}")
        else:
            fetch_cifar10(progress=_print_progress)
            print(f"\nCIFAR-10: saved in {cifar10_root()}")
    if args.what == "cifar10":
        return
    for depth in args.depth:
        path = checkpoint_path(depth)
        if path.is_file():
            print(f"ResNet-{depth}: already in {path}")
            continue
        fetch_weights(depth, progress=_print_progress)
        print(f"\nResNet-{depth}: saved {path}")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        {"explain": _explain, "degradation": _degradation, "download": _download}[args.command](args)
    except (DemoError, ValueError, TypeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug: one line for the user, the traceback on request
        if SETTINGS.debug:
            traceback.print_exc()
        print(f"error: unexpected failure ({type(exc).__name__}: {exc})", file=sys.stderr)
        return 1
    return 0
