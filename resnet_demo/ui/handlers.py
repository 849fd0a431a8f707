"""The web app's event handlers for the main tab: controls in, file paths and text out. No torch here.

Each handler checks every parameter (`params`), calls the service (which calls the engine),
draws the panels from a `Display` (`render`), writes each picture once into a fresh folder
(`Outbox`) and hands Gradio the paths. Every known failure becomes a `gr.Error` a student can
read; anything unexpected is logged with its traceback and reported briefly; the server stays up.

Score-CAM is split off (`score_cam`): the main event answers at once with the predictions and
feature maps, and the slow lane's event fills in the map, with progress, a time estimate and a
stop button; it is also the public `/scorecam` endpoint.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import gradio as gr

from ..capture import CAM_STAGES, STAGES
from ..cams import METHODS
from ..display import Display
from ..errors import DemoError, ImageError, ResourceExhaustedError, WeightsUnavailableError
from ..explanation import Explanation
from ..export import encode_image, save_arrays, save_image, save_json, write_atomic
from ..lanes import Cancelled
from ..render import channel_at, render_cam_strip, render_channel, render_overlay, render_panels
from ..service import EXAMPLE_PHOTOS, Service
from ..teach.architecture import architecture
from ..zoo import DEPTHS
from . import params
from .outbox import Outbox
from .shown import DisplayStore, Shown
from .strings import language, say
from .uploads import UploadRefused

log = logging.getLogger(__name__)
ENCODERS = ThreadPoolExecutor(3, thread_name_prefix="encode")
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


def request_language(request: gr.Request | None) -> str:
    """The language for text built at run time, from the browser's Accept-Language header."""
    headers = getattr(request, "headers", None) or {}
    return language(headers.get("accept-language"))


def user_error(exc: BaseException, lang: str) -> gr.Error:
    """A gr.Error whose message says what happened and what to do (the server stays up)."""
    if isinstance(exc, gr.Error):
        return exc
    if isinstance(exc, UploadRefused):  # one message for every path the server did not hand out
        return gr.Error(f"{say('err_image', lang)} {say('err_not_uploaded', lang)}", print_exception=False)
    if isinstance(exc, Cancelled):
        return gr.Error(say("err_stopped", lang), print_exception=False)
    if isinstance(exc, params.ParameterError) and str(exc).startswith("No ImageNet class"):
        return gr.Error(say("err_target", lang, text=str(exc).split("'")[1] if "'" in str(exc) else ""),
                        print_exception=False)
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


def photo_path(image: Any) -> str:
    """The upload's path as the photo input handed it over, or the refusal it carries."""
    if isinstance(image, UploadRefused):
        raise image
    if isinstance(image, ImageError):  # a pasted picture that could not be read
        raise image
    if not isinstance(image, str) or not image:
        raise UploadRefused("no path")
    return image


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


def target_choices(labels: tuple[str, ...], top1: object) -> list[tuple[object, str]]:
    """The class picker's choices: `top1` (a translated label) first, then "index · label" for all 1000."""
    return [(top1, "")] + [(f"{i} · {label}", str(i)) for i, label in enumerate(labels)]


