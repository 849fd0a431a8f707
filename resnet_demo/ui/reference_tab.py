"""The "Glossary and notes" tab: the lesson's vocabulary, notes on the article, the CAM methods and the papers.

Everything here is static text in both languages (Gradio's I18n swaps it in the browser): the
glossary from `glossary.TERMS`, the notes from `article_notes`, one line per CAM method from
`method_notes` with its source from `citations`.
"""

from __future__ import annotations

import gradio as gr

from ..cams import METHODS
from . import article_notes, glossary  # noqa: F401  (register the strings used below)
from .citations import CAM_PAPERS, CAM_PAPERS_ZH, IDENTITY, RESNET, TRANSFORMER, YANG
from .method_notes import EN as METHOD_EN
from .method_notes import ZH as METHOD_ZH
from .strings import add_strings


def _methods(lines: dict[str, str], papers: dict[str, str]) -> str:
    return "\n".join(f"- {lines[f'cam_{name}'].format(paper=papers[name])}" for name in METHODS)


EN = {
    "tab_reference": "Glossary and notes",
    "ref_glossary_label": "Glossary",
    "ref_glossary_intro": "One term per idea, used on every tab. Other names you may meet in books and articles "
    "are listed once here, under “also”.",
    "ref_methods_label": "The CAM methods and where they come from",
    "ref_methods": "Aᵏ is channel k of the chosen stage's output, yᶜ the score of class c before the softmax.\n\n"
    + _methods(METHOD_EN, CAM_PAPERS),
    "ref_papers_label": "Papers cited in this app",
    "ref_papers": "\n".join([
        f"- {RESNET['en']}: Deep Residual Learning for Image Recognition (Kaiming He, Xiangyu Zhang, Shaoqing Ren, "
        "Jian Sun; Microsoft Research Asia).",
        f"- {IDENTITY['en']}: Identity Mappings in Deep Residual Networks.",
        f"- {YANG['en']}: A Mean Field Theory of Batch Normalization.",
        f"- {TRANSFORMER['en']}: Attention Is All You Need.",
        "- torchvision's ResNet-50/101/152 (“ResNet v1.5”: stride 2 on the Bottleneck's 3×3 convolution) and their "
        "`IMAGENET1K_V1` / `IMAGENET1K_V2` weights: torchvision's `resnet.py` and model documentation.",
    ]),
}

ZH = {
    "tab_reference": "术语与说明",
    "ref_glossary_label": "术语表",
    "ref_glossary_intro": "每个概念只用一个名称，所有标签页保持一致。书籍和文章里可能遇到的其他叫法，在这里的“也称”中列出一次。",
    "ref_methods_label": "各种 CAM 方法及出处",
    "ref_methods": "Aᵏ 表示所选阶段输出的第 k 个通道，yᶜ 表示类别 c 在 softmax 之前的得分。\n\n"
    + _methods(METHOD_ZH, CAM_PAPERS_ZH),
    "ref_papers_label": "本应用引用的论文",
    "ref_papers": "\n".join([
        f"- {RESNET['zh-CN']}：Deep Residual Learning for Image Recognition（何恺明、张祥雨、任少卿、孙剑；"
        "微软亚洲研究院）。",
        f"- {IDENTITY['zh-CN']}：Identity Mappings in Deep Residual Networks。",
        f"- {YANG['zh-CN']}：A Mean Field Theory of Batch Normalization。",
        f"- {TRANSFORMER['zh-CN']}：Attention Is All You Need。",
        "- torchvision 的 ResNet-50/101/152（“ResNet v1.5”：步幅 2 放在瓶颈块的 3×3 卷积上）及其 `IMAGENET1K_V1` / "
        "`IMAGENET1K_V2` 权重：见 torchvision 的 `resnet.py` 与模型文档。",
    ]),
}

add_strings(EN, ZH)


def add_reference_tab(t) -> None:
    """The glossary, the notes on the article, the CAM methods and the papers, inside the enclosing gr.Tabs."""
    with gr.Tab(t("tab_reference"), id="reference"):
        with gr.Accordion(t("ref_glossary_label"), open=True):
            gr.Markdown(t("ref_glossary_intro"))
            gr.Markdown(t("glossary_table"), elem_id="glossary")
        with gr.Accordion(t("ref_notes_label"), open=True):
            gr.Markdown(t("ref_notes"), elem_id="article-notes")
        with gr.Accordion(t("ref_methods_label"), open=False):
            gr.Markdown(t("ref_methods"), elem_id="cam-methods")
        with gr.Accordion(t("ref_papers_label"), open=False):
            gr.Markdown(t("ref_papers"), elem_id="papers")
