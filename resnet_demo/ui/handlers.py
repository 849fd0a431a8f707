"""The web app's event handlers: controls in, pictures and text out. No torch here.

Each handler calls the service (which calls the engine), turns the result into what Gradio's
components show, and turns every known failure into a `gr.Error` a student can read; anything
unexpected is logged with its traceback and reported briefly, and the server stays up.
"""

from __future__ import annotations

import logging
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from ..errors import DemoError, ImageError, ResourceExhaustedError, WeightsUnavailableError
from ..explanation import Explanation
from ..export import save_arrays, save_json
from ..capture import STAGES
from ..render import render_cam_strip, render_overlay, render_panels
from ..service import Service
from ..zoo import DEPTHS
from .strings import language, say

log = logging.getLogger(__name__)

STAGE_TABS = STAGES  # one feature-map tab per stage
TOP1_VALUES = ("", "top-1", "top1", "auto", "none")


@dataclass
class Shown:
    """What the page currently shows, kept per browser session (gr.State) for cheap re-renders."""

    result: Explanation
    folder: Path  # this request's download files


def request_language(request: gr.Request | None) -> str:
    """The language for text built at run time, from the browser's Accept-Language header."""
    headers = getattr(request, "headers", None) or {}
    return language(headers.get("accept-language"))


def user_error(exc: BaseException, lang: str) -> gr.Error:
    """A gr.Error whose message says what happened and what to do (the server stays up)."""
    for kind, key in (
        (ImageError, "err_image"),
        (WeightsUnavailableError, "err_weights"),
        (ResourceExhaustedError, "err_memory"),
        ((ValueError, TypeError, DemoError), "err_value"),
    ):
        if isinstance(exc, kind):
            return gr.Error(f"{say(key, lang)} {exc}", print_exception=False)
    log.exception("unexpected failure in a request", exc_info=exc)
    return gr.Error(say("err_unexpected", lang, kind=type(exc).__name__), print_exception=False)


def parse_target(text: Any, labels: tuple[str, ...], lang: str = "en") -> int | None:
    """None for the top-1 class, else the index named by `text`: "281", "281 · tabby", "tabby (281)", "tabby"."""
    value = str(text if text is not None else "").strip()
    if value.lower() in TOP1_VALUES:
        return None
    match = re.fullmatch(r"(\d+)(\s*[·:].*)?", value) or re.fullmatch(r".*\((\d+)\)", value)
    if match and int(match.group(1)) < len(labels):
        return int(match.group(1))
    lowered = value.lower()
    for index, label in enumerate(labels):
        if label.lower() == lowered:
            return index
    raise ValueError(say("err_target", lang, text=value))


def prediction_key(label: str, index: int) -> str:
    """How a prediction is named in the Label component (unique: ImageNet repeats some names)."""
    return f"{label} ({index})"


def stage_shapes(r: Explanation) -> str:
    """stem 64×56×56 → layer1 … → layer4 2048×7×7, each arrow saying how H×W and C changed."""
    parts, previous = [], None
    for name, a in r.stages.items():
        c, h, w = a.shape
        if previous is not None:
            pc, ph, _ = previous
            change = [f"H,W ÷{ph // h}" if h < ph else "", f"C ×{c // pc}" if c > pc else ""]
            parts.append(f" →({' · '.join(x for x in change if x) or '='}) ")
        parts.append(f"**{name}** {c}×{h}×{w}")
        previous = a.shape
    return "".join(parts)


def target_choices(labels: tuple[str, ...], top1: object) -> list[tuple[object, str]]:
    """The class picker's choices: `top1` (a translated label) first, then "index · label" for all 1000."""
    return [(top1, "")] + [(f"{i} · {label}", str(i)) for i, label in enumerate(labels)]


