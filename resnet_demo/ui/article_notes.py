"""Notes on the lesson's article: where it and the ResNet paper say different things.

The class reads a Chinese article on ResNet (shared/lesson/article-zh.txt in the project); a
teacher should know where it departs from He et al., CVPR 2016 before a student asks. Each note
says what the article says (in our words), what the paper says, and where to look in the app.
"""

from __future__ import annotations

from .citations import IDENTITY, RESNET, TRANSFORMER
from .strings import add_strings

NOTES_EN = f"""The lesson's article is a good first read. In a few places it says something the paper does not,
or says it differently; here is where, so that you know before a student asks. “The paper” is {RESNET['en']}.

1. **What the shortcuts fix.** The article counts vanishing and exploding gradients among the problems of deep
networks and says the shortcut connections relieve them. The paper's introduction says that problem had largely
been dealt with already, by careful initialisation and normalisation layers, and §4.1 argues that the degradation
it studies is *unlikely* to be caused by vanishing gradients: its plain networks use BN, and the gradients flowing
back through them have healthy norms. The paper's own explanation is that a residual function is easier to
optimise. The view of the shortcut as a direct path for the gradient comes from the authors' follow-up,
“Identity Mappings in Deep Residual Networks” by {IDENTITY['en']}, whose blocks leave out the ReLU after the
addition so that the path is exactly the identity. The *Gradient flow* tab and the *Degradation lab* let students
look at the gradients themselves.
2. **Shortcut, not skip.** Next to 快捷连接 the article writes “skip connection”; the paper's term is *shortcut
connection*. “Skip connection” is a looser name that also covers connections that concatenate instead of adding,
as in U-Net. This app says shortcut connection (快捷连接) throughout.
3. **Notation.** As the article reads, F(x) is first the function the stacked layers of an ordinary network
implement, then the residual. In the paper, H(x) is the mapping the layers should learn and F(x) := H(x) − x is
always the residual: a residual block computes y = F(x) + x (Eq. 1), or y = F(x) + W_s x where the shape changes
(Eq. 2), and then a ReLU.
4. **Where the ReLUs are.** The article describes both convolutions of the basic block as Conv-BN-ReLU, and its
sketch draws no ReLU after the addition. In the paper (Fig. 2; BN "right after each convolution and before
activation", §3.4) and in the article's own code, the second convolution is followed by BN only, x is added, and
the ReLU comes after the addition: ReLU(F(x) + x).
5. **Where the max-pool belongs.** The article lists the 3×3 max-pool under Conv1. The paper's Table 1 puts it at
the start of conv2_x, and conv1 is the 7×7 convolution alone. torchvision's code (and the article's) runs it before
layer1, in what this app calls the stem; the *Architecture* tab maps layer1–layer4 to conv2_x–conv5_x.
6. **How deep.** The article says ResNet took networks from tens of layers to over a hundred. That is ImageNet
(ResNet-152); on CIFAR-10 the paper went much further: a 1202-layer network trained without optimisation difficulty
(training error below 0.1%), although its test error (7.93%) was worse than the 110-layer network's (6.43%), which
the authors put down to overfitting (§4.2).
7. **YOLO.** The article names YOLO among detectors built on a ResNet backbone. YOLO v1 has its own 24-layer
network inspired by GoogLeNet, v2 uses Darknet-19 and v3 Darknet-53; Darknet-53 borrows residual shortcuts but is
not a ResNet. Faster R-CNN is a fair example: the paper itself reports detection results with Faster R-CNN on
ResNet-101 (§4.3).
8. **Who and where.** The article says Microsoft Research (微软研究院), as the paper's title page does; more
precisely, Kaiming He, Xiangyu Zhang, Shaoqing Ren and Jian Sun worked at Microsoft Research Asia (微软亚洲研究院)
in Beijing.
9. **After the Transformer.** The article lists pre-Transformer speech and language models among ResNet's uses.
The idea did not stop there: every sub-layer of a Transformer has a residual connection around it, as in
{TRANSFORMER['en']}.
10. **The `downsample` comment.** The article's code says that `downsample` adjusts the number of channels. In the
first block of layer2–layer4 it also halves the resolution (stride 2), and it is a 1×1 convolution with BN: the
paper's projection shortcut, option B (Eq. 2)."""

