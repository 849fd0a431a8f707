"""The page: controls on the left, what the network sees on the right, a tab per lesson.

Wiring rules: changing the photo, depth, method, stage, class, top-k or the all-stages box runs
the model (one public event, `/explain`, in the "model" concurrency group); Score-CAM's map then
comes from the slow lane's event (`/scorecam`, its own concurrency group of one, with a stop
button); changing the opacity only redraws (private event); clicking a prediction makes it the
class to explain. Every picture arrives as a file path (see `outbox.py`). Every label goes
through Gradio's I18n; `?lang=` picks one language for labels and server text (`page_language.py`).
"""

from __future__ import annotations

from pathlib import Path

import gradio as gr

from ..capture import CAM_STAGES
from ..images import MAX_FILE_MB
from ..service import EXAMPLE_PHOTOS, Service
from ..zoo import DEPTHS
from .class_labels import target_choices, with_class_choices
from .components import Choice, ClassPicker, Menu, NumberSlider, PhotoInput
from .fair_share import FairShare, FairShareGate
from .handlers import STAGE_TABS, Handlers
from .lab_tab import LabHandlers, add_lab_tab
from .limits import RequestLimits
from .method_labels import method_choices
from .method_notes import method_note_event
from .outbox import Outbox
from .page_language import PageLanguage, switch_links
from .page_language import remember as remember_language
from .reference_tab import add_reference_tab
from .refusals import note_box
from .strings import TABLES
from .teach_handlers import TeachHandlers, hook_source
from .teach_tabs import add_teaching_tabs

CSS = """
.untrained-banner { background: #fdecea; border: 3px solid #c0392b; border-radius: 8px; padding: 10px 16px; }
.untrained-banner p { font-size: 1.1em; color: #7b1d12; }
#status { font-size: 0.95em; }
#overlay img { width: 100%; height: 100%; object-fit: contain; }
/* why a control's value was refused, under the controls (refusals.py) */
.block.refusal-note { border-left: 4px solid #d97706; padding-left: 10px; }
.refusal-note p { color: #92400e; }
.dark .refusal-note p { color: #fbbf24; }
/* browser-drawn charts (teach.charts) take the width of their panel: Vega's width "container" needs one */
.altair .vega-embed { display: block; width: 100%; }
"""

