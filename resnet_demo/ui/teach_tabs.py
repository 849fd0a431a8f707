"""The teaching tabs: each part of the ResNet lesson, computed on the real network and the student's photo."""

from __future__ import annotations

import gradio as gr

from ..capture import CAM_STAGES
from ..zoo import DEPTHS
from . import teach_strings  # noqa: F401  (registers the strings used below)
from .components import Choice, Choices, Menu, NumberSlider
from .method_labels import method_choices
from .method_notes import method_note_event
from .refusals import note_box
from .teach_handlers import TeachHandlers


def _depth_radio(t, value: int = 50) -> gr.Radio:
    return Choice([(f"ResNet-{d}", d) for d in DEPTHS], value=value, label=t("depth"))


def add_teaching_tabs(t, h: TeachHandlers, image: gr.Image) -> None:
    """Add the four teaching tabs to the enclosing gr.Tabs; `image` is the shared photo input."""
    with gr.Tab(t("tab_residual"), id="residual"):
        gr.Markdown(t("res_intro"))
        gr.Markdown(t("uses_photo"))
        with gr.Row():
            depth = _depth_radio(t)
            stage = Choice(list(CAM_STAGES), value="layer3", label=t("res_stage"))
            block = NumberSlider(0, 5, value=1, step=1, label=t("res_index"))
        res_note = note_box("residual-note")
        show = gr.Button(t("show"), variant="primary", elem_id="residual-show")
        gr.Markdown(f"#### {t('res_maps')}")
        maps = gr.Image(type="filepath", label="block_maps", show_label=False, interactive=False)
        summary = gr.Markdown(elem_id="residual-summary")
        gr.Markdown(f"#### {t('res_chart')}")
        chart = gr.Plot(label="ratio_chart", show_label=False, elem_id="ratio-chart")
        gr.Markdown(t("res_read"))
        gr.on([depth.change, stage.change], h.block_range, [depth, stage, block], block, api_visibility="private")
        gr.on([show.click, block.release, stage.change, depth.change], h.residual, [image, depth, stage, block],
              [maps, chart, summary, res_note], api_name="residual", trigger_mode="always_last",
              concurrency_id="model")

    with gr.Tab(t("tab_compare"), id="compare") as compare_tab:
        gr.Markdown(t("cmp_intro"))
        gr.Markdown(t("uses_photo"))
        with gr.Row():
            depths = Choices([(f"ResNet-{d}", d) for d in DEPTHS], value=[18, 50, 152], label=t("cmp_depths"))
            method = Menu(method_choices(t, slow=False),
                          value="gradcam", label=t("method"))
            cmp_stage = Choice(list(CAM_STAGES), value="layer4", label=t("stage"))
        cmp_refusal = note_box("compare-note")
        cmp_note = gr.Markdown(elem_id="compare-method-note")
        gr.on([compare_tab.select, method.change, cmp_stage.change], method_note_event, [method, cmp_stage], cmp_note,
              api_visibility="private")
        run = gr.Button(t("show"), variant="primary", elem_id="compare-show")
        table = gr.Dataframe(label=t("cmp_table"), interactive=False, wrap=True, elem_id="compare-table")
        gr.Markdown(f"#### {t('cmp_cams')}")
        cams = gr.Image(type="filepath", label="cams", show_label=False, interactive=False)
        timings = gr.Plot(label="timings", show_label=False, elem_id="compare-chart")
        run.click(h.compare, [image, depths, method, cmp_stage], [table, cams, timings, cmp_refusal],
                  api_name="compare", concurrency_id="model")

    with gr.Tab(t("tab_gradients"), id="gradients"):
        gr.Markdown(t("grad_intro"))
        gr.Markdown(t("uses_photo"))
        grad_depth = _depth_radio(t, 152)
        grad_refusal = note_box("grad-refusal")
        grad_run = gr.Button(t("show"), variant="primary", elem_id="grad-show")
        gr.Markdown(f"#### {t('grad_chart')}")
        grad_chart = gr.Plot(label="chart", show_label=False, elem_id="grad-chart")
        grad_note = gr.Markdown(elem_id="grad-note")
        gr.on([grad_run.click, grad_depth.change], h.gradient_flow, [image, grad_depth],
              [grad_chart, grad_note, grad_refusal],
              api_name="gradient_flow", trigger_mode="always_last", concurrency_id="model")

    with gr.Tab(t("tab_architecture"), id="architecture") as arch_tab:
        gr.Markdown(t("arch_intro"))
        arch_depth = _depth_radio(t)
        arch_note = note_box("arch-note")
        arch_table = gr.Dataframe(label=t("arch_table"), interactive=False, elem_id="arch-table")
        totals = gr.Markdown(elem_id="arch-totals")
        gr.Markdown(t("arch_diagram"))
        diagram = gr.Image(type="filepath", label="diagram", show_label=False, interactive=False)
        gr.on([arch_depth.change, arch_tab.select], h.architecture, [arch_depth],
              [arch_table, totals, diagram, arch_note],
              api_name="architecture")
