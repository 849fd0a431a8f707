"""The lesson's vocabulary: one term per concept in each language, shown on the page as a glossary.

`TERMS` is the glossary (中文 · English · one line in each language); its first Chinese and
English words are the terms every string table uses. `AVOID` lists the other names a student
may meet for the same concepts (in the lesson's article, in other books): the glossary names
them once, and tests/test_vocabulary.py checks that no other string on the page uses them.
"""

from __future__ import annotations

from dataclasses import dataclass

from .strings import add_strings


@dataclass(frozen=True)
class Term:
    """One concept: its chosen names, the other names it goes by, and one line on it per language."""

    zh: str
    en: str
    zh_line: str
    en_line: str
    zh_also: str = ""  # other Chinese names, named once here and nowhere else on the page
    en_also: str = ""


TERMS: tuple[Term, ...] = (
    Term("残差学习", "residual learning",
         "让几层网络去拟合残差 F(x) := H(x) − x，而不是直接拟合目标映射 H(x)。",
         "A few stacked layers fit the residual F(x) := H(x) − x instead of the desired mapping H(x)."),
    Term("目标映射 H(x)", "desired mapping H(x)",
         "希望几层网络实现的映射，论文记作 H(x)。", "The mapping a few layers should realise; the paper writes H(x).",
         zh_also="期望映射、潜在映射", en_also="underlying mapping"),
    Term("残差函数 F(x)", "residual function F(x)",
         "残差块中卷积层计算的部分；“残差分支”指计算它的那几层。",
         "What the convolutions of a residual block compute; the residual branch is those layers."),
    Term("恒等映射", "identity mapping", "输出等于输入的映射：x ↦ x。", "The mapping whose output is its input: x ↦ x.",
         zh_also="恒等变换"),
    Term("快捷连接", "shortcut connection",
         "跳过一层或几层、把 x 直接送到相加处的连接（论文的说法）。",
         "A connection that skips one or more layers and brings x to the addition (the paper's term).",
         zh_also="捷径、捷径连接、短路连接、跳连；“跳跃连接”（skip connection）是更宽泛的说法，也包括 U-Net 那种拼接",
         en_also="skip connection, a broader name that also covers U-Net's concatenations"),
    Term("恒等快捷连接", "identity shortcut",
         "直接传递 x、没有参数的快捷连接：y = F(x) + x（式 (1)）。",
         "A shortcut that passes x on unchanged, without parameters: y = F(x) + x (Eq. 1)."),
    Term("投影快捷连接", "projection shortcut",
         "形状改变时用 W_s x 让 x 与 F(x) 形状一致（式 (2)）；torchvision 中是 1×1 卷积加 BN，模块名 `downsample`。",
         "Where the shape changes, W_s x gives x the shape of F(x) (Eq. 2); in torchvision a 1×1 convolution "
         "and BN, the module `downsample`."),
    Term("方案 A / B / C", "option A / B / C",
         "论文 §4.1 比较的快捷连接：A 用零填充增加通道、没有参数；B 只在形状改变处用投影；C 全部用投影。"
         "torchvision 用 B，本应用的退化实验用 A（和论文的 CIFAR 实验一样）。",
         "The shortcuts compared in the paper's §4.1: A pads extra channels with zeros (no parameters); B projects "
         "only where the shape changes; C projects everywhere. torchvision uses B; this app's lab uses A, as the "
         "paper's CIFAR networks do."),
    Term("残差块", "residual block",
         "残差网络的基本单元：先算 y = F(x) + x，再经过 ReLU。",
         "The unit a residual network is built from: y = F(x) + x, then a ReLU.",
         zh_also="残差模块（课文的说法）、残差单元", en_also="residual unit, building block"),
    Term("基础块", "BasicBlock",
         "由两个 3×3 卷积组成的残差块（ResNet-18/34）。", "A residual block of two 3×3 convolutions (ResNet-18/34).",
         zh_also="基本块"),
    Term("瓶颈块", "Bottleneck",
         "1×1 卷积降维、3×3 卷积、1×1 卷积升维的残差块（ResNet-50/101/152）。",
         "A residual block of a 1×1 convolution that reduces the channels, a 3×3, and a 1×1 that restores them "
         "(ResNet-50/101/152).",
         zh_also="瓶颈结构、瓶颈模块", en_also="bottleneck block"),
    Term("下采样块", "downsampling block",
         "layer2–layer4 的第一个块：步幅为 2，分辨率减半、通道数加倍，快捷连接是投影。",
         "The first block of layer2–layer4: stride 2 halves the resolution and doubles the channels; its "
         "shortcut is a projection."),
    Term("起始层", "stem",
         "第一个残差块之前的部分：7×7 卷积（步幅 2）、BN、ReLU 和 3×3 最大池化（步幅 2）。",
         "Everything before the first residual block: a 7×7 convolution (stride 2), BN, ReLU and a 3×3 max-pool "
         "(stride 2)."),
    Term("阶段", "stage",
         "特征图大小相同的一组残差块；torchvision 的 layer1–layer4 就是论文表 1 的 conv2_x–conv5_x。",
         "A group of residual blocks working at one resolution; torchvision's layer1–layer4 are the paper's "
         "conv2_x–conv5_x (Table 1)."),
    Term("分类头", "head",
         "最后一个阶段之后的部分：全局平均池化和 1000 类的全连接层。",
         "What follows the last stage: global average pooling and the 1000-way fully connected layer."),
    Term("普通网络", "plain network",
         "层数和宽度与残差网络相同、但没有快捷连接的网络；论文图中的 plain-20，本应用写作“普通网络-20”。",
         "A network with the depth and width of a ResNet but no shortcuts; the paper's figures call one plain-20.",
         zh_also="朴素网络、平原网络"),
    Term("退化", "degradation",
         "网络加深后训练误差反而升高的现象；不是过拟合，而是更难优化。",
         "A deeper network ending with a higher training error: not overfitting, but harder optimisation.",
         zh_also="网络退化"),
    Term("梯度消失 / 梯度爆炸", "vanishing / exploding gradients",
         "反向传播时梯度一层比一层小 / 一层比一层大。", "Gradients that shrink / grow layer after layer on the way back."),
    Term("批量归一化（BN）", "batch normalization (BN)",
         "用一批数据的均值和方差归一化每个通道；评估模式下改用训练时累积的均值和方差。",
         "Normalises each channel with a batch's mean and variance; in eval mode with those accumulated in training.",
         zh_also="批归一化、批标准化、批量规范化", en_also="BatchNorm"),
    Term("评估模式 / 训练模式", "eval mode / training mode",
         "PyTorch 的 model.eval() / model.train()：BN 分别使用累积的统计量 / 当前批次的统计量。",
         "PyTorch's model.eval() / model.train(): BN uses the accumulated statistics / the batch's own.",
         zh_also="推理模式"),
    Term("特征图", "feature map",
         "一层输出的 C×H×W 张量；每个通道是一张 H×W 的图。",
         "A layer's C×H×W output; each channel is one H×W map.", zh_also="特征映射"),
    Term("乘加运算", "multiply-add (MAC)",
         "一次乘法加一次加法；GMACs 为十亿次乘加。论文表 1 的 “FLOPs” 数的也是乘加次数。",
         "One multiplication and one addition; GMACs are billions of them. The paper's Table 1 “FLOPs” count "
         "multiply-adds too."),
    Term("类激活图（CAM）", "class activation map (CAM)",
         "显示网络依据图像哪些区域判断某一类别的热力图。",
         "A heat map of the regions a network relies on for one class."),
    Term("训练方案", "training recipe",
         "训练用的全部设置（轮数、学习率、数据增强、标签平滑……）；torchvision 的 IMAGENET1K_V1 与 V2 权重来自不同方案。",
         "All the settings of a training run (epochs, learning rate, augmentation, label smoothing…); torchvision's "
         "IMAGENET1K_V1 and V2 weights come from different recipes."),
    Term("批量大小", "batch size", "一次参数更新所用的图像数。", "Images per parameter update.", zh_also="批大小"),
)
"""The glossary, in the order a lesson meets the terms."""

