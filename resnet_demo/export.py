"""Write an explanation to a folder: result.json, arrays.npz and the PNG panels.

Shared by the command line (`python -m resnet_demo explain ... --out DIR`) and the web app's
download buttons, so both produce the same files.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .explanation import Explanation
from .render import Panels, render_panels


def save_arrays(r: Explanation, path: Path) -> Path:
    """Stage activations (`stage/<name>`), CAMs (`cam/<stage>`) and block maps into one .npz."""
    arrays = {f"stage/{name}": a for name, a in r.stages.items()}
    arrays.update({f"cam/{name}": c for name, c in r.cams_by_stage.items()})
    if r.block_maps is not None:
        for part in ("identity", "residual", "output"):
            arrays[f"block/{r.block_maps.stage}.{r.block_maps.index}/{part}"] = getattr(r.block_maps, part)
    np.savez_compressed(path, **arrays)
    return path


def save_json(r: Explanation, path: Path) -> Path:
    path.write_text(json.dumps(r.summary(), indent=2, ensure_ascii=False), encoding="utf-8")
    return path


def write_outputs(
    r: Explanation, out_dir: str | Path, *, panels: Panels | None = None, alpha: float = 0.5
) -> dict[str, Path]:
    """Write every file of `r` into `out_dir` (created if needed); returns name -> path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    panels = panels or render_panels(r, alpha=alpha)
    files = {"result.json": save_json(r, out / "result.json"), "arrays.npz": save_arrays(r, out / "arrays.npz")}
    images = {"overlay.png": panels.overlay, "cam_strip.png": panels.cam_strip}
    images.update({f"features_{name}.png": img for name, img in panels.features.items()})
    if panels.block is not None:
        images["block.png"] = panels.block
    for name, image in images.items():
        image.save(out / name)
        files[name] = out / name
    return files
