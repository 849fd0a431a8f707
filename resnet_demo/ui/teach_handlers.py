"""Handlers of the teaching tabs (residual learning, depth comparison, gradient flow, architecture).

Like `handlers.py`: plain data in, pictures and tables out; a refused control leaves the tab's
panels as they are, with a note under its controls saying why (each event's last output); every
other failure is a readable gr.Error. Their parameter names are the API's: /residual, /compare,
/gradient_flow, /architecture.

The sentences that depend on the depth or the weights come from `teach_text.py`.
"""

from __future__ import annotations

import inspect
import textwrap
from pathlib import Path

import gradio as gr

from ..cams import METHODS
from ..capture import CAM_STAGES, Capture
from ..class_names import display_name
from ..render import render_block_maps
from ..service import Service
from ..stages import stage_info
from ..teach.architecture import architecture
from ..teach.charts import gradient_flow_chart, latency_chart, ratio_chart
from ..teach.compare import comparison_table, render_cam_row
from ..teach.residual import block_summary
from ..zoo import DEPTHS
from . import params
from .chart_strings import chart_text
from .diagram_words import block_diagram
from .messages import photo_path, request_language, user_error
from .outbox import Outbox
from .refusals import note, refused
from .strings import say
from .teach_text import architecture_note, architecture_table, gradient_note, shortcut_note


def hook_source() -> str:
    """The code that attaches and runs the stage hooks, read from the installed package."""
    parts = [Capture._attach, Capture._stage_hook]
    return "\n".join(textwrap.dedent(inspect.getsource(fn)) for fn in parts)


