"""The teaching views' words, in English and 简体中文 (registered with `strings.add_strings`)."""

from __future__ import annotations

from .strings import add_strings

EN = {
    "uses_photo": "Uses the photo from the first tab (upload one there, or click an example).",
    "show": "Show",
    # residual learning
    "res_intro": "A residual block does not learn its output H(x) directly. It learns a correction F(x) and adds its "
    "input back: **H(x) = ReLU(F(x) + x)**. If the best a block can do is leave its input alone, it only has to "
    "push F(x) towards zero, which is easy, instead of learning an identity mapping through several layers, "
    "which is hard.",
    "res_stage": "Stage of the block",
    "res_index": "Block within the stage (0 = first)",
    "res_maps": "x, F(x) and ReLU(F(x) + x) in the chosen block: size at each pixel over all channels, one colour scale",
    "res_chart": "‖F(x)‖ / ‖x‖ for every block of this network, on this photo",
    "res_read": "Each bar compares a block's residual branch F(x) with its shortcut x. Below 1, the block adds a "
    "correction smaller than what passes through it unchanged; hatched bars open a stage, where the shortcut is a "
    "1×1 convolution (downsample) because the shape changes.",
    # depth comparison
    "cmp_intro": "Going deeper is not free. Each row runs this photo through one depth on this machine: compare the "
    "top-1 class and its probability, the time, the parameters and the multiply-adds, and where each network looks.",
    "cmp_depths": "Depths to compare",
    "cmp_table": "One photo, several depths",
    "cmp_cams": "Where each depth looks (its CAM over its own centre crop)",
    # gradient flow
    "grad_intro": "Why do deep plain networks train badly? The gradient that trains a layer travels backwards through "
    "every later layer, and in a plain network each layer rescales it again. A skip connection gives the gradient "
    "a direct path (the + x), so the first blocks still get a strong signal however deep the network is.",
    "grad_chart": "Gradient of the loss at each block's output (log scale; block 1 is nearest the input)",
    "grad_read": "Solid lines: the ResNet. Dashed lines: the same weights with every skip connection removed, so each "
    "block computes ReLU(F(x)) only. Compare the left ends: with skips, each + x passes the gradient straight back, "
    "so the first blocks get at least as much as the last ones; without them it must cross every layer's weights "
    "and the first blocks get far less. (At random initialisation the ResNet's gradient even grows towards the "
    "input: BatchNorm's statistics are not yet learned, so nothing is normalised.)",
    "grad_untrained": "Trained weights are not available here, so only the random initialisation is shown.",
    # architecture
    "arch_intro": "The stage table of the chosen ResNet, computed from the model itself for a 224×224 input. Each "
    "stage halves the resolution and doubles the channels; the first block of each stage changes the shape, so its "
    "shortcut is a 1×1 convolution.",
    "arch_table": "Stages (computed from the model)",
    "arch_diagram": "BasicBlock (two 3×3 convolutions) and Bottleneck (1×1 reduce, 3×3, 1×1 expand): the bottleneck "
    "does its 3×3 work on four times fewer channels, which is how ResNet-50 gets deeper than ResNet-34 at a "
    "similar cost.",
    # feature maps as a lesson
    "arch_cols": "stage|block type|blocks|output (C×H×W)|parameters",
    "arch_totals": "**ResNet-{depth}** · {params:.1f} M parameters · {gmacs:.2f} GMACs (billion multiply-adds) "
    "per {size}×{size} image",
    "cmp_cols": "depth|top-1|probability|latency (ms)|parameters (M)|GMACs",
    "enlarged": "Click a tile above to enlarge that channel",
    "hook_code": "The forward hooks that captured these maps (resnet_demo/capture.py, read from the package)",
}

ZH = {
    "uses_photo": "使用第一个标签页中的照片（在那里上传，或点击示例）。",
    "show": "显示",
    "res_intro": "残差块并不直接学习它的输出 H(x)。它学习一个修正量 F(x)，再把输入加回去："
    "**H(x) = ReLU(F(x) + x)**。如果一个块最好的做法是保持输入不变，它只需把 F(x) 推向零——这很容易——"
    "而不必用好几层去学习恒等映射——那很难。",
    "res_stage": "块所在的阶段",
    "res_index": "阶段中的第几个块（0 = 第一个）",
    "res_maps": "所选块中的 x、F(x) 和 ReLU(F(x) + x)：每个像素处所有通道的大小，使用同一色标",
    "res_chart": "在这张照片上，网络中每个块的 ‖F(x)‖ / ‖x‖",
    "res_read": "每根柱子比较一个块的残差分支 F(x) 与它的捷径 x。小于 1 表示该块加上的修正量比原样通过的部分小；"
    "带斜线的柱子是每个阶段的第一个块，那里形状发生变化，所以捷径是一个 1×1 卷积（下采样）。",
    "cmp_intro": "更深并不是免费的。每一行都在本机上用一种深度处理这张照片：比较 Top-1 类别及其概率、耗时、参数量和乘加运算量，"
    "以及每个网络关注的区域。",
    "cmp_depths": "要比较的深度",
    "cmp_table": "一张照片，多种深度",
    "cmp_cams": "每种深度关注的区域（叠加在各自中心裁剪区域上的 CAM）",
    "grad_intro": "为什么很深的普通网络训练效果差？训练某一层的梯度要反向穿过它后面的每一层，"
    "在普通网络中每一层都会再缩放一次梯度。跳跃连接给梯度提供了一条直达的通路（+ x），"
    "所以无论网络多深，前面的块仍能收到强的信号。",
    "grad_chart": "损失对每个块输出的梯度大小（对数坐标；第 1 个块最靠近输入）",
    "grad_read": "实线：ResNet。虚线：同样的权重，但去掉了所有跳跃连接，每个块只计算 ReLU(F(x))。"
    "比较两条线的左端：有跳跃连接时，每个 + x 都把梯度直接传回去，所以前面的块得到的梯度不少于后面的块；"
    "没有跳跃连接时，梯度必须穿过每一层的权重，前面的块得到的梯度要小得多。"
    "（在随机初始化时，ResNet 的梯度甚至越靠近输入越大：BatchNorm 的统计量还没学到，所以没有起到归一化作用。）",
    "grad_untrained": "这里没有训练好的权重，因此只显示随机初始化的结果。",
    "arch_intro": "所选 ResNet 的阶段表，由模型本身针对 224×224 输入计算得出。每个阶段分辨率减半、通道数加倍；"
    "每个阶段的第一个块会改变形状，所以它的捷径是一个 1×1 卷积。",
    "arch_table": "各个阶段（由模型计算）",
    "arch_diagram": "BasicBlock（两个 3×3 卷积）与 Bottleneck（1×1 降维、3×3、1×1 升维）：瓶颈结构在少四倍的通道上做 3×3 运算，"
    "所以 ResNet-50 比 ResNet-34 更深，计算量却相近。",
    "arch_cols": "阶段|块类型|块数|输出 (C×H×W)|参数量",
    "arch_totals": "**ResNet-{depth}** · {params:.1f} M 个参数 · 每张 {size}×{size} 图像 {gmacs:.2f} GMACs（十亿次乘加）",
    "cmp_cols": "深度|Top-1|概率|耗时 (ms)|参数量 (M)|GMACs",
    "enlarged": "点击上面的某个小图即可放大该通道",
    "hook_code": "捕获这些特征图的前向钩子（resnet_demo/capture.py，直接从代码包中读取）",
}

add_strings(EN, ZH)
