"""Handlers of the teaching tabs (residual learning, depth comparison, gradient flow, architecture).

Like `handlers.py`: plain data in, pictures and tables out, every failure a readable gr.Error.
Their parameter names are the API's: /residual, /compare, /gradient_flow, /architecture.
"""

from __future__ import annotations

import inspect
import textwrap

import gradio as gr

from ..capture import Capture
from ..render import channel_at, render_block_maps, render_channel
from ..service import Service
from ..teach.architecture import architecture
from ..teach.compare import comparison_table, render_cam_row
from ..teach.diagram import render_block_diagram
from ..teach.gradflow import render_gradient_flow
from ..teach.residual import block_summary, render_ratio_chart
from .handlers import Shown, request_language, user_error
from .strings import say


def hook_source() -> str:
    """The code that attaches and runs the stage hooks, read from the installed package."""
    parts = [Capture._attach, Capture._stage_hook]
    return "\n".join(textwrap.dedent(inspect.getsource(fn)) for fn in parts)


def blocks_in(depth: int, stage: str) -> int:
    """How many residual blocks `stage` has at `depth` (from the model's architecture)."""
    return next(row.blocks for row in architecture(int(depth)).rows if row.stage == stage)


class TeachHandlers:
    def __init__(self, service: Service) -> None:
        self.service = service

    def _photo(self, image: str | None, lang: str) -> str:
        if not image:
            raise gr.Error(say("err_no_photo", lang))
        return image

    def residual(
        self, image: str | None, depth: int = 50, stage: str = "layer3", block: int = 0,
        request: gr.Request = None, progress: gr.Progress = gr.Progress(),
    ) -> tuple:
        """
        Residual learning in one block: x, F(x) and ReLU(F(x) + x), and ‖F(x)‖/‖x‖ for every block.
        Parameters:
            image: the photo
            depth: 18, 34, 50, 101 or 152
            stage: the block's stage: layer1, layer2, layer3 or layer4
            block: the block's index within its stage (0 = first)
        Returns:
            block_maps: x, F(x) and ReLU(F(x)+x) of the block, as per-pixel magnitudes on one scale
            ratio_chart: ‖F(x)‖/‖x‖ for every block of the network
            summary: the chosen block's norms and ratio
        """
        lang = request_language(request)
        path = self._photo(image, lang)
        try:
            index = min(int(block), blocks_in(depth, stage) - 1)
            r = self.service.explain_photo(path, depth=int(depth), method="gradcam", stage="layer4", top_k=1,
                                           block=(stage, index),
                                           progress=lambda f, m: progress(f, desc=m))
            chosen = next(b for b in r.blocks if (b.stage, b.index) == (stage, index))
            return (render_block_maps(r.block_maps), render_ratio_chart(r.blocks, r.depth, highlight=(stage, index)),
                    block_summary(chosen))
        except Exception as exc:  # noqa: BLE001
            raise user_error(exc, lang) from exc

    def block_range(self, depth: int, stage: str, block: int) -> dict:
        """Keep the block slider within the chosen stage's block count."""
        count = blocks_in(depth, stage)
        return gr.update(maximum=count - 1, value=min(int(block), count - 1))

    def compare(
        self, image: str | None, depths: list[int] | None = None, method: str = "gradcam", stage: str = "layer4",
        request: gr.Request = None, progress: gr.Progress = gr.Progress(),
    ) -> tuple:
        """
        The same photo through several depths: top-1, probability, latency, parameters, GMACs and the CAM.
        Parameters:
            image: the photo
            depths: depths to compare, any of 18, 34, 50, 101, 152
            method: the CAM method (see /explain)
            stage: the CAM stage: layer1, layer2, layer3 or layer4
        Returns:
            table: one row per depth
            cams: each depth's CAM side by side
        """
        lang = request_language(request)
        path = self._photo(image, lang)
        depths = depths or [18, 50, 152]
        try:
            results = self.service.compare(path, depths, method=method, stage=stage,
                                           progress=lambda f, m: progress(f, desc=m))
            return (gr.update(value=comparison_table(results), headers=say("cmp_cols", lang).split("|")),
                    render_cam_row(path, results))
        except Exception as exc:  # noqa: BLE001
            raise user_error(exc, lang) from exc

    def gradient_flow(
        self, image: str | None, depth: int = 50, request: gr.Request = None, progress: gr.Progress = gr.Progress(),
    ) -> tuple:
        """
        Gradient norm of the loss at every block's output, with and without skip connections.
        Parameters:
            image: the photo
            depth: 18, 34, 50, 101 or 152
        Returns:
            chart: per-block gradient norms on a log scale (residual solid, plain dashed)
            note: how to read it, and whether trained weights were available
        """
        lang = request_language(request)
        path = self._photo(image, lang)
        try:
            flows = self.service.gradient_flow(path, int(depth), progress=lambda f, m: progress(f, desc=m))
            note = say("grad_read", lang)
            if not any(key.startswith("trained") for key in flows):
                note += "\n\n" + say("grad_untrained", lang)
            return render_gradient_flow(flows, int(depth)), note
        except Exception as exc:  # noqa: BLE001
            raise user_error(exc, lang) from exc

    def architecture(self, depth: int = 50, request: gr.Request = None) -> tuple:
        """
        The stage table of a ResNet computed from the model: block type, blocks, output shape, parameters.
        Parameters:
            depth: 18, 34, 50, 101 or 152
        Returns:
            table: one row per part (stem, layer1..layer4, head)
            totals: total parameters and multiply-adds for one 224×224 image
            diagram: BasicBlock vs Bottleneck
        """
        lang = request_language(request)
        try:
            arch = architecture(int(depth))
            totals = say("arch_totals", lang, depth=arch.depth, params=arch.total_params / 1e6, gmacs=arch.gmacs,
                         size=arch.input_size)
            headers = say("arch_cols", lang).split("|")
            return gr.update(value=arch.as_table(), headers=headers), totals, render_block_diagram()
        except Exception as exc:  # noqa: BLE001
            raise user_error(exc, lang) from exc

    def enlarger(self, stage: str):
        """A select handler for one stage's grid: the clicked tile's channel, enlarged."""

        def enlarge(shown: Shown | None, evt: gr.SelectData):
            if shown is None or not evt.index:
                return gr.skip()
            activation = shown.result.stages[stage]
            channel = channel_at(activation, *evt.index[:2])
            return gr.skip() if channel is None else render_channel(activation, channel, stage=stage)

        return enlarge
