"""Every word on the teaching charts, in English and 简体中文 (titles, axes, legends, hover labels).

The charts are drawn by the browser (`teach.charts`), so their text is plain text in the page's
language; `chart_text` hands a chart builder the mapping it asks for. Keys are the chart
builders' `text` keys; `{depth}` and the like are filled in at run time.
"""

from __future__ import annotations

_LINES_EN = {"series": "network", "group": "depth", "kind": "network type", "residual": "residual (solid)",
             "plain": "plain (dashed)"}
_LINES_ZH = {"series": "网络", "group": "深度", "kind": "网络类型", "residual": "残差网络（实线）", "plain": "普通网络（虚线）"}
"""The legend of the lab's line charts: one colour per depth, solid or dashed by shortcuts."""

CHARTS: dict[str, dict[str, dict[str, str]]] = {
    "en": {
        "ratio": {
            "title": "ResNet-{depth}: ‖F(x)‖ / ‖shortcut‖ in every block, on this photo",
            "x": "block (torchvision's name, in order from the input)", "y": "‖F(x)‖ / ‖shortcut‖", "stage": "stage", "block": "block",
            "ratio": "‖F(x)‖ / ‖shortcut‖", "f_norm": "‖F(x)‖", "shortcut_norm": "‖shortcut‖",
            "projection": "projection shortcut (paler, dashed outline)", "yes": "yes", "no": "no",
        },
        "gradients": {
            "title": "ResNet-{depth}: size of the loss gradient at each block's output (log scale)",
            "x": "block (torchvision's name, in order from the input)", "y": "gradient norm (log scale)",
            "weights": "weights",
            "variant": "network", "trained": "trained (ImageNet)", "random": "random initialisation",
            "residual": "with shortcuts: ReLU(F(x) + x)", "plain": "shortcuts removed: ReLU(F(x))", "block": "block",
            "norm": "gradient norm",
        },
        "latency": {
            "title": "One request on this machine ({device})", "x": "network", "y": "time (ms)",
            "gmacs": "billion multiply-adds", "params": "parameters (millions)",
        },
        "lab_error": {
            "title": "Training error ({data})", "x": "iteration", "y": "training error", **_LINES_EN,
        },
        "lab_loss": {
            "title": "Training loss ({data})", "x": "iteration", "y": "loss (log scale)", **_LINES_EN,
        },
        "lab_gradients": {
            "title": "Gradient reaching each block at iteration {iteration} (log scale)",
            "x": "block (numbered from 1 at the input)", "y": "gradient norm", **_LINES_EN,
        },
    },
    "zh-CN": {
        "ratio": {
            "title": "ResNet-{depth}：在这张照片上，每个块的 ‖F(x)‖ / ‖快捷连接‖",
            "x": "块（名字同 torchvision，按从输入到输出的顺序）", "y": "‖F(x)‖ / ‖快捷连接‖", "stage": "阶段",
            "block": "块", "ratio": "‖F(x)‖ / ‖快捷连接‖", "f_norm": "‖F(x)‖", "shortcut_norm": "‖快捷连接‖",
            "projection": "投影快捷连接（颜色较浅、虚线边框）", "yes": "是", "no": "否",
        },
        "gradients": {
            "title": "ResNet-{depth}：损失对每个块输出的梯度大小（对数坐标）",
            "x": "块（名字同 torchvision，按从输入到输出的顺序）", "y": "梯度范数（对数坐标）", "weights": "权重",
            "variant": "网络", "trained": "已训练（ImageNet）", "random": "随机初始化",
            "residual": "有快捷连接：ReLU(F(x) + x)", "plain": "去掉快捷连接：ReLU(F(x))", "block": "块",
            "norm": "梯度范数",
        },
        "latency": {
            "title": "本机上的一次请求（{device}）", "x": "网络", "y": "耗时（毫秒）",
            "gmacs": "十亿次乘加", "params": "参数量（百万）",
        },
        "lab_error": {
            "title": "训练误差（{data}）", "x": "迭代次数", "y": "训练误差", **_LINES_ZH,
        },
        "lab_loss": {
            "title": "训练损失（{data}）", "x": "迭代次数", "y": "损失（对数坐标）", **_LINES_ZH,
        },
        "lab_gradients": {
            "title": "第 {iteration} 次迭代时到达每个块的梯度（对数坐标）",
            "x": "块（从输入端起编号，第 1 个最靠近输入）", "y": "梯度范数", **_LINES_ZH,
        },
    },
}


def chart_text(chart: str, lang: str = "en", **values: object) -> dict[str, str]:
    """The words of `chart` in `lang` (English when the language has none), `{...}` filled from `values`."""
    table = CHARTS.get(lang, CHARTS["en"]).get(chart) or CHARTS["en"][chart]
    return {key: text.format(**values) if values else text for key, text in table.items()}
