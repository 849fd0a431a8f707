"""The facts the teaching text states about torchvision's models and the paper, checked independently.

References: torchvision's modules walked on the meta device (strides, shortcut modules), the
multiply-adds of the paper's own design obtained by moving torchvision's stride back to the first
1×1 convolution, He et al. (CVPR 2016) Table 1, and torchvision's `weights.meta`.
"""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
import torchvision
from helpers import save_fake_imagenet_weights
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from resnet_demo import DEPTHS
from resnet_demo.cams import METHODS
from resnet_demo.service import AppConfig, Service
from resnet_demo.teach.architecture import PAPER_TABLE1_FLOPS, architecture
from resnet_demo.ui import build_app  # noqa: F401  (registers every string table)
from resnet_demo.ui.method_notes import method_note
from resnet_demo.ui.strings import EN, ZH, say
from resnet_demo.ui.teach_handlers import TeachHandlers
from resnet_demo.ui.teach_text import architecture_note, paper_version_note
from resnet_demo.weights import default_weights

README = Path(__file__).resolve().parents[1] / "README.md"
TABLE1 = {18: 1.8, 34: 3.6, 50: 3.8, 101: 7.6, 152: 11.3}
"""He et al., CVPR 2016, Table 1, "FLOPs" × 10⁹ (typed from the paper, not from the package)."""
LANGS = ("en", "zh-CN")


def _meta(depth: int) -> nn.Module:
    with torch.device("meta"):
        return torchvision.models.get_model(f"resnet{depth}", weights=None).eval()


def _gmacs(model: nn.Module) -> float:
    with FlopCounterMode(display=False) as counter:
        model(torch.zeros(1, 3, 224, 224, device="meta"))
    return counter.get_total_flops() / 2e9


def _as_in_the_paper(model: nn.Module) -> nn.Module:
    """torchvision's Bottleneck with its stride moved back to the first 1×1 convolution (the paper's design)."""
    for stage in ("layer2", "layer3", "layer4"):
        block = getattr(model, stage)[0]
        if isinstance(block, torchvision.models.resnet.Bottleneck):
            assert block.conv2.stride == (2, 2) and block.conv1.stride == (1, 1)  # v1.5: the 3×3 strides
            block.conv1.stride, block.conv2.stride = (2, 2), (1, 1)
    return model


def test_the_papers_figures_are_the_packages():
    assert PAPER_TABLE1_FLOPS == TABLE1


@pytest.mark.parametrize("depth", DEPTHS)
def test_v15_explains_the_gap_to_the_papers_table(depth):
    ours = architecture(depth).gmacs
    assert ours == pytest.approx(default_weights(depth).meta["_ops"], abs=5e-4)  # torchvision's published figure
    paper_design = _gmacs(_as_in_the_paper(_meta(depth)))
    assert paper_design == pytest.approx(TABLE1[depth], abs=0.07)  # the paper's design gives the paper's figure
    bottleneck = depth >= 50
    assert (abs(ours - TABLE1[depth]) > 0.15) == bottleneck  # torchvision's v1.5 does not
    for lang in LANGS:
        note = paper_version_note(architecture(depth), lang)
        assert note == say("arch_v15" if bottleneck else "arch_v1", lang, depth=depth, gmacs=ours,
                           paper=TABLE1[depth], block_type=say(f"arch_block_{'Bottleneck' if bottleneck else 'BasicBlock'}",
                                                               lang))
        assert note in architecture_note(architecture(depth), lang)


def test_no_docstring_claims_agreement_with_the_papers_table():
    import resnet_demo.teach.architecture as module

    doc = module.__doc__
    assert "4.09/7.80/11.51" in doc and "3.8/7.6/11.3" in doc
    assert not re.search(r"paper[^.]*agree", doc)


@pytest.mark.parametrize("depth", DEPTHS)
def test_every_projection_shortcut_is_a_1x1_convolution_and_bn(depth):
    model = _meta(depth)
    projections = [b.downsample for stage in ("layer1", "layer2", "layer3", "layer4") for b in getattr(model, stage)
                   if b.downsample is not None]
    assert projections
    for p in projections:
        assert [type(m) for m in p] == [nn.Conv2d, nn.BatchNorm2d] and p[0].kernel_size == (1, 1)
    for table in (EN, ZH):  # so the sentences that name it say "+ BN" (option B)
        for key in ("res_shortcut_projection", "arch_first_projection", "res_read"):
            assert "BN" in table[key] and ("1×1" in table[key] or "{kernel}×{kernel}" in table[key]), key
        assert ("option B" in table["res_intro"]) or ("方案 B" in table["res_intro"])


