"""The degradation lab's tab: watch a deeper plain network train worse, and residual ones not.

Before anyone presses "train", the tab shows a longer run recorded with the same code
(`teach.lab_results.load_recorded`), labelled with its machine, date and duration. Pressing
"train" streams a new run from the service's background lane (one run per server at a time,
its own concurrency group, so other visitors wait their turn with their place in line shown;
between steps it lets explanations go first). The stop button cancels it; so does leaving.
Every chart is drawn by the browser in the visitor's language (`teach.charts`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import gradio as gr

from ..service import Service
from ..teach.charts import series_chart
from ..teach.degradation import LabPoint
from ..teach.lab_config import PRESETS
from ..teach.lab_results import RecordedRun, load_recorded, recorded_presets
from . import (
    lab_strings,  # noqa: F401  (registers the strings used below)
    params,
)
from .chart_strings import chart_text
from .components import Choice
from .lab_text import gradient_note, network_name
from .messages import request_language, user_error
from .refusals import note as refusal_note
from .refusals import note_box, refused
from .strings import say

KINDS = {"plain": "plain", "resnet": "residual"}
"""A network name's first part ("plain-20", "resnet-56") → the chart's kind of line."""


def _row(name: str, x: float, y: float, lang: str) -> dict:
    variant, _, depth = name.partition("-")
    return {"x": x, "y": y, "series": network_name(name, lang), "kind": KINDS[variant],
            "group": say("lab_depth", lang, depth=depth)}


def _series(points: Sequence[LabPoint], value, lang: str) -> list[dict]:
    return [_row(name, p.iteration, value(p, name), lang) for p in points for name in p.errors]


def lab_charts(points: Sequence[LabPoint], lang: str) -> tuple:
    """Training error, loss and the gradients of the latest point, as browser-drawn charts."""
    data = points[-1].dataset
    error = series_chart(_series(points, lambda p, n: 100 * p.errors[n], lang),
                         text=chart_text("lab_error", lang, data=say(f"lab_data_{data}", lang)), y_format=".1f")
    loss = series_chart(_series(points, lambda p, n: p.losses[n], lang), log_y=True,
                        text=chart_text("lab_loss", lang, data=say(f"lab_data_{data}", lang)))
    last = points[-1]
    grads = [_row(name, i + 1, g, lang) for name, norms in last.grad_norms.items() for i, g in enumerate(norms) if g > 0]
    gradients = series_chart(grads, log_y=True, y_format=".3e",
                             text=chart_text("lab_gradients", lang, iteration=last.iteration))
    return error, loss, gradients


def lab_table(point: LabPoint, lang: str) -> dict:
    """The latest numbers of every network, exactly (the charts round them)."""
    rows = [[network_name(name, lang), round(100 * point.errors[name], 2), round(point.losses[name], 4)]
            for name in point.errors]
    return gr.update(value=rows, headers=say("lab_cols", lang).split("|"))


class LabHandlers:
    """The lab's events; their parameter names are the API's (/degradation)."""

    def __init__(self, service: Service) -> None:
        self.service = service

    def presets(self) -> list[str]:
        """What this server can run: the CPU preset everywhere, the GPU one where there is a GPU."""
        return [p for p in PRESETS if p == "cpu" or self.service.on_gpu]

    def recorded(self, shown: str | None = None, request: gr.Request = None) -> tuple:
        """The recorded longer run, shown when the tab opens, unless the tab already shows a run."""
        lang = request_language(request)
        presets = recorded_presets()
        if shown or not presets:
            return gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
        run = load_recorded("gpu" if self.service.on_gpu and "gpu" in presets else presets[0])
        note = say("lab_recorded", lang, machine=machine_text(run, lang), device=run.device, date=run.date[:10],
                   minutes=run.duration_s / 60, iterations=run.points[-1].iteration, data=say(
                       f"lab_data_{run.points[-1].dataset}", lang), seed=run.config.seed, preset=run.preset)
        return (*lab_charts(run.points, lang), note, lab_table(run.points[-1], lang),
                gradient_note(run.points[-1], lang))

    def degradation(self, preset: str = "cpu", request: gr.Request = None) -> Iterator[tuple]:
        """
        Train plain and residual networks of two depths side by side, live (one run per server at a time).
        Parameters:
            preset: "cpu" (about 2 minutes on a 2-core CPU) or, on a GPU server, "gpu" (closer to the paper)
        Returns:
            error_chart: training error (%) against iteration, plain dashed, residual solid
            loss_chart: training loss against iteration (log scale)
            gradient_chart: the gradient reaching each block at the latest point (log scale)
            status: iteration, speed, time left and the data set used
            table: the latest training error and loss of each network
            gradient_note: what the gradient chart shows, read off its curves
            note: why the preset was refused (the other outputs are then left as they were), else empty
        """
        lang = request_language(request)
        try:
            preset = params.choice("preset", preset, self.presets())
        except params.ParameterError as exc:  # keep the run on screen, say why under the controls
            yield refused(exc, lang, panels=6)  # three charts, status, table, gradient note
            return
        try:
            points: list[LabPoint] = []
            for point in self.service.lab(preset):  # closing this generator (stop, or leaving) ends the run
                points.append(point)
                yield (*lab_charts(points, lang), self.status(point, lang), lab_table(point, lang),
                       gradient_note(point, lang), refusal_note())
        except Exception as exc:
            raise user_error(exc, lang) from exc

    @staticmethod
    def status(point: LabPoint, lang: str) -> str:
        state = say(f"lab_{point.status}", lang)
        return say("lab_status", lang, state=state, iteration=point.iteration, iterations=point.iterations,
                   speed=point.iterations_per_s, left=point.eta_s, elapsed=point.elapsed_s, paused=point.paused_s,
                   note=data_note(point, lang))


def machine_text(run: RecordedRun, lang: str) -> str:
    """Where a recorded run trained, in `lang`: the GPU if any, the CPU, its cores and torch's threads."""
    facts = {"cpu": run.cpu, "cores": run.cores, "threads": run.threads, "gpu": run.gpu}
    return say("lab_machine_gpu" if run.gpu else "lab_machine", lang, **facts)