AVOID: dict[str, tuple[str, ...]] = {
    "zh-CN": ("捷径", "短路连接", "跳跃连接", "跳连", "残差模块", "残差单元", "基本块", "瓶颈结构", "瓶颈模块",
              "特征映射", "批归一化", "批标准化", "批量规范化", "推理模式", "批大小", "朴素网络", "平原网络",
              "期望映射", "潜在映射", "恒等变换", "网络退化"),
    "en": ("skip connection", "skips", "residual unit", "bottleneck block", "BatchNorm", "underlying mapping"),
}
"""Names not used outside the glossary (the chosen term is the glossary's first column)."""


def glossary_markdown(lang: str) -> str:
    """The glossary as a Markdown table in `lang`: the term, the other language's term, one line, other names."""
    zh = lang.startswith("zh")
    if zh:
        rows = ["| 中文 | English | 说明 |", "|---|---|---|"]
    else:
        rows = ["| English | 中文 | meaning |", "|---|---|---|"]
    for t in TERMS:
        line, also = (t.zh_line, t.zh_also) if zh else (t.en_line, t.en_also)
        if also:
            line += f"（也称：{also}）" if zh else f" (also: {also})"
        rows.append(f"| **{t.zh if zh else t.en}** | {t.en if zh else t.zh} | {line} |")
    return "\n".join(rows)


add_strings({"glossary_table": glossary_markdown("en")}, {"glossary_table": glossary_markdown("zh-CN")})
