"""How much does one explanation cost, compared with a bare forward pass? (one command, one table)

    python bench/bench_explain.py                      # CPU (or GPU if present), every depth
    python bench/bench_explain.py --device cuda --repeats 50 --json bench/results/gpu.json

Per depth, all in one process and interleaved round-robin so drift hits every recipe alike:

* forward      bare `model(x)` under torch.inference_mode, x already preprocessed (the baseline)
* explain      explain(m, photo): default call, gradcam at layer4, from the PIL photo
* all-stages   explain(m, photo, all_stages=True): CAMs at layer1..layer4
* render       render_panels(Display.of(r)) of the all-stages result: overlay, strip, five grids
* naive        the usual recipe: preprocess, a predict pass, a second pass with forward hooks for
               the feature maps, then pytorch-grad-cam's GradCAM object (its own forward+backward)

Each figure is the median of --repeats timed runs after --warmup runs; ratios divide by the
bare forward measured in the same run. Random weights (timing does not depend on the values).
"""

from __future__ import annotations

import argparse
import copy
import json
import platform
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pytorch_grad_cam import GradCAM  # noqa: E402
from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget  # noqa: E402

from resnet_demo import DEPTHS, STAGES, explain, load_model, prepare_image  # noqa: E402
from resnet_demo.capture import STAGE_OUTPUT_MODULE  # noqa: E402
from resnet_demo.display import Display  # noqa: E402
from resnet_demo.render import render_panels  # noqa: E402

ASSETS = Path(__file__).resolve().parent.parent / "assets"


def naive_recipe(model, photo, device):
    """What a tutorial does: three separate passes, with pytorch-grad-cam owning the third."""
    x = model.transform(photo).unsqueeze(0).to(device)
    with torch.inference_mode():
        probs = model.module(x).softmax(-1)  # 1. predict
    target = int(probs.argmax())
    feats, handles = {}, []
    for stage in STAGES:  # 2. a hooked pass for the feature maps
        module = getattr(model.module, STAGE_OUTPUT_MODULE[stage])
        handles.append(module.register_forward_hook(lambda m, i, o, s=stage: feats.__setitem__(s, o.cpu())))
    try:
        with torch.inference_mode():
            model.module(x)
    finally:
        for h in handles:
            h.remove()
    grad_model = naive_recipe.grad_models[id(model)]  # 3. pytorch-grad-cam, as its README shows
    with GradCAM(model=grad_model, target_layers=[grad_model.layer4]) as cam:
        return cam(input_tensor=x, targets=[ClassifierOutputTarget(target)]), feats


naive_recipe.grad_models = {}


def timed(fn, sync) -> float:
    sync()
    start = time.perf_counter()
    fn()
    sync()
    return (time.perf_counter() - start) * 1e3


def bench_depth(depth: int, photo, device: str, repeats: int, warmup: int) -> dict[str, float]:
    m = load_model(depth, weights="random", device=device)
    naive_recipe.grad_models[id(m)] = copy.deepcopy(m.module).requires_grad_(True)
    sync = torch.cuda.synchronize if m.device.type == "cuda" else (lambda: None)
    x = m.transform(photo).unsqueeze(0).to(m.device)
    state = {}

    def forward():
        with torch.inference_mode():
            m.module(x)

    def explain_default():
        explain(m, photo)

    def explain_all():
        state["r"] = explain(m, photo, all_stages=True)

    def render():
        render_panels(Display.of(state["r"]))

    def naive():
        naive_recipe(m, photo, m.device)

    recipes = {"forward": forward, "explain": explain_default, "all-stages": explain_all, "render": render,
               "naive": naive}
    for _ in range(warmup):
        for fn in recipes.values():
            fn()
    samples = {name: [] for name in recipes}
    for _ in range(repeats):
        for name, fn in recipes.items():
            samples[name].append(timed(fn, sync))
    return {name: statistics.median(values) for name, values in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--depths", type=int, nargs="+", default=list(DEPTHS))
    parser.add_argument("--device", default="auto")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--photo", type=Path, default=ASSETS / "cat.jpg")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()

    photo = prepare_image(args.photo)
    device = load_model(18, weights="random", device=args.device).device_name
    cpu = platform.processor() or platform.machine()
    print(f"# bench_explain: {device}; torch {torch.__version__}; {torch.get_num_threads()} threads; {cpu}; "
          f"photo {args.photo.name} {photo.width}×{photo.height}; median of {args.repeats}")
    print()
    print("| depth | forward ms | explain ms (×) | all-stages ms (×) | render ms (×) | naive ms (×) |")
    print("|---|---|---|---|---|---|")
    rows = {}
    for depth in args.depths:
        t = bench_depth(depth, photo, args.device, args.repeats, args.warmup)
        rows[depth] = t
        f = t["forward"]
        cells = [f"{t[k]:.1f} ({t[k] / f:.2f}×)" for k in ("explain", "all-stages", "render", "naive")]
        print(f"| ResNet-{depth} | {f:.1f} | " + " | ".join(cells) + " |", flush=True)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"device": device, "torch": torch.__version__, "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