class TeachHandlers:
    """The teaching tabs' handlers; like `Handlers`, every parameter is checked and every picture is a file."""

    def __init__(self, service: Service, *, outbox: Outbox | str | Path) -> None:
        self.service = service
        self.outbox = outbox if isinstance(outbox, Outbox) else Outbox(outbox)

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
            block: the block's index within its stage (0 = first; past the stage's last block means its last)
        Returns:
            block_maps: x, F(x) and ReLU(F(x)+x) of the block, as per-pixel magnitudes on one scale
            ratio_chart: ‖F(x)‖/‖x‖ for every block of the network (a Vega-Lite chart)
            summary: the chosen block's norms and ratio, and what its shortcut is
            note: why a setting was refused (the other outputs are then left as they were), else empty
        """
        lang = request_language(request)
        try:
            photo = photo_path(image)
            depth = params.choice("depth", depth, DEPTHS)
            stage = params.choice("stage", stage, CAM_STAGES)
            index = min(params.integer("block", block, 0, 63), stage_info(depth, stage).blocks - 1)
            r = self.service.explain_photo(photo, depth=depth, method="gradcam", stage="layer4", top_k=1,
                                           block=(stage, index), progress=lambda f, m: progress(f, desc=m))
            chosen = next(b for b in r.blocks if (b.stage, b.index) == (stage, index))
            summary = block_summary(chosen) + "\n\n" + shortcut_note(architecture(r.depth).block(chosen.name), lang)
            return (self.outbox.image(render_block_maps(r.block_maps), "block.png"),
                    ratio_chart(r.blocks, highlight=(stage, index), text=chart_text("ratio", lang, depth=r.depth)),
                    summary, note())
        except params.ParameterError as exc:  # one control refused: keep the tab's result on screen
            return refused(exc, lang, panels=3)
        except Exception as exc:  # noqa: BLE001 - every failure becomes a message, the server stays up
            raise user_error(exc, lang) from exc

    def block_range(self, depth: int, stage: str, block: int) -> dict:
        """Keep the block slider within the chosen stage's block count."""
        try:
            count = stage_info(params.choice("depth", depth, DEPTHS), params.choice("stage", stage, CAM_STAGES)).blocks
            return gr.update(maximum=count - 1, value=min(params.integer("block", block, 0, 63), count - 1))
        except params.ParameterError:
            return gr.skip()

    def compare(
        self, image: str | None, depths: list[int] | None = None, method: str = "gradcam", stage: str = "layer4",
        request: gr.Request = None, progress: gr.Progress = gr.Progress(),
    ) -> tuple:
        """
        The same photo through several depths: weights, top-1, probability, published accuracy, latency,
        parameters, GMACs and the CAM.
        Parameters:
            image: the photo
            depths: depths to compare, any of 18, 34, 50, 101, 152
            method: the CAM method: any of /explain's except scorecam
            stage: the CAM stage: layer1, layer2, layer3 or layer4
        Returns:
            table: one row per depth (its weights and their published ImageNet acc@1/acc@5 included)
            cams: each depth's CAM side by side
            timings: the time of each depth's request on this machine (a chart)
            note: why a setting was refused (the other outputs are then left as they were), else empty
        """
        lang = request_language(request)
        try:
            photo = photo_path(image)
            depths = params.choices("depths", depths if depths else [18, 50, 152], DEPTHS)
            method = params.choice("method", method, [m for m, spec in METHODS.items() if not spec.runs_model])
            stage = params.choice("stage", stage, CAM_STAGES)
            results = self.service.compare(photo, depths, method=method, stage=stage,
                                           progress=lambda f, m: progress(f, desc=m))
            timings = [{"depth": f"ResNet-{r.depth}", "ms": r.latency_ms, "gmacs": r.gmacs, "params": r.params / 1e6}
                       for r in results]
            device = results[0].device if results else ""
            table = comparison_table(results, untrained=say("cmp_untrained", lang),
                                     name=lambda i, label: display_name(i, label, lang))
            return (gr.update(value=table, headers=say("cmp_cols", lang).split("|")),
                    self.outbox.image(render_cam_row(results), "cams.jpg"),
                    latency_chart(timings, text=chart_text("latency", lang, device=device)), note())
        except params.ParameterError as exc:
            return refused(exc, lang, panels=3)
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
            chart: per-block gradient norms on a log scale (residual solid, plain dashed; a Vega-Lite chart)
            note: how to read it, with the growth factors and ratios read off the plotted curves
            refusal: why a setting was refused (the other outputs are then left as they were), else empty
        """
        lang = request_language(request)
        try:
            photo, depth = photo_path(image), params.choice("depth", depth, DEPTHS)
            flows = self.service.gradient_flow(photo, depth, progress=lambda f, m: progress(f, desc=m))
            chart = gradient_flow_chart(flows, text=chart_text("gradients", lang, depth=depth))
            return chart, gradient_note(flows, lang), note()
        except params.ParameterError as exc:
            return refused(exc, lang, panels=2)
        except Exception as exc:  # noqa: BLE001
            raise user_error(exc, lang) from exc

    def architecture(self, depth: int = 50, request: gr.Request = None) -> tuple:
        """
        The stage table of a ResNet computed from the model: block type, blocks, output shape, parameters.
        Parameters:
            depth: 18, 34, 50, 101 or 152
        Returns:
            table: one row per part (stem, layer1..layer4, head), with its name in the paper (conv1, conv2_x, ...)
            totals: total parameters and multiply-adds for one 224×224 image, then per stage its input and
                output shapes, what it does to them and its shortcuts (measured on the model)
            diagram: BasicBlock and Bottleneck, keeping the shape and downsampling, in the page's language
            note: why a setting was refused (the other outputs are then left as they were), else empty
        """
        lang = request_language(request)
        try:
            arch = architecture(params.choice("depth", depth, DEPTHS))
            headers = say("arch_cols", lang).split("|")
            return (gr.update(value=architecture_table(arch, lang), headers=headers), architecture_note(arch, lang),
                    self.outbox.image(block_diagram(lang), f"blocks-{lang}.png"), note())
        except params.ParameterError as exc:
            return refused(exc, lang, panels=3)
        except Exception as exc:  # noqa: BLE001
            raise user_error(exc, lang) from exc
