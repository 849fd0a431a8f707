"""Score-CAM's event: the slow lane, one at a time per server, with progress, time left and a stop.

The main event answers at once with the predictions and feature maps; this event fills in the
map. The engine works in a thread of its own and reports each batch through a queue; this
generator relays the progress at least once a second, which is also when Gradio can stop it
(the stop button, or the visitor leaving): closing the generator tells the engine to stop at
its next batch. It is also the public `/scorecam` endpoint.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator
from typing import Any

import gradio as gr

from ..explanation import Explanation
from ..export import save_image, save_json
from ..render import render_overlay
from ..stages import stage_info
from . import params
from .messages import photo_path, request_language, user_error
from .refusals import refused
from .strings import say


class ScoreCamEvents:
    """Mixed into `Handlers`: the slow lane's events."""

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
            target_class: "" for the top-1 prediction, an index 0-999, or a class name (English, Chinese or pinyin)
            top_k: predictions computed alongside (1-10)
            opacity: heat-map opacity, 0-1
        Returns:
            overlay: the Score-CAM over the centre crop the model saw
            progress: progress while it runs, then what was scored and how long it took
            status: device, weights and per-phase milliseconds
            files: overlay.jpg and result.json
            note: why a setting was refused (the other outputs are then left as they were)
        """
        lang = request_language(request)
        try:
            photo = photo_path(image)
            options = self._options(depth, "scorecam", stage, target_class, top_k, False)
            alpha = params.number("opacity", opacity, 0.0, 1.0)
        except params.ParameterError as exc:  # one control refused: keep the result on screen
            yield refused(exc, lang, panels=6)
            return
        except Exception as exc:
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
            yield (gr.skip(), gr.update(value=say("score_queued", lang), visible=True), *skip, gr.update(visible=True),
                   gr.skip())
            total = min(self.service.config.score_cam_channels, stage_info(options["depth"], options["stage"]).channels)
            last_yield = 0.0
            while (item := _next(updates)) is not None:
                # a yield at least every second lets Gradio stop this generator when the visitor leaves
                if item == "tick" or time.monotonic() - last_yield < 0.5:
                    yield gr.skip(), gr.skip(), *skip, gr.skip(), gr.skip()
                    continue
                last_yield = time.monotonic()
                eta = (last_yield - started) * (1 - item) / max(item, 1e-6)
                note = say("score_progress", lang, stage=options["stage"], done=round(item * total), total=total, eta=eta)
                yield gr.skip(), note, *skip, gr.skip(), gr.skip()
            if "error" in outcome:
                raise outcome["error"]
            result: Explanation = outcome["result"]
            display, folder = self._display(result), self.outbox.folder()
            overlay = str(save_image(render_overlay(display.crop, display.cam, alpha=alpha), folder / "overlay.jpg"))
            shown = self._keep(photo, options, display, (overlay, str(save_json(result, folder / "result.json"))))
            note = say("score_done", lang, stage=options["stage"], n=result.scored_channels,
                       c=result.stages[options["stage"]].shape[0], seconds=time.monotonic() - started)
            yield overlay, note, self.status(result, lang), list(shown.files), shown, gr.update(visible=False), gr.skip()
        except Exception as exc:
            raise user_error(exc, lang) from exc
        finally:
            stop.set()  # stopped, left, failed or done: the engine ends at its next batch

    def stopped(self, request: gr.Request = None) -> tuple:
        """The stop button: hide it and say so (the slow lane's event is cancelled by Gradio)."""
        return gr.update(visible=False), gr.update(value=say("score_stopped", request_language(request)), visible=True)


def _next(updates: queue.Queue) -> Any:
    try:
        return updates.get(timeout=1.0)
    except queue.Empty:
        return "tick"
