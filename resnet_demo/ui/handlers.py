"""The web app's event handlers for the main tab: controls in, file paths and text out. No torch here.

Each handler checks every parameter (`params`), calls the service (which calls the engine),
draws the panels from a `Display` (`render`), writes each picture once into a fresh folder
(`Outbox`) and hands Gradio the paths. A refused control leaves the panels as they are and says
why in a note under the controls (`refusals.py`); a photo that cannot be read, and every other
known failure, becomes a `gr.Error` a student can read; anything unexpected is logged with its
traceback and reported briefly; the server stays up.

Score-CAM is split off: the main event answers at once with the predictions and feature maps,
and the slow lane's event (`slow_lane.py`) fills in the map. Redraws and downloads are in
`follow_ups.py`; both are mixed into `Handlers`, which owns the state they share.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import gradio as gr

from ..cams import METHODS
from ..capture import CAM_STAGES, STAGES
from ..class_names import display_name
from ..display import Display
from ..explanation import Explanation
from ..export import encode_image, panel_files, save_json, write_atomic
from ..render import render_panels
from ..service import EXAMPLE_PHOTOS, Service
from ..zoo import DEPTHS
from . import params
from .follow_ups import FollowUpEvents
from .in_flight import InFlight
from .messages import photo_path, request_language, session_of, user_error
from .outbox import Outbox
from .refusals import note as refusal_note
from .refusals import refused
from .shown import DisplayStore, Shown
from .slow_lane import ScoreCamEvents
from .strings import TABLES, say

log = logging.getLogger(__name__)
# Threads that draw and encode a request's pictures once the engine has answered (PIL and numpy
# work largely outside the GIL, so the panels are drawn side by side).
PICTURES = ThreadPoolExecutor(3, thread_name_prefix="pictures")
timing_log = logging.getLogger("resnet_demo.timing")  # one line per request at DEBUG (app.py --log-level debug)

STAGE_TABS = STAGES  # one feature-map tab per stage


class Phases:
    """Wall time of a handler's phases, in ms, from one mark to the next."""

    def __init__(self) -> None:
        self.ms: dict[str, float] = {}
        self._last = time.perf_counter()

    def mark(self, phase: str) -> None:
        now = time.perf_counter()
        self.ms[phase] = self.ms.get(phase, 0.0) + (now - self._last) * 1e3
        self._last = now

    def __str__(self) -> str:
        return " · ".join(f"{k} {v:.1f} ms" for k, v in self.ms.items())


def prediction_key(label: str, index: int) -> str:
    """How a prediction is named in the Label component (unique: ImageNet repeats some names)."""
    return f"{label} ({index})"


def stage_shapes(shapes: dict[str, tuple[int, int, int]]) -> str:
    """stem 64×56×56 → layer1 … → layer4 2048×7×7, each arrow saying how H×W and C changed."""
    parts, previous = [], None
    for name, (c, h, w) in shapes.items():
        if previous is not None:
            pc, ph, _ = previous
            change = [f"H,W ÷{ph // h}" if h < ph else "", f"C ×{c // pc}" if c > pc else ""]
            parts.append(f" →({' · '.join(x for x in change if x) or '='}) ")
        parts.append(f"**{name}** {c}×{h}×{w}")
        previous = (c, h, w)
    return "".join(parts)


def phase_name(phase: str, lang: str) -> str:
    """An engine timing phase ("forward", "cam"…) in the page's language; a phase with no name yet keeps its key."""
    key = f"phase_{phase}"
    return say(key, lang) if key in TABLES["en"] else phase