class Handlers:
    """Event handlers bound to one Service; their parameter names are the API's parameter names."""

    def __init__(self, service: Service, *, workdir: str | Path | None = None, keep_seconds: float = 3600) -> None:
        self.service = service
        self.labels = service.labels()
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="resnet-explorer-"))
        self.keep_seconds = keep_seconds

    # -- the main event ------------------------------------------------------------------------

    def explain(
        self,
        image: str | None,
        depth: int = 50,
        method: str = "gradcam",
        stage: str = "layer4",
        target_class: str = "",
        top_k: int = 5,
        opacity: float = 0.5,
        all_stages: bool = True,
        request: gr.Request = None,
        progress: gr.Progress = gr.Progress(),
    ) -> tuple:
        """
        Classify a photo with an ImageNet ResNet and show where it looks and what each stage sees.
        Parameters:
            image: the photo (JPEG, PNG, WebP, GIF, BMP or TIFF; at least 32 px a side, at most 50 megapixels)
            depth: 18, 34, 50, 101 or 152
            method: gradcam, gradcam++, xgradcam, hirescam, layercam, eigencam, eigengradcam or scorecam (slow)
            stage: the stage whose CAM is drawn as the overlay: layer1, layer2, layer3 or layer4
            target_class: the class to explain: "" for the top-1 prediction, an index 0-999, or an ImageNet label
            top_k: how many predictions to return (1-10)
            opacity: heat-map opacity in the overlay, 0-1
            all_stages: also compute the CAM at every stage (the strip)
        Returns:
            predictions: top-k labels ("label (index)") with probabilities
            overlay: the CAM over the centre crop of the photo that the model saw
            cam_strip: the CAM at layer1..layer4
            features_stem, features_layer1..features_layer4: each stage's strongest channels
            status: device, weights and per-phase milliseconds
            banner: the "untrained network" warning (empty when the weights are trained)
            files: overlay.png and result.json
            shapes: each stage's C×H×W, and how they change from stage to stage
        """
        lang = request_language(request)
        if not image:
            return self._empty(lang)
        try:
            target = parse_target(target_class, self.labels, lang)
            result = self.service.explain_photo(
                image,
                depth=int(depth),
                method=method,
                stage=stage,
                target=target,
                top_k=int(top_k),
                all_stages=bool(all_stages),
                progress=lambda fraction, message: progress(fraction, desc=message),
            )
            folder = self._new_folder()
            panels = render_panels(result, alpha=float(opacity))
            panels.overlay.save(folder / "overlay.png")
            save_json(result, folder / "result.json")
        except Exception as exc:  # noqa: BLE001 - every failure becomes a message, the server stays up
            raise user_error(exc, lang) from exc
        return (
            {prediction_key(p.label, p.index): p.prob for p in result.predictions},
            panels.overlay,
            panels.cam_strip,
            *(panels.features[s] for s in STAGE_TABS),
            self.status(result, lang),
            self.banner(lang),
            [str(folder / "overlay.png"), str(folder / "result.json")],
            stage_shapes(result),
            Shown(result, folder),
        )

    def _empty(self, lang: str) -> tuple:
        return (None, None, None, *[None] * len(STAGE_TABS), say("status_idle", lang), self.banner(lang), None, "", None)

    @staticmethod
    def _strip(result: Explanation, opacity: float):
        shapes = {name: a.shape for name, a in result.stages.items()}
        return render_cam_strip(result.photo, result.cams_by_stage, result.crop_box, shapes, alpha=opacity)

    # -- cheap follow-ups ----------------------------------------------------------------------

    def rerender(self, shown: Shown | None, opacity: float, request: gr.Request = None) -> tuple:
        """Opacity changed: redraw the overlays from the kept result, no model pass."""
        if shown is None:
            return gr.skip(), gr.skip()
        try:
            r = shown.result
            return render_overlay(r.photo, r.cam, r.crop_box, alpha=float(opacity)), self._strip(r, float(opacity))
        except Exception as exc:  # noqa: BLE001
            raise user_error(exc, request_language(request)) from exc

    def pick_prediction(self, evt: gr.SelectData) -> str:
        """A click on a prediction selects that class as the target (which re-runs the explanation)."""
        match = re.search(r"\((\d+)\)$", str(evt.value))
        return match.group(1) if match else ""

    def export_npz(self, shown: Shown | None, request: gr.Request = None) -> list[str] | None:
        """Write the stage activations and CAMs as NPZ (on request: it is several MB)."""
        if shown is None:
            raise gr.Error(say("err_no_photo", request_language(request)))
        path = save_arrays(shown.result, shown.folder / "arrays.npz")
        return [str(shown.folder / "overlay.png"), str(shown.folder / "result.json"), str(path)]

    # -- text ----------------------------------------------------------------------------------

    def status(self, r: Explanation, lang: str) -> str:
        if not r.pretrained:
            weights = say("weights_random", lang)
        elif self.service.config.weights == "imagenet":
            weights = say("weights_imagenet", lang)
        else:
            weights = f"{say('weights_file', lang)} {Path(r.weights).name}"
        phases = " · ".join(f"{k} {v:.0f} ms" for k, v in r.timings.items() if k != "total")
        return (
            f"**ResNet-{r.depth}** · **{say('device', lang)}** {r.device} · **{say('weights', lang)}** {weights} · "
            f"{phases} · **{say('total', lang)} {r.timings['total']:.0f} ms**\n\n{say('crop_note', lang)}"
        )

    def banner_on_load(self, request: gr.Request = None) -> dict:
        """The banner as the page opens, in the browser's language."""
        return self.banner(request_language(request))

    def banner(self, lang: str = "en") -> dict:
        """The untrained-network warning: visible whenever any depth runs on random weights."""
        if self.service.config.weights == "random":
            text = say("banner_random", lang)
        else:
            depths = [d for d in DEPTHS if self.service.is_untrained(d)]
            text = say("banner_untrained", lang, depths=", ".join(f"ResNet-{d}" for d in depths)) if depths else ""
        return gr.update(value=text, visible=bool(text))

    # -- housekeeping --------------------------------------------------------------------------

    def _new_folder(self) -> Path:
        """A fresh folder for one request's downloads; folders older than keep_seconds are removed."""
        now = time.time()
        for old in self.workdir.glob("r-*"):
            try:
                if now - old.stat().st_mtime > self.keep_seconds:
                    shutil.rmtree(old, ignore_errors=True)
            except OSError:
                pass
        return Path(tempfile.mkdtemp(prefix="r-", dir=self.workdir))

