"""What a degradation-lab run leaves behind: a CSV, charts, and the recorded run shipped with the package.

`render_lab_chart` draws training error against iteration like the paper's Fig. 1 and Fig. 6
(plain dashed, residual solid, one colour per depth). `load_recorded(preset)` reads `recorded/degradation_<preset>.json`,
a longer run made by `bench/degradation.py` on a stated machine, which the app shows before
anyone trains; `save_recorded` writes that file (points thinned, numbers rounded, < 200 kB).
"""

from __future__ import annotations

import csv
import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from .degradation import LabPoint
from .lab_config import PRESETS, LabConfig
from .plotting import CAPTION_SIZE, figure_to_image, new_figure

RECORDED_DIR = Path(__file__).resolve().parent / "recorded"
"""Where recorded runs live: `degradation_<preset>.json`."""
DEPTH_COLOURS: tuple[str, ...] = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
"""Line colour per depth, shallowest first (the paper: 20 layers blue-ish, 56 red-ish)."""
VARIANT_LINES: dict[str, str] = {"plain": "--", "resnet": "-"}
"""Line style per variant: plain dashed, residual solid, as in the paper's figures."""
_FORMAT = 2  # 2: machine and data set as facts (cpu, cores, threads, gpu; dataset_images, dataset_size, dataset_fallback)


@dataclass(frozen=True)
class RecordedRun:
    """A finished run stored with the package, and where and how it was made."""

    preset: str  # the PRESETS name it started from ("cpu"); `config` says what changed
    config: LabConfig  # the exact settings of the run
    points: tuple[LabPoint, ...]  # thinned, in order; the last one is the run's final point
    cpu: str  # the CPU's model name, e.g. "AMD EPYC"
    cores: int  # the machine's CPU cores (os.cpu_count())
    threads: int  # threads torch used (torch.get_num_threads())
    gpu: str | None  # the GPU's name where it trained on one, else None
    device: str  # the torch device it trained on: "cpu", "cuda:0"
    torch_version: str  # torch.__version__ of the run
    date: str  # when the run started, ISO 8601 in UTC
    duration_s: float  # wall clock of the whole run, data loading included
    load_average: tuple[float, float]  # the machine's 1-minute load average at start and at end
    note: str  # how it was made, in one line


def write_csv(points: Sequence[LabPoint], path: str | Path) -> Path:
    """One row per (point, network): iteration, seconds, lr, training error, loss, gradient norms.

    `grad_norms` holds ‖∂loss/∂(block output)‖ per block, first block first, joined by ";".
    """
    path = Path(path)
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["iteration", "elapsed_s", "lr", "network", "train_error", "loss", "grad_norms", "dataset"])
        for p in points:
            for name in p.errors:
                out.writerow([p.iteration, f"{p.elapsed_s:.2f}", f"{p.lr:g}", name, f"{p.errors[name]:.4f}",
                              f"{p.losses[name]:.4f}", ";".join(f"{g:.4g}" for g in p.grad_norms[name]), p.dataset])
    return path


def _style(name: str, depths: list[int]) -> tuple[str, str, int]:
    variant, _, depth = name.partition("-")
    return VARIANT_LINES.get(variant, "-"), DEPTH_COLOURS[depths.index(int(depth)) % len(DEPTH_COLOURS)], int(depth)


def render_lab_chart(points: Sequence[LabPoint], *, title: str | None = None) -> Image.Image:
    """Training error (%) against iteration, one line per network: plain dashed, residual solid."""
    if not points:
        raise ValueError("points must hold at least one LabPoint; got none")
    names = list(points[0].errors)
    depths = sorted({int(name.rpartition("-")[2]) for name in names})
    fig = new_figure(8.0, 4.2)
    ax = fig.add_subplot()
    x = [p.iteration for p in points]
    for name in names:
        style, colour, _ = _style(name, depths)
        label = name.replace("resnet-", "ResNet-")
        ax.plot(x, [100 * p.errors[name] for p in points], style, color=colour, lw=2.0 if style == "-" else 1.6,
                label=f"{label}: {100 * points[-1].errors[name]:.1f}%")
    ax.set_xlabel("iteration", fontsize=CAPTION_SIZE)
    ax.set_ylabel(f"training error (%), last {points[-1].window} batches", fontsize=CAPTION_SIZE)
    ax.set_ylim(0, 100)
    ax.set_xlim(0, max(points[-1].iterations, x[-1]))
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=CAPTION_SIZE - 1, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    data = "CIFAR-10" if points[-1].dataset == "cifar10" else "generated images"
    ax.set_title(title or f"Training error on {data}: plain (dashed) vs residual (solid)", fontsize=CAPTION_SIZE + 1)
    return figure_to_image(fig)


def thin_points(points: Sequence[LabPoint], max_points: int) -> list[LabPoint]:
    """At most `max_points` points, evenly spread over the run, the first and last always kept."""
    if max_points < 2:
        raise ValueError(f"max_points must be at least 2; got {max_points}")
    if len(points) <= max_points:
        return list(points)
    keep = sorted({round(i * (len(points) - 1) / (max_points - 1)) for i in range(max_points)})
    return [points[i] for i in keep]


def _round(value: Any) -> Any:
    if isinstance(value, float):
        return float(f"{value:.4g}")
    if isinstance(value, dict):
        return {k: _round(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_round(v) for v in value]
    return value


def save_recorded(run: RecordedRun, path: str | Path, *, max_points: int = 120) -> Path:
    """Write `run` as JSON (points thinned to `max_points`, floats to 4 significant digits)."""
    body = dataclasses.asdict(dataclasses.replace(run, points=tuple(thin_points(run.points, max_points))))
    body["points"] = [_round(p) for p in body["points"]]
    body["seed"] = run.config.seed  # repeated at the top level for readers of the file
    body["dataset"] = run.points[-1].dataset
    body["format"] = _FORMAT
    path = Path(path)
    path.write_text(json.dumps(body, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    return path


def _config_from(d: dict[str, Any]) -> LabConfig:
    return LabConfig(**{k: tuple(v) if isinstance(v, list) else v for k, v in d.items()})


def _point_from(d: dict[str, Any]) -> LabPoint:
    return LabPoint(**{**d, "grad_norms": {k: tuple(v) for k, v in d["grad_norms"].items()}})


def recorded_presets() -> list[str]:
    """Presets for which a recorded run ships with the package."""
    return sorted(p for p in PRESETS if (RECORDED_DIR / f"degradation_{p}.json").is_file())


def load_recorded(preset: str = "cpu") -> RecordedRun:
    """The longer run recorded for `preset` (made by bench/degradation.py), for display before training."""
    if preset not in recorded_presets():
        raise ValueError(f"preset must be one with a recorded run, {recorded_presets()}; got {preset!r}")
    body = json.loads((RECORDED_DIR / f"degradation_{preset}.json").read_text(encoding="utf-8"))
    fields = {f.name for f in dataclasses.fields(RecordedRun)}
    body = {k: v for k, v in body.items() if k in fields}
    return RecordedRun(**{
        **body,
        "config": _config_from(body["config"]),
        "points": tuple(_point_from(p) for p in body["points"]),
        "load_average": tuple(body["load_average"]),
    })