class Handlers(ScoreCamEvents, FollowUpEvents):
    """Event handlers bound to one Service; their parameter names are the API's parameter names."""

    def __init__(self, service: Service, *, outbox: Outbox | str | Path, store: DisplayStore | None = None) -> None:
        self.service = service
        self.labels = service.labels()
        self.outbox = outbox if isinstance(outbox, Outbox) else Outbox(outbox)
        self.store = store if store is not None else DisplayStore()
        self.in_flight = InFlight()  # a page's duplicate /explain calls share one computation
        self.on_timings: Callable[[dict[str, float]], None] | None = None  # bench/bench_request.py listens here

    def _options(self, depth: Any, method: Any, stage: Any, target_class: Any, top_k: Any, all_stages: Any) -> dict:
        return {
            "depth": params.choice("depth", depth, DEPTHS),
            "method": params.choice("method", method, list(METHODS)),
            "stage": params.choice("stage", stage, CAM_STAGES),
            "target": params.target_class(target_class, self.labels),
            "top_k": params.integer("top_k", top_k, 1, 10),
            "all_stages": params.flag("all_stages", all_stages),
        }

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
            method: gradcam, gradcam++, xgradcam, hirescam, layercam, eigencam, eigengradcam or scorecam (slow: its map comes from /scorecam)
            stage: the stage whose CAM is drawn as the overlay: layer1, layer2, layer3 or layer4
            target_class: the class: "" for the top-1 prediction, an index 0-999, or a name (English, Chinese, pinyin)
            top_k: how many predictions to return (1-10)
            opacity: heat-map opacity in the overlay, 0-1
            all_stages: also compute the CAM at every stage (the strip)
        Returns:
            predictions: top-k labels ("label (index)", the label in the page's language) with probabilities
            overlay: the CAM over the centre crop of the photo that the model saw (JPEG, at most 1024 px)
            cam_strip: the CAM at layer1..layer4
            features_stem, features_layer1..features_layer4: each stage's strongest channels
            status: device, weights and per-phase milliseconds
            banner: the "untrained network" warning (empty when the weights are trained)
            files: overlay.jpg and result.json
            shapes: each stage's C×H×W, and how they change from stage to stage
            score_note: Score-CAM's progress (the map itself comes from /scorecam)
            note: why a setting was refused (the other outputs are then left as they were), else empty
        """
        lang = request_language(request)
        if image is None or image == "":
            return self._empty(lang)
        try:
            photo = photo_path(image)
            options = self._options(depth, method, stage, target_class, top_k, all_stages)
            alpha = params.number("opacity", opacity, 0.0, 1.0)
        except params.ParameterError as exc:  # one control refused: keep the result on screen
            return refused(exc, lang, panels=len(self._empty(lang)) - 1)
        except Exception as exc:
            raise user_error(exc, lang) from exc
        try:
            key = (session, photo, repr(sorted(options.items())), alpha) if (session := session_of(request)) else None
            result, files, shown = self.in_flight.run(key, lambda: self._compute(photo, options, alpha, progress))
        except Exception as exc:
            raise user_error(exc, lang) from exc
        slow = METHODS[options["method"]].runs_model
        note = ""
        if slow:
            c = result.stages[options["stage"]].shape[0]
            note = say("score_pending", lang, n=min(self.service.config.score_cam_channels, c), stage=options["stage"],
                       c=c)
        return (
            {prediction_key(display_name(p.index, p.label, lang), p.index): p.prob for p in result.predictions},
            files["overlay.jpg"],
            files["cam_strip.jpg"],
            *(files[f"features_{s}.jpg"] for s in STAGE_TABS),
            self.status(result, lang),
            self.banner(lang),
            list(shown.files),
            stage_shapes({name: a.shape for name, a in result.stages.items()}),
            shown,
            shown.token if slow else gr.skip(),  # a new value starts the slow lane's event
            gr.update(visible=slow),  # its stop button
            gr.update(value=note, visible=slow),  # and its progress, under the overlay
            refusal_note(),  # a refusal shown before is over
        )

    def _compute(self, photo: str, options: dict, alpha: float,
                 progress: gr.Progress) -> tuple[Explanation, dict[str, str], Shown]:
        """Run the engine, draw and write every panel, remember the display: the work of one /explain."""
        phases = Phases()
        with self.service.request():  # the drawing counts as in flight too: see Service.request
            result = self.service.explain_photo(photo, progress=lambda f, m: progress(f, desc=m), **options)
            phases.mark("engine")
            display = self._display(result)
            panels = render_panels(display, alpha=alpha, pool=PICTURES)
            phases.mark("render")
            files = self._write(self.outbox.folder(), panels, result, phases)
        shown = self._keep(photo, options, display, (files["overlay.jpg"], files["result.json"]))
        self._report(phases)
        return result, files, shown

    def _empty(self, lang: str) -> tuple:
        return (None, None, None, *[None] * len(STAGE_TABS), say("status_idle", lang), self.banner(lang), None, "",
                None, gr.skip(), gr.update(visible=False), gr.update(value="", visible=False), refusal_note())

    def _display(self, result: Explanation) -> Display:
        return Display.of(result, display_size=self.service.config.display_size, pool=PICTURES)

    def _keep(self, photo: str, options: dict, display: Display, files: tuple[str, ...]) -> Shown:
        """Remember a result's display for redraws; the session keeps the returned pointer."""
        shown = Shown.new(photo, options, files)
        self.store.put(shown.token, display)
        return shown

    def _write(self, folder: Path, panels, result: Explanation, phases: Phases) -> dict[str, str]:
        """Encode every panel once (timed as "encode"), then write each file atomically ("write")."""
        pictures = panel_files(panels)
        encoded = dict(zip(pictures, PICTURES.map(lambda item: encode_image(item[1][0], "", item[1][1]),
                                                  pictures.items())))
        phases.mark("encode")
        written = {name: str(write_atomic(folder / name, data)) for name, data in encoded.items()}
        written["result.json"] = str(save_json(result, folder / "result.json"))
        phases.mark("write")
        return written

    def _report(self, phases: Phases) -> None:
        timing_log.debug("explain handler: %s", phases)
        if self.on_timings is not None:
            self.on_timings(dict(phases.ms))

    # -- text ----------------------------------------------------------------------------------

    def status(self, r: Explanation, lang: str) -> str:
        if not r.pretrained:
            weights = say("weights_random", lang)
        elif r.weights.startswith("ResNet"):  # torchvision's enum name: the ImageNet weights
            weights = say("weights_imagenet", lang)
        else:
            weights = f"{say('weights_file', lang)} {Path(r.weights).name}"
        phases = " · ".join(f"{phase_name(k, lang)} {v:.0f} ms" for k, v in r.timings.items()
                            if k not in ("total", "wait"))
        decoded = ""
        if r.photo_scale < 0.99:
            w, h = (round(v / r.photo_scale) for v in r.photo.size)
            decoded = " · " + say("decoded", lang, w=w, h=h, factor=round(1 / r.photo_scale))
        return (
            f"**ResNet-{r.depth}** · **{say('device', lang)}** {r.device} · **{say('weights', lang)}** {weights} · "
            f"{phases} · **{say('total', lang)} {r.timings['total']:.0f} ms**{decoded}\n\n{say('crop_note', lang)}"
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


__all__ = [
    "EXAMPLE_PHOTOS",
    "STAGE_TABS",
    "Handlers",
    "photo_path",
    "request_language",
    "user_error",
]