class Handlers:
    """Event handlers bound to one Service; their parameter names are the API's parameter names."""

    def __init__(self, service: Service, *, outbox: Outbox | str | Path, store: DisplayStore | None = None) -> None:
        self.service = service
        self.labels = service.labels()
        self.outbox = outbox if isinstance(outbox, Outbox) else Outbox(outbox)
        self.store = store if store is not None else DisplayStore()
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
            target_class: the class to explain: "" for the top-1 prediction, an index 0-999, or an ImageNet label
            top_k: how many predictions to return (1-10)
            opacity: heat-map opacity in the overlay, 0-1
            all_stages: also compute the CAM at every stage (the strip)
        Returns:
            predictions: top-k labels ("label (index)") with probabilities
            overlay: the CAM over the centre crop of the photo that the model saw (JPEG, at most 1024 px)
            cam_strip: the CAM at layer1..layer4
            features_stem, features_layer1..features_layer4: each stage's strongest channels
            status: device, weights and per-phase milliseconds
            banner: the "untrained network" warning (empty when the weights are trained)
            files: overlay.jpg and result.json
            shapes: each stage's C×H×W, and how they change from stage to stage
        """
        lang = request_language(request)
        if image is None or image == "":
            return self._empty(lang)
        try:
            photo = photo_path(image)
            options = self._options(depth, method, stage, target_class, top_k, all_stages)
            alpha = params.number("opacity", opacity, 0.0, 1.0)
            phases = Phases()
            result = self.service.explain_photo(photo, progress=lambda f, m: progress(f, desc=m), **options)
            phases.mark("engine")
            display = self._display(result)
            panels = render_panels(display, alpha=alpha)
            phases.mark("render")
            files = self._write(self.outbox.folder(), panels, result, phases)
            shown = self._keep(photo, options, display, (files["overlay.jpg"], files["result.json"]))
            self._report(phases)
        except Exception as exc:  # noqa: BLE001 - every failure becomes a message, the server stays up
            raise user_error(exc, lang) from exc
        slow = METHODS[options["method"]].runs_model
        note = ""
        if slow:
            c = result.stages[options["stage"]].shape[0]
            note = say("score_pending", lang, n=min(self.service.config.score_cam_channels, c), stage=options["stage"],
                       c=c)
        return (
            {prediction_key(p.label, p.index): p.prob for p in result.predictions},
            files["overlay.jpg"],
            files["cam_strip.jpg"],
            *(files[f"features_{s}.png"] for s in STAGE_TABS),
            self.status(result, lang),
            self.banner(lang),
            list(shown.files),
            stage_shapes({name: a.shape for name, a in result.stages.items()}),
            shown,
            shown.token if slow else gr.skip(),  # a new value starts the slow lane's event
            gr.update(visible=slow),  # its stop button
            gr.update(value=note, visible=slow),  # and its progress, under the overlay
        )

    def _empty(self, lang: str) -> tuple:
        return (None, None, None, *[None] * len(STAGE_TABS), say("status_idle", lang), self.banner(lang), None, "",
                None, gr.skip(), gr.update(visible=False), gr.update(value="", visible=False))

    def _display(self, result: Explanation) -> Display:
        return Display.of(result, display_size=self.service.config.display_size)

    def _keep(self, photo: str, options: dict, display: Display, files: tuple[str, ...]) -> Shown:
        """Remember a result's display for redraws; the session keeps the returned pointer."""
        shown = Shown.new(photo, options, files)
        self.store.put(shown.token, display)
        return shown

    def _write(self, folder: Path, panels, result: Explanation, phases: Phases) -> dict[str, str]:
        """Encode every panel once (timed as "encode"), then write each file atomically ("write")."""
        pictures = {"overlay.jpg": panels.overlay, "cam_strip.jpg": panels.cam_strip,
                    **{f"features_{s}.png": img for s, img in panels.features.items()}}
        # PIL encodes outside the GIL: the seven pictures take ~17 ms on 2 cores instead of ~26 one by one
        encoded = dict(zip(pictures, ENCODERS.map(lambda item: encode_image(item[1], Path(item[0]).suffix),
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

    # -- the slow lane -------------------------------------------------------------------------

    def score_cam(
        self,
        image: str | None,
        depth: int = 50,
        stage: str = "layer4",
        target_class: str = "",
        top_k: int = 5,
        opacity: float = 0.5,
        request: gr.Request = None,
    ) -> Iterator[tuple]:
        """
        Score-CAM of one stage, in the server's slow lane (one at a time), bounded to the stage's strongest channels.
        Parameters:
            image: the photo
            depth: 18, 34, 50, 101 or 152
            stage: layer1, layer2, layer3 or layer4
            target_class: "" for the top-1 prediction, an index 0-999, or an ImageNet label
            top_k: predictions computed alongside (1-10)
            opacity: heat-map opacity, 0-1
        Returns:
            overlay: the Score-CAM over the centre crop the model saw
            progress: progress while it runs, then what was scored and how long it took
            status: device, weights and per-phase milliseconds
            files: overlay.jpg and result.json
        """
        lang = request_language(request)
        try:
            photo = photo_path(image)
            options = self._options(depth, "scorecam", stage, target_class, top_k, False)
            alpha = params.number("opacity", opacity, 0.0, 1.0)
        except Exception as exc:  # noqa: BLE001
            raise user_error(exc, lang) from exc
        stop, updates, outcome = threading.Event(), queue.Queue(), {}

        def work() -> None:
            try:
                outcome["result"] = self.service.score_cam(
                    photo, depth=options["depth"], stage=options["stage"], target=options["target"],
                    top_k=options["top_k"], progress=lambda fraction, _: updates.put(fraction), should_stop=stop.is_set)
            except BaseException as exc:  # noqa: BLE001 - handed to the generator, which reports it
                outcome["error"] = exc
            finally:
                updates.put(None)

        started = time.monotonic()
        threading.Thread(target=work, name="score-cam", daemon=True).start()
        try:
            skip = (gr.skip(),) * 3  # status, files and state change only at the end
            yield gr.skip(), gr.update(value=say("score_queued", lang), visible=True), *skip, gr.update(visible=True)
            total = min(self.service.config.score_cam_channels, stage_channels(options["depth"], options["stage"]))
            last_yield = 0.0
            while (item := _next(updates)) is not None:
                # a yield at least every second lets Gradio stop this generator when the visitor leaves
                if item == "tick" or time.monotonic() - last_yield < 0.5:
                    yield gr.skip(), gr.skip(), *skip, gr.skip()
                    continue
                last_yield = time.monotonic()
                eta = (last_yield - started) * (1 - item) / max(item, 1e-6)
                note = say("score_progress", lang, stage=options["stage"], done=round(item * total), total=total, eta=eta)
                yield gr.skip(), note, *skip, gr.skip()
            if "error" in outcome:
                raise outcome["error"]
            result: Explanation = outcome["result"]
            display, folder = self._display(result), self.outbox.folder()
            overlay = str(save_image(render_overlay(display.crop, display.cam, alpha=alpha), folder / "overlay.jpg"))
            shown = self._keep(photo, options, display, (overlay, str(save_json(result, folder / "result.json"))))
            note = say("score_done", lang, stage=options["stage"], n=result.scored_channels,
                       c=result.stages[options["stage"]].shape[0], seconds=time.monotonic() - started)
            yield overlay, note, self.status(result, lang), list(shown.files), shown, gr.update(visible=False)
        except Exception as exc:  # noqa: BLE001
            raise user_error(exc, lang) from exc
        finally:
            stop.set()  # stopped, left, failed or done: the engine ends at its next batch

    # -- cheap follow-ups ----------------------------------------------------------------------

    def display(self, shown: Shown, lang: str) -> Display:
        """The display of what `shown` points to: kept in memory, or rebuilt from the photo."""
        display = self.store.get(shown.token)
        if display is not None:
            return display
        if not Path(shown.photo).is_file():
            raise gr.Error(say("err_photo_gone", lang), print_exception=False)
        if METHODS[shown.options["method"]].runs_model:
            raise gr.Error(say("err_expired", lang), print_exception=False)  # a slow result is not recomputed unasked
        display = self._display(self.service.explain_photo(shown.photo, **shown.options))
        self.store.put(shown.token, display)
        return display

    def rerender(self, shown: Shown | None, opacity: float, request: gr.Request = None) -> tuple:
        """Opacity changed: redraw the overlays from the kept display, no model pass."""
        if shown is None:
            return gr.skip(), gr.skip()
        lang = request_language(request)
        try:
            alpha = params.number("opacity", opacity, 0.0, 1.0)
            d = self.display(shown, lang)
            folder = self.outbox.folder()
            shapes = {name: s.shape for name, s in d.stages.items()}
            return (self.outbox.image(render_overlay(d.crop, d.cam, alpha=alpha), "overlay.jpg", folder),
                    self.outbox.image(render_cam_strip(d.crop, d.cams_by_stage, shapes, alpha=alpha), "cam_strip.jpg",
                                      folder))
        except Exception as exc:  # noqa: BLE001
            raise user_error(exc, lang) from exc

    def stopped(self, request: gr.Request = None) -> tuple:
        """The stop button: hide it and say so (the slow lane's event is cancelled by Gradio)."""
        return gr.update(visible=False), gr.update(value=say("score_stopped", request_language(request)), visible=True)

    def enlarger(self, stage: str):
        """A select handler for one stage's grid: the clicked tile's channel, enlarged."""

        def enlarge(shown: Shown | None, evt: gr.SelectData, request: gr.Request = None):
            index = getattr(evt, "index", None)
            if shown is None or not isinstance(index, (list, tuple)) or len(index) < 2:
                return gr.skip()
            lang = request_language(request)
            try:
                x, y = (params.number("x", v, 0, 10**5) for v in index[:2])
                channels = self.display(shown, lang).stages[stage]
                channel = channel_at(channels, x, y)
                if channel is None:
                    return gr.skip()
                return self.outbox.image(render_channel(channels, channel, stage=stage), "channel.png")
            except Exception as exc:  # noqa: BLE001
                raise user_error(exc, lang) from exc

        enlarge.__name__ = f"enlarge_{stage}"
        return enlarge

    def pick_prediction(self, evt: gr.SelectData) -> str:
        """A click on a prediction selects that class as the target (which re-runs the explanation)."""
        value = str(getattr(evt, "value", ""))[:200]
        head, _, tail = value.rpartition("(")
        return tail[:-1] if head and tail.endswith(")") and tail[:-1].isdigit() else ""

    def export_npz(self, shown: Shown | None, request: gr.Request = None) -> list[str] | None:
        """Write the stage activations and CAMs as NPZ (on request: it is several MB), from a fresh pass."""
        lang = request_language(request)
        if shown is None:
            raise gr.Error(say("err_no_photo", lang))
        try:
            if not Path(shown.photo).is_file():
                raise gr.Error(say("err_photo_gone", lang), print_exception=False)
            result = self.service.explain_photo(shown.photo, **shown.options)
            return [*shown.files, str(save_arrays(result, self.outbox.folder() / "arrays.npz"))]
        except Exception as exc:  # noqa: BLE001
            raise user_error(exc, lang) from exc

    def export_full(self, shown: Shown | None, opacity: float = 0.5, request: gr.Request = None) -> list[str] | None:
        """The overlay at the photo's full resolution (on request: decoding a 48 MP photo takes a moment)."""
        lang = request_language(request)
        if shown is None:
            raise gr.Error(say("err_no_photo", lang))
        try:
            alpha = params.number("opacity", opacity, 0.0, 1.0)
            cam = self.display(shown, lang).cam
            if not Path(shown.photo).is_file():
                raise gr.Error(say("err_photo_gone", lang), print_exception=False)
            crop = self.service.photo_crop(shown.photo, shown.options["depth"])
            return [*shown.files, self.outbox.image(render_overlay(crop, cam, alpha=alpha), "overlay_full.jpg")]
        except Exception as exc:  # noqa: BLE001
            raise user_error(exc, lang) from exc

    # -- text ----------------------------------------------------------------------------------

    def status(self, r: Explanation, lang: str) -> str:
        if not r.pretrained:
            weights = say("weights_random", lang)
        elif r.weights.startswith("ResNet"):  # torchvision's enum name: the ImageNet weights
            weights = say("weights_imagenet", lang)
        else:
            weights = f"{say('weights_file', lang)} {Path(r.weights).name}"
        phases = " · ".join(f"{k} {v:.0f} ms" for k, v in r.timings.items() if k not in ("total", "wait"))
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


def stage_channels(depth: int, stage: str) -> int:
    """Channels of `stage`'s output at `depth` (from the architecture table; no model is loaded)."""
    return next(row.output_shape[0] for row in architecture(depth).rows if row.stage == stage)


def _next(updates: queue.Queue) -> Any:
    try:
        return updates.get(timeout=1.0)
    except queue.Empty:
        return "tick"


__all__ = ["EXAMPLE_PHOTOS", "Handlers", "STAGE_TABS", "photo_path", "request_language", "target_choices",
           "user_error"]
