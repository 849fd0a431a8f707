"""The cheap follow-ups of a shown result: redraw at a new opacity, enlarge a channel, and downloads.

They work from the session's `Shown` pointer: the display kept in the server's store, or, when
the store has dropped it, rebuilt from the photo (a slow Score-CAM result is not recomputed
unasked). The NPZ and the full-resolution overlay are made only when asked for.
"""

from __future__ import annotations

from pathlib import Path

import gradio as gr

from ..cams import METHODS
from ..display import Display
from ..export import save_arrays
from ..render import channel_at, render_cam_strip, render_channel, render_overlay
from . import params
from .messages import request_language, user_error
from .refusals import refused
from .shown import Shown
from .strings import say


class FollowUpEvents:
    """Mixed into `Handlers`: events that redraw or export what the page shows."""

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
        """Opacity changed: redraw the overlays from the kept display, no model pass (outputs: overlay, strip, note)."""
        if shown is None:
            return gr.skip(), gr.skip(), gr.skip()
        lang = request_language(request)
        try:
            alpha = params.number("opacity", opacity, 0.0, 1.0)
        except params.ParameterError as exc:  # keep the overlays on screen, say why next to the controls
            return refused(exc, lang, panels=2)
        try:
            d = self.display(shown, lang)
            folder = self.outbox.folder()
            shapes = {name: s.shape for name, s in d.stages.items()}
            return (self.outbox.image(render_overlay(d.crop, d.cam, alpha=alpha), "overlay.jpg", folder),
                    self.outbox.image(render_cam_strip(d.crop, d.cams_by_stage, shapes, alpha=alpha), "cam_strip.jpg",
                                      folder), gr.skip())
        except Exception as exc:
            raise user_error(exc, lang) from exc

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
            except Exception as exc:
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
            files = kept_files(shown, lang)
            result = self.service.explain_photo(shown.photo, **shown.options)
            return [*files, str(save_arrays(result, self.outbox.folder() / "arrays.npz"))]
        except Exception as exc:
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
            files = kept_files(shown, lang)
            crop = self.service.photo_crop(shown.photo, shown.options["depth"])
            return [*files, self.outbox.image(render_overlay(crop, cam, alpha=alpha), "overlay_full.jpg")]
        except Exception as exc:
            raise user_error(exc, lang) from exc


def kept_files(shown: Shown, lang: str) -> list[str]:
    """The shown result's files, or a clear message when the outbox has swept them (never a dead link)."""
    if not all(Path(f).is_file() for f in shown.files):
        raise gr.Error(say("err_expired", lang), print_exception=False)
    return list(shown.files)