def data_note(point: LabPoint, lang: str) -> str:
    """What the lab trains on, in `lang`, and why it is not CIFAR-10 after a fallback."""
    text = say(f"lab_data_note_{point.dataset}", lang, count=point.dataset_images, size=point.dataset_size)
    if point.dataset_fallback:
        text += ("" if lang.startswith("zh") else " ") + say(f"lab_fallback_{point.dataset_fallback}", lang)
    return text


def add_lab_tab(t, h: LabHandlers) -> None:
    """The lab's tab, inside the enclosing gr.Tabs."""
    with gr.Tab(t("tab_lab"), id="lab") as tab:
        gr.Markdown(t("lab_intro"))
        gr.Markdown(t("lab_expect"))
        with gr.Accordion(t("lab_setup_label"), open=True):
            gr.Markdown(t("lab_setup_table"), elem_id="lab-setup")
        with gr.Row():
            preset = Choice([(t(f"lab_preset_{p}"), p) for p in h.presets()], value=h.presets()[0],
                            label=t("lab_preset"), scale=3)
            train = gr.Button(t("lab_train"), variant="primary", elem_id="lab-train", scale=1)
            stop = gr.Button(t("lab_stop"), variant="stop", elem_id="lab-stop", scale=1)
        lab_note = note_box("lab-note")
        status = gr.Markdown(elem_id="lab-status")
        error_chart = gr.Plot(label="error", show_label=False, elem_id="lab-error")
        gr.Markdown(t("lab_read"))
        with gr.Row():
            loss_chart = gr.Plot(label="loss", show_label=False, elem_id="lab-loss")
            gradient_chart = gr.Plot(label="gradients", show_label=False, elem_id="lab-gradients")
        table = gr.Dataframe(interactive=False, elem_id="lab-table")
        gr.Markdown(t("lab_gradients_read"))
        grad_note = gr.Markdown(elem_id="lab-gradient-note")
        outputs = [error_chart, loss_chart, gradient_chart, status, table, grad_note]
        tab.select(h.recorded, status, outputs, api_visibility="private")
        run = train.click(h.degradation, preset, [*outputs, lab_note], api_name="degradation", concurrency_limit=1,
                          concurrency_id="lab")
        stop.click(None, None, None, cancels=[run], api_visibility="private")