def test_the_lab_uses_option_a_without_1x1_convolutions():
    from resnet_demo.teach.cifar_nets import build_cifar_net

    plain, residual = (build_cifar_net(depth=20, variant=v, seed=0) for v in ("plain", "resnet"))
    kernels = {m.kernel_size for m in residual.modules() if isinstance(m, nn.Conv2d)}
    assert (1, 1) not in kernels
    assert [p.shape for p in plain.parameters()] == [p.shape for p in residual.parameters()]
    assert all(torch.equal(a, b) for a, b in zip(plain.parameters(), residual.parameters()))  # same start
    assert "option A" in EN["lab_intro"] and "方案 A" in ZH["lab_intro"]


def test_compare_intro_names_each_depths_weights():
    names = {d: default_weights(d).name for d in DEPTHS}
    assert names == {18: "IMAGENET1K_V1", 34: "IMAGENET1K_V1", 50: "IMAGENET1K_V2", 101: "IMAGENET1K_V2",
                     152: "IMAGENET1K_V2"}
    for table in (EN, ZH):
        text = table["cmp_intro"]
        v1, v2 = text.index("`IMAGENET1K_V1`"), text.index("`IMAGENET1K_V2`")
        assert text.index("ResNet-18") < text.index("ResNet-34") < v1 < text.index("ResNet-50") < v2
        assert "ResNet-101" in text[v1:v2] and "ResNet-152" in text[v1:v2]


@pytest.fixture(scope="module")
def compared(photo_path, tmp_path_factory):
    """/compare's table for ResNet-18 (offline "ImageNet" weights written here) and ResNet-34 (random)."""
    from resnet_demo import zoo

    path = save_fake_imagenet_weights(18)
    zoo.MODEL_CACHE.clear()
    service = Service(AppConfig(weights="imagenet", device="cpu", probe_network=False))
    try:
        handlers = TeachHandlers(service, outbox=tmp_path_factory.mktemp("outbox"))
        return {lang: handlers.compare(str(photo_path), [18, 34], "gradcam", "layer4",
                                       SimpleNamespace(headers={"accept-language": lang}))[0] for lang in LANGS}
    finally:
        service.close()
        path.unlink()
        zoo.MODEL_CACHE.clear()


@pytest.mark.parametrize("lang", LANGS)
def test_compare_table_shows_weights_and_published_accuracy(compared, lang):
    table = compared[lang]
    headers = table["headers"]
    rows = {row[0]: dict(zip(headers, row)) for row in table["value"]}
    meta = default_weights(18).meta["_metrics"]["ImageNet-1K"]
    weights, acc1, acc5 = headers[1], headers[4], headers[5]
    assert rows["ResNet-18"][weights] == "IMAGENET1K_V1"
    assert (rows["ResNet-18"][acc1], rows["ResNet-18"][acc5]) == (meta["acc@1"], meta["acc@5"])
    assert rows["ResNet-34"][weights] == say("cmp_untrained", lang)  # no weights here: nothing published to show
    assert rows["ResNet-34"][acc1] == rows["ResNet-34"][acc5] == "—"


def test_method_notes_define_each_method_and_warn_where_it_misleads():
    model = _meta(50)
    layer1 = model.layer1(model.maxpool(model.conv1(torch.zeros(1, 3, 224, 224, device="meta")))).shape[-2:]
    size = f"{layer1[0]}×{layer1[1]}"
    for lang in LANGS:
        for name, spec in METHODS.items():
            for stage in ("layer1", "layer4"):
                note = method_note(name, stage, lang)
                arxiv = re.search(r"arxiv\.org/abs/([\d.]+)", spec.paper)
                assert (arxiv.group(1) in note) if arxiv else ("pytorch-grad-cam" in note or "TIP" in note), name
                assert (say("cam_note_class", lang) in note) == (name == "eigencam"), (name, stage)
                shallow = say("cam_note_shallow", lang, method=spec.title, stage="layer1", size=size)
                assert (shallow in note) == (stage == "layer1" and name in ("gradcam", "gradcam++", "xgradcam"))
    grad = method_note("gradcam", "layer4", "en")
    assert "spatial mean of ∂yᶜ/∂Aᵏ" in grad and "ReLU(Σₖ αₖAᵏ)" in grad


def test_notes_on_the_article_cover_each_disagreement():
    for table, words in ((EN, ("§4.1", "1603.05027", "shortcut connection", "ReLU(F(x) + x)", "conv2_x", "1202",
                                "Darknet-53", "Microsoft Research Asia", "1706.03762", "option B")),
                         (ZH, ("§4.1", "1603.05027", "shortcut connection", "ReLU(F(x) + x)", "conv2_x", "1202",
                               "Darknet-53", "微软亚洲研究院", "1706.03762", "方案 B"))):
        notes = table["ref_notes"]
        missing = [w for w in words if w not in notes]
        assert not missing, missing
        assert len(re.findall(r"^\d+\. \*\*", notes, re.M)) == 10


def test_readme_counts_the_cam_methods():
    text = " ".join(README.read_text(encoding="utf-8").split())
    others = len(METHODS) - 1
    assert others == 7 and "Grad-CAM and seven other CAM methods" in text
    assert "six other" not in text