NOTES_ZH = f"""课上用的这篇文章很适合入门。不过有几处，它的说法与论文不同，或者不够准确。下面一一列出，
方便老师在学生提问之前心里有数。这里的“论文”指 {RESNET['zh-CN']}。

1. **快捷连接解决的是什么问题。** 文章把梯度消失和梯度爆炸列为深层网络的难题，并说快捷连接能缓解它们。论文在引言中指出，
这个问题当时已经通过合理的初始化和归一化层基本解决；§4.1 更明确地认为，论文研究的退化*不太可能*是梯度消失造成的：
那些普通网络都用了 BN，回传的梯度范数也正常。论文自己的解释是：残差函数更容易优化。至于把快捷连接看作梯度的“直达通道”，
这种观点出自同一批作者的后续论文《Identity Mappings in Deep Residual Networks》，即
{IDENTITY['zh-CN']}。那篇论文的残差块去掉了相加之后的 ReLU，使这条通路成为严格的恒等映射。学生可以在*梯度流*标签页和*退化实验*中亲自观察梯度。
2. **用词：快捷连接。** 文章在“快捷连接”后面注了 *skip connection*，而论文的说法是 *shortcut connection*。
*skip connection* 是更宽泛的叫法，也包括 U-Net 那种把特征拼接起来（而不是相加）的连接。本应用统一使用“快捷连接”。
3. **记号。** 按文章的写法，F(x) 先表示普通网络中堆叠层实现的函数，后来又表示残差。论文中 H(x) 始终是这几层要学习的映射，
F(x) := H(x) − x 始终是残差：残差块计算 y = F(x) + x（式 (1)），形状改变时计算 y = F(x) + W_s x（式 (2)），然后再经过 ReLU。
4. **ReLU 的位置。** 文章把基础块的两个卷积都写成 Conv-BN-ReLU，示意图里相加之后也没有画 ReLU。在论文中（图 2；§3.4 说
BN 紧跟在每个卷积之后、激活函数之前），以及文章自己给出的代码中，第二个卷积之后只有 BN，然后加上 x，
相加之后才是 ReLU：ReLU(F(x) + x)。
5. **最大池化属于哪一部分。** 文章把 3×3 最大池化列在 Conv1 里。论文表 1 把它放在 conv2_x 的开头，conv1 只有那个 7×7 卷积。
torchvision 的代码（以及文章的代码）在 layer1 之前完成最大池化，本应用把这一部分叫作起始层；
*网络结构*标签页列出了 layer1–layer4 与 conv2_x–conv5_x 的对应关系。
6. **到底有多深。** 文章说 ResNet 让网络从几十层突破到上百层。在 ImageNet 上确实如此（ResNet-152），但论文在 CIFAR-10 上
走得更远：一个 1202 层的网络训练起来毫无困难（训练误差低于 0.1%），只是测试误差（7.93%）比 110 层的网络（6.43%）差，
作者认为这是过拟合所致（§4.2）。
7. **YOLO。** 文章把 YOLO 列为以 ResNet 为骨干网络的检测器。实际上 YOLO v1 用的是受 GoogLeNet 启发、自己设计的 24 层网络，
v2 用 Darknet-19，v3 用 Darknet-53；Darknet-53 借用了残差式的快捷连接，但它并不是 ResNet。Faster R-CNN 这个例子没有问题：
论文本身就报告了以 ResNet-101 为骨干的 Faster R-CNN 检测结果（§4.3）。
8. **作者与单位。** 文章写的是“微软研究院”，论文首页署的也是 Microsoft Research；更准确地说，何恺明、张祥雨、任少卿和孙剑
当时在北京的微软亚洲研究院工作。
9. **Transformer 之后。** 文章把“Transformer 之前”的语音和自然语言处理模型列为 ResNet 的应用。其实残差连接并没有就此退场：
Transformer 的每个子层外面都有一条残差连接，见 {TRANSFORMER['zh-CN']}。
10. **关于 `downsample` 的注释。** 文章代码的注释说 `downsample` 用于调整通道数。其实在 layer2–layer4 的第一个块中，
它还把分辨率减半（步幅 2）；它由 1×1 卷积加 BN 组成，正是论文中的投影快捷连接，即方案 B（式 (2)）。"""



def _needs_space(left: str, right: str) -> bool:
    """Letters or digits meet a Chinese character or each other: the page's style puts a space between them."""
    def word(c: str) -> bool:
        return c.isascii() and c.isalnum() or "\u4e00" <= c <= "\u9fff"

    return word(left) and word(right) and not ("\u4e00" <= left <= "\u9fff" and "\u4e00" <= right <= "\u9fff")


def unwrap(text: str, joiner: str) -> str:
    """Join the source's wrapped lines back into one line per list item (Chinese needs no space between them)."""
    items: list[str] = []
    for line in text.splitlines():
        starts_item = not items or not line or line[0].isdigit() and ". " in line[:4] or not items[-1]
        if starts_item:
            items.append(line)
        else:
            items[-1] += (" " if _needs_space(items[-1][-1], line[0]) else joiner) + line
    return "\n".join(items)


EN = {"ref_notes_label": "Notes on the article", "ref_notes": unwrap(NOTES_EN, " ")}
ZH = {"ref_notes_label": "关于原文", "ref_notes": unwrap(NOTES_ZH, "")}

add_strings(EN, ZH)