# Local font stacks only: a classroom LAN or an offline laptop cannot reach Google Fonts.
THEME = gr.themes.Soft(
    font=["system-ui", "Segoe UI", "Noto Sans", "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "sans-serif"],
    font_mono=["ui-monospace", "Menlo", "Consolas", "monospace"],
)


def build_app(service: Service, *, concurrency: int = 1, fair: FairShare | None = None) -> tuple[gr.Blocks, dict]:
    """The Gradio Blocks of the whole app and the keyword arguments its `launch()` needs.

    `fair`: the per-visitor bounds (`fair_share.py`); None serves without them (app.py always sets them).
    """
    i18n = gr.I18n(**with_class_choices(TABLES, service.labels()))
    t = i18n  # t("key") marks a label for translation in the browser

    with gr.Blocks(title="ResNet Explorer", delete_cache=(1800, 3600)) as demo:
        gr.Markdown(f"# {t('title')}")  # one translated key per string: the browser swaps one marker
        gr.Markdown(switch_links(), elem_id="lang-switch")  # reloads with ?lang=: labels and server text switch
        gr.Markdown(t("tagline"))
        banner = gr.Markdown(visible=False, label="banner", elem_classes="untrained-banner", elem_id="banner")
        state = gr.State()  # a `shown.Shown`: a token and the request, a few hundred bytes
        slow_job = gr.State()  # a new value starts the slow lane's event (Score-CAM)
        with gr.Tabs():
            with gr.Tab(t("tab_explain"), id="explain"):
                with gr.Row():
                    with gr.Column(scale=2, min_width=320):
                        image = PhotoInput(type="filepath", label=t("photo"), sources=["upload", "webcam", "clipboard"], height=300,
                                           elem_id="photo")
                        # files written in Gradio's own upload/cache folder are served without a copy
                        outbox = Outbox(Path(image.GRADIO_CACHE) / "resnet-explorer")
                        h = Handlers(service, outbox=outbox)
                        teach = TeachHandlers(service, outbox=outbox)
                        gr.Examples([[str(p)] for p in EXAMPLE_PHOTOS], inputs=[image], label=t("examples"))
                        depth = Choice([(f"ResNet-{d}", d) for d in DEPTHS], value=50, label=t("depth"),
                                         elem_id="depth")
                        method = Menu(method_choices(t), value="gradcam",
                                             label=t("method"), info=t("method_info"))
                        method_note = gr.Markdown(elem_id="method-note")
                        stage = Choice(list(CAM_STAGES), value="layer4", label=t("stage"), info=t("stage_info"))
                        target = ClassPicker(choices=target_choices(h.labels, t("top1"), t), value="",
                                             label=t("target"), info=t("target_info"), allow_custom_value=True,
                                             filterable=True, elem_id="target")
                        control_note = note_box("explain-note")  # under the class picker: the one control typed into
                        top_k = NumberSlider(1, 10, value=5, step=1, label=t("top_k"))
                        opacity = NumberSlider(0.0, 1.0, value=0.5, step=0.05, label=t("opacity"))
                        all_stages = gr.Checkbox(value=True, label=t("all_stages"))
                    with gr.Column(scale=3, min_width=360):
                        predictions = gr.Label(num_top_classes=10, label=t("predictions"), elem_id="predictions")
                        overlay = gr.Image(type="filepath", label=t("overlay"), elem_id="overlay",
                                           interactive=False, buttons=["download", "fullscreen"], height=420)
                        with gr.Row(equal_height=True):
                            score_note = gr.Markdown(visible=False, elem_id="score-note")
                            stop = gr.Button(t("stop"), size="sm", variant="stop", visible=False, elem_id="stop",
                                             scale=0, min_width=160)
                        gr.Markdown(f"### {t('cam_strip')}")
                        strip = gr.Image(type="filepath", label="cam_strip", show_label=False,
                                         interactive=False, buttons=["download", "fullscreen"])
                        gr.Markdown(f"### {t('feature_maps')}")
                        gr.Markdown(t("stage_note"))
                        shapes = gr.Markdown(label="shapes", elem_id="shapes")
                        grids = []
                        with gr.Tabs():
                            for name in STAGE_TABS:
                                with gr.Tab(name):
                                    grids.append(gr.Image(type="filepath", label=f"features_{name}",
                                                          elem_id=f"grid-{name}",
                                                          show_label=False, interactive=False,
                                                          buttons=["download", "fullscreen"]))
                        with gr.Row():
                            enlarged = gr.Image(type="filepath", label=t("enlarged"), interactive=False,
                                                elem_id="enlarged",
                                                scale=1)
                            gr.Code(hook_source(), language="python", label=t("hook_code"), interactive=False,
                                    elem_id="hook-code",
                                    scale=2)
                        status = gr.Markdown(t("status_idle"), label="status", elem_id="status")
                        files = gr.File(label=t("downloads"), file_count="multiple", interactive=False)
                        with gr.Row():
                            full = gr.Button(t("export_full"), size="sm")
                            npz = gr.Button(t("export_npz"), size="sm")
            add_teaching_tabs(t, teach, image)
            add_lab_tab(t, LabHandlers(service))
            add_reference_tab(t)

        outputs = [predictions, overlay, strip, *grids, status, banner, files, shapes, state, slow_job, stop,
                   score_note, control_note]
        gr.on(
            triggers=[image.change, depth.change, method.change, stage.change, target.change, top_k.release,
                      all_stages.change],
            fn=h.explain,
            inputs=[image, depth, method, stage, target, top_k, opacity, all_stages],
            outputs=outputs,
            api_name="explain",
            trigger_mode="always_last",
            concurrency_limit=concurrency,
            concurrency_id="model",
        )
        slow = slow_job.change(h.score_cam, [image, depth, stage, target, top_k, opacity],
                               [overlay, score_note, status, files, state, stop, control_note], api_name="scorecam",
                               trigger_mode="always_last", concurrency_limit=1, concurrency_id="slow")
        stop.click(h.stopped, None, [stop, score_note], cancels=[slow], api_visibility="private")
        opacity.release(h.rerender, [state, opacity], [overlay, strip, control_note], api_visibility="private",
                        trigger_mode="always_last")
        predictions.select(h.pick_prediction, None, target, api_visibility="private")
        npz.click(h.export_npz, state, files, api_visibility="private", concurrency_id="model")
        full.click(h.export_full, [state, opacity], files, api_visibility="private", concurrency_id="model")
        for name, grid in zip(STAGE_TABS, grids):
            grid.select(h.enlarger(name), state, enlarged, api_visibility="private")
        demo.load(remember_language, None, None, api_visibility="private")  # ?lang= for the session's events
        demo.load(h.banner_on_load, None, banner, api_visibility="private")
        gr.on([demo.load, method.change, stage.change, depth.change], method_note_event, [method, stage, depth],
              method_note, api_visibility="private")

    launch_options = {
        "i18n": i18n, "css": CSS, "theme": THEME,
        "max_file_size": f"{MAX_FILE_MB}mb",  # Gradio refuses larger uploads: the engine's own limit
        # every request body bounded, no URL fetched on a visitor's behalf (see limits.py)
        "app_kwargs": {"middleware": [RequestLimits.middleware(
            upload_bytes=(MAX_FILE_MB + 1) * 2**20, roots=[image.GRADIO_CACHE], files=EXAMPLE_PHOTOS),
            PageLanguage.middleware()]},  # ?lang= picks the labels' language too (page_language.py)
    }
    if fair is not None:  # inside RequestLimits: the join bodies it reads are already bounded
        launch_options["app_kwargs"]["middleware"].append(FairShareGate.middleware(blocks=demo, settings=fair))
    return demo, launch_options
