"""The block diagram: every number in it against torchvision's modules, its words in the page's language."""

from __future__ import annotations

import re
import warnings

import pytest
import torch
import torchvision
from PIL import Image

from resnet_demo.teach import diagram
from resnet_demo.teach.diagram import ENGLISH, PANELS, DiagramWords, FontUnavailableError, render_block_diagram
from resnet_demo.ui import diagram_words as ui_words


def _blocks(name: str) -> dict[str, tuple[torch.nn.Module, tuple, tuple]]:
    """Each block of a random-weight torchvision model with its input and output shapes on one 224×224 image."""
    model = torchvision.models.get_model(name, weights=None).eval()
    shapes: dict[str, list] = {}
    handles = [module.register_forward_hook(lambda m, args, out, key=key: shapes.__setitem__(
        key, (tuple(args[0].shape[1:]), tuple(out.shape[1:])))) for key, module in model.named_modules()
        if key.count(".") == 1 and key.startswith("layer")]
    try:
        with torch.no_grad():
            model(torch.zeros(1, 3, 224, 224))
    finally:
        for handle in handles:
            handle.remove()
    return {key: (model.get_submodule(key), *shapes[key]) for key in shapes}


@pytest.fixture(scope="module")
def torchvision_blocks():
    return {"ResNet-18/34": _blocks("resnet18"), "ResNet-50/101/152": _blocks("resnet50")}


@pytest.mark.parametrize("panel", PANELS, ids=lambda p: f"{p.block}-{p.name}")
def test_every_number_in_the_diagram_is_torchvisions(panel, torchvision_blocks):
    module, x, y = torchvision_blocks[panel.depths][panel.name]
    assert type(module).__name__ == panel.block
    assert (x, y) == (panel.x, panel.y)
    convs = [module.conv1, module.conv2] + ([module.conv3] if panel.block == "Bottleneck" else [])
    drawn = [(c.kernel, c.channels, c.stride) for c in panel.convs]
    assert drawn == [(m.kernel_size[0], m.out_channels, m.stride[0]) for m in convs]
    if panel.projection is None:
        assert module.downsample is None
    else:  # torchvision's downsample: a 1×1 convolution with the block's stride, then BN (option B)
        conv, bn = module.downsample
        p = panel.projection
        assert (p.kernel, p.channels, p.stride) == (conv.kernel_size[0], conv.out_channels, conv.stride[0])
        assert isinstance(bn, torch.nn.BatchNorm2d)


def test_strides_sit_where_torchvision_puts_them():
    """BasicBlock: the first 3×3; Bottleneck (v1.5): the 3×3, never the first 1×1; one of each is drawn."""
    down = [p for p in PANELS if p.downsampling]
    assert {p.block for p in down} == {"BasicBlock", "Bottleneck"}
    for p in down:
        strided = [c for c in p.convs if c.stride == 2]
        assert len(strided) == 1 and strided[0].kernel == 3
        assert p.convs.index(strided[0]) == (0 if p.block == "BasicBlock" else 1)
    assert all(c.stride == 1 for p in PANELS if not p.downsampling for c in p.convs)


def test_block_diagram_is_a_cached_rgb_picture():
    image = render_block_diagram()
    assert isinstance(image, Image.Image) and image.mode == "RGB"
    assert (image.width, image.height) == (diagram.WIDTH, diagram.HEIGHT)  # two rows of two panels
    colours = image.getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 50  # drawn on, not blank
    assert max(colours)[1] == (255, 255, 255)  # mostly white background
    assert render_block_diagram() is image
    assert render_block_diagram(ENGLISH) is image


@pytest.mark.skipif(not diagram.has_cjk_font(), reason="no Noto Sans CJK SC here (apt install fonts-noto-cjk)")
def test_chinese_diagram_has_every_glyph():
    """matplotlib warns 'Glyph … missing from font(s)' for each character it cannot draw (it draws a box)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        zh = ui_words.block_diagram("zh-CN")
    assert zh.size == render_block_diagram().size
    assert zh is not render_block_diagram() and zh.tobytes() != render_block_diagram().tobytes()


def test_chinese_words_are_chinese():
    """Outside placeholders, the zh words use Latin letters only for symbols (x, W) and nothing English."""
    words = ui_words.diagram_words("zh-CN")
    for field, text in vars(words).items():
        letters = re.findall(r"[A-Za-z]+", re.sub(r"\{[^{}]*\}", "", text))
        assert set(letters) <= {"x", "W"}, (field, text)
    assert ui_words.diagram_words("en") == ENGLISH


def test_without_a_cjk_font_chinese_is_refused_and_the_page_gets_english(monkeypatch):
    monkeypatch.setattr(diagram, "has_cjk_font", lambda: False)
    untried = DiagramWords(*(f"{field}块" for field in vars(ENGLISH)))  # not cached yet
    with pytest.raises(FontUnavailableError, match="fonts-noto-cjk"):
        render_block_diagram(untried)
    monkeypatch.setattr(ui_words, "diagram_words", lambda lang: untried)
    assert ui_words.block_diagram("zh-CN") is render_block_diagram(ENGLISH)
