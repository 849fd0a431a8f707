"""What the chosen CAM method computes, where it comes from, and when not to trust it.

Shown under the method menu (explain and compare tabs) and computed by `method_note` from the
controls: the method's definition in one line with its source, then a warning where the choice
misleads: Eigen-CAM ignores the class; a method that gives each channel one weight for the whole
map (Grad-CAM, Grad-CAM++, XGrad-CAM) is unreliable at layer1, whose map is large (its size is
read from the model), and LayerCAM is the method made for that.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from ..cams import METHODS
from ..capture import CAM_STAGES
from ..teach.architecture import architecture
from ..zoo import DEPTHS
from .citations import cam_paper
from .messages import request_language
from .strings import add_strings, say

CHANNEL_WEIGHTED = ("gradcam", "gradcam++", "xgradcam")
"""Methods that weigh each channel of the map with one number computed over the whole map."""
SHALLOW = ("layer1",)
"""Stages where those methods are unreliable (Jiang et al., IEEE TIP 2021: LayerCAM)."""

EN = {
    "cam_gradcam": "**Grad-CAM** · {paper}: each channel k of the stage's output Aᵏ gets one weight, "
    "αₖ = the spatial mean of ∂yᶜ/∂Aᵏ (yᶜ: the class's score before the softmax); the map is ReLU(Σₖ αₖAᵏ).",
    "cam_gradcam++": "**Grad-CAM++** · {paper}: like Grad-CAM, but a channel's weight sums only the positive "
    "gradients, each with its own per-pixel coefficient, so several objects of one class show up better.",
    "cam_xgradcam": "**XGrad-CAM** · {paper}: like Grad-CAM, but the gradient is averaged with the activation Aᵏ "
    "as weights instead of uniformly.",
    "cam_hirescam": "**HiResCAM** · {paper}: gradient times activation pixel by pixel, summed over the channels, "
    "Σₖ ∂yᶜ/∂Aᵏ ⊙ Aᵏ, without averaging the gradient over the map first.",
    "cam_layercam": "**LayerCAM** · {paper}: each pixel of each channel is weighted by its own positive gradient, "
    "Σₖ ReLU(∂yᶜ/∂Aᵏ) ⊙ Aᵏ; made to stay reliable at shallow stages such as layer1.",
    "cam_eigencam": "**Eigen-CAM** · {paper}: the first principal component of the stage's activations; it uses "
    "no gradient.",
    "cam_eigengradcam": "**Eigen-Grad-CAM** · {paper}: the first principal component of gradient × activation, "
    "so it depends on the class.",
    "cam_scorecam": "**Score-CAM** · {paper}: the photo is masked with each channel's map (upsampled and scaled to "
    "0–1) and the channel weighted by the class score the network gives the masked photo; no gradients.",
    "cam_note_class": "⚠️ **Eigen-CAM ignores the class**: the map is the same whichever class you choose to "
    "explain.",
    "cam_note_shallow": "⚠️ **{method} is unreliable at {stage}**: it sums each channel's gradients over the whole "
    "{size} map into a single weight, and that one weight has to serve every location. Try **LayerCAM**, which "
    "weighs each location by its own gradient.",
}

ZH = {
    "cam_gradcam": "**Grad-CAM** · {paper}：该阶段输出的每个通道 Aᵏ 得到一个权重 αₖ，即 ∂yᶜ/∂Aᵏ 在空间上的平均值"
    "（yᶜ 是该类别在 softmax 之前的得分）；热力图为 ReLU(Σₖ αₖAᵏ)。",
    "cam_gradcam++": "**Grad-CAM++** · {paper}：与 Grad-CAM 类似，但每个通道的权重只累加正梯度，并且每个像素有自己的系数，"
    "因此同一类别有多个物体时显示得更好。",
    "cam_xgradcam": "**XGrad-CAM** · {paper}：与 Grad-CAM 类似，但求梯度平均值时以激活值 Aᵏ 为权重，而不是简单平均。",
    "cam_hirescam": "**HiResCAM** · {paper}：逐像素地把梯度与激活值相乘，再对通道求和，即 Σₖ ∂yᶜ/∂Aᵏ ⊙ Aᵏ，"
    "不先在整张图上平均梯度。",
    "cam_layercam": "**LayerCAM** · {paper}：每个通道的每个像素都用它自己的正梯度加权，即 Σₖ ReLU(∂yᶜ/∂Aᵏ) ⊙ Aᵏ；"
    "它的设计目标就是在 layer1 这样的浅层阶段也保持可靠。",
    "cam_eigencam": "**Eigen-CAM** · {paper}：该阶段激活值的第一主成分；不使用梯度。",
    "cam_eigengradcam": "**Eigen-Grad-CAM** · {paper}：梯度 × 激活值的第一主成分，因此与类别有关。",
    "cam_scorecam": "**Score-CAM** · {paper}：用每个通道的图（上采样并缩放到 0–1）遮罩照片，"
    "再以网络对遮罩后照片给出的类别得分作为该通道的权重；不使用梯度。",
    "cam_note_class": "⚠️ **Eigen-CAM 不区分类别**：无论选择解释哪个类别，热力图都一样。",
    "cam_note_shallow": "⚠️ **{method} 在 {stage} 不可靠**：它把每个通道在整张 {size} 图上的梯度汇总成一个权重，"
    "这一个权重却要代表所有位置。可以试试 **LayerCAM**，它按每个位置自己的梯度加权。",
}

add_strings(EN, ZH)


def method_note(method: str, stage: str, lang: str = "en", *, depth: int = 50) -> str:
    """The chosen method in one line with its source, and a warning where it misleads (Markdown)."""
    spec = METHODS[method]
    lines = [say(f"cam_{method}", lang, paper=cam_paper(method, lang))]
    if not spec.uses_gradients and not spec.runs_model:  # a projection of the activations alone
        lines.append(say("cam_note_class", lang))
    if method in CHANNEL_WEIGHTED and stage in SHALLOW:
        _, height, width = architecture(depth).stage(stage).output_shape
        lines.append(say("cam_note_shallow", lang, method=spec.title, stage=stage, size=f"{height}×{width}"))
    return "\n\n".join(lines)


def method_note_event(method: Any, stage: Any, depth: Any = 50, request: gr.Request = None) -> Any:
    """The page's event: the note for the controls as they are now; a control the page could not
    have sent (an unknown method, stage or depth) leaves the note as it is."""
    valid = (isinstance(method, str) and method in METHODS and isinstance(stage, str) and stage in CAM_STAGES
             and type(depth) is int and depth in DEPTHS)
    if not valid:
        return gr.skip()
    return method_note(method, stage, request_language(request), depth=depth)
