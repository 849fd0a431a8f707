"""The words drawn into the block diagram (teach.diagram), in the page's language.

The diagram carries symbols (x, F(x), y, Wₛ), layer names and a few words; those words are string
keys like every other label, so the vocabulary test reads them too. Where the install lacks a CJK
font, a Chinese page gets the English words drawn (empty boxes would help no one) and the caption
beside the picture, which the browser draws, stays Chinese.
"""

from __future__ import annotations

import logging

from PIL import Image

from ..teach.diagram import ENGLISH, DiagramWords, FontUnavailableError, render_block_diagram
from .strings import add_strings, say

log = logging.getLogger(__name__)

FIELDS = ("basic", "bottleneck", "title_down", "where", "shape", "stride", "reduce", "expand", "identity",
          "projection", "colon")

EN = {f"diag_{field}": getattr(ENGLISH, field) for field in FIELDS}
ZH = {
    "diag_basic": "基础块",
    "diag_bottleneck": "瓶颈块",
    "diag_title_down": "下采样的{block}",
    "diag_where": "{depths} 的 {name}",
    "diag_shape": "{c} 个通道，{h}×{w}",
    "diag_stride": "步幅 {stride}",
    "diag_reduce": "降维",
    "diag_expand": "升维",
    "diag_identity": "恒等快捷连接：x",
    "diag_projection": "投影快捷连接 Wₛx",
    "diag_colon": "：",
}
add_strings(EN, ZH)


def diagram_words(lang: str) -> DiagramWords:
    """The diagram's words in `lang` (English for any language without its own table)."""
    return DiagramWords(**{field: say(f"diag_{field}", lang) for field in FIELDS})


def block_diagram(lang: str) -> Image.Image:
    """The block diagram drawn in `lang`, or in English where this install cannot draw `lang`'s script."""
    try:
        return render_block_diagram(diagram_words(lang))
    except FontUnavailableError as exc:
        log.warning("block diagram drawn in English: %s", exc)
        return render_block_diagram(ENGLISH)
