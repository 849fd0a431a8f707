"""Eigen-CAM needs no gradients: how long does explain() spend in its "backward" step? (one command)

    python bench/eigencam_backward.py [--depth 18] [--repeats 20]

The test suite proves that Eigen-CAM never calls autograd (tests/test_explanation.py); this
script measures what is left of the step, a wall-clock figure that depends on the machine and
so belongs here rather than in a test. It prints the median over --repeats runs and exits 1 when
that median reaches --limit-ms (5 ms by default: the step should be near zero).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PIL import Image  # noqa: E402

from resnet_demo import explain, load_model  # noqa: E402

PHOTO = Path(__file__).resolve().parent.parent / "assets" / "cat.jpg"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--depth", type=int, default=18)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--limit-ms", type=float, default=5.0)
    args = parser.parse_args()
    model = load_model(args.depth, weights="random", device="cpu")
    with Image.open(PHOTO) as image:
        photo = image.convert("RGB")
    explain(model, photo, method="eigencam", all_stages=True)  # warm-up
    times = [explain(model, photo, method="eigencam", all_stages=True).timings["backward"]
             for _ in range(args.repeats)]
    median = statistics.median(times)
    print(f"ResNet-{args.depth} eigencam backward step: median {median:.3f} ms over {args.repeats} runs "
          f"(min {min(times):.3f}, max {max(times):.3f})")
    return 0 if median < args.limit_ms else 1


if __name__ == "__main__":
    sys.exit(main())
