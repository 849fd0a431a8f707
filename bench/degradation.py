"""Record a longer degradation-lab run: the JSON the app shows before anyone presses "train".

    python bench/degradation.py                                # cpu preset, RECORD_ITERATIONS steps
    python bench/degradation.py --preset gpu --device cuda     # writes recorded/degradation_gpu.json

Runs `run_lab` (the same code the app and the CLI run) with the preset's settings, except the
number of iterations (longer, so that both effects have time to show) and no time limit, then
writes `resnet_demo/teach/recorded/degradation_<preset>.json` with every point (thinned to
--max-points), the full config and seed, the data set, this machine (CPU or GPU model, cores,
torch version), the date, the wall-clock duration and the load average at start and end (the
machine may be shared: the load says how much the timings can be trusted).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from resnet_demo.teach.degradation import PRESETS, run_lab
from resnet_demo.teach.lab_results import RECORDED_DIR, RecordedRun, save_recorded
from resnet_demo.zoo import resolve_device

RECORD_ITERATIONS = {"cpu": 3000, "gpu": 6400}
"""Steps of the recorded run per preset: the cpu preset's settings, about 5× longer."""


def cpu_model() -> str:
    """The CPU's model name as the kernel reports it (platform.processor() is often empty on Linux)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine(device: torch.device) -> dict:
    """The machine as facts (the page words them): CPU model, cores, torch's threads, and the GPU if used."""
    return {"cpu": cpu_model(), "cores": os.cpu_count() or 1, "threads": torch.get_num_threads(),
            "gpu": torch.cuda.get_device_name(device) if device.type == "cuda" else None}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="cpu", choices=list(PRESETS))
    parser.add_argument("--iterations", type=int, help="default: RECORD_ITERATIONS of the preset")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--max-points", type=int, default=120, help="points kept in the JSON (evenly spread)")
    parser.add_argument("--out", type=Path, help="default: resnet_demo/teach/recorded/degradation_<preset>.json")
    args = parser.parse_args()

    config = dataclasses.replace(PRESETS[args.preset], iterations=args.iterations or RECORD_ITERATIONS[args.preset],
                                 max_seconds=None)
    device = resolve_device(args.device)
    date = datetime.now(timezone.utc).isoformat(timespec="seconds")
    load_start = os.getloadavg()[0]
    start = time.perf_counter()
    points = []
    for point in run_lab(config, device=device):
        points.append(point)
        errors = "  ".join(f"{name} {err:.3f}" for name, err in point.errors.items())
        print(f"{point.iteration:>6}/{point.iterations}  {errors}  {point.elapsed_s:.0f} s, "
              f"load {os.getloadavg()[0]:.1f}", file=sys.stderr, flush=True)
    duration = time.perf_counter() - start
    run = RecordedRun(
        preset=args.preset,
        config=config,
        points=tuple(points),
        **machine(device),
        device=str(device),
        torch_version=torch.__version__,
        date=date,
        duration_s=round(duration, 1),
        load_average=(load_start, os.getloadavg()[0]),
        note=f"bench/degradation.py --preset {args.preset}: the preset with iterations={config.iterations} "
             f"and no time limit",
    )
    out = args.out or RECORDED_DIR / f"degradation_{args.preset}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    save_recorded(run, out, max_points=args.max_points)
    last = points[-1]
    print(f"{last.iteration} steps in {duration:.0f} s; final training errors: "
          + ", ".join(f"{k} {v:.3f}" for k, v in last.errors.items()))
    print(f"wrote {out} ({out.stat().st_size / 1000:.0f} kB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
