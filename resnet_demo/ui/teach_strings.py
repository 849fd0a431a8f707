"""The teaching views' words, in English and 简体中文 (registered with `strings.add_strings`).

Static sentences hold for every depth (tests/test_teaching_text.py checks the facts they state
against the models). Whatever depends on the depth or the weights is a template filled in by
`teach_handlers` from numbers the engine measured: each stage's shapes and shortcuts
(`teach.architecture`), and the gradient-flow curves actually plotted (`teach.gradflow`).
"""

from __future__ import annotations

from .strings import add_strings

EN = {
    "uses_photo": "Uses the photo from the first tab (upload one there, or click an example).",
    "show": "Show",
    # residual learning
    "res_intro": "A residual block does not learn its output H(x) directly. It learns a correction F(x) and adds its "
    "input back: **H(x) = ReLU(F(x) + x)**. If the best a block can do is leave its input alone, it only has to "
    "push F(x) towards zero (x has just come out of a ReLU, so ReLU(0 + x) = x), instead of learning an identity "
    "mapping through several nonlinear layers, which He et al. (2016) found hard for the optimiser. Where a block "
    "changes the shape, its shortcut first brings x to the new shape with a 1×1 convolution.",
    "res_stage": "Stage of the block",
    "res_index": "Block within the stage (0 = first)",
    "res_maps": "x, F(x) and ReLU(F(x) + x) in the chosen block (x after the shortcut's 1×1 convolution where it has "
    "one): size at each pixel over all channels, one colour scale",
    "res_chart": "‖F(x)‖ / ‖shortcut‖ for every block of this network, on this photo (the shortcut is x, or "
    "downsample(x) on the paler bars with a dashed outline); hover over a bar for its numbers",
    "res_read": "Each bar compares a block's residual branch F(x) with its shortcut. Below 1, the block adds a "
    "correction smaller than what the shortcut carries. The paler bars with a dashed outline are the blocks whose shortcut is a 1×1 "
    "convolution (torchvision's `downsample`, even where its stride is 1) because F(x) changes the shape there: "
    "the first block of layer2, layer3 and layer4 (stride 2: half the resolution, twice the channels) and, in "
    "ResNet-50/101/152 only, the first block of layer1 (stride 1: 64 → 256 channels, same resolution). Every other "
    "shortcut is x itself.",
    "res_shortcut_identity": "Shortcut of {block}: x itself (identity), because the block keeps its shape ({shape}).",
    "res_shortcut_projection": "Shortcut of {block}: a {kernel}×{kernel} convolution with stride {stride} "
    "(torchvision's `downsample`), because F(x) changes the shape: {input} → {output}.",
    # depth comparison
    "cmp_intro": "Going deeper is not free. Each row runs this photo through one depth on this machine: compare the "
    "top-1 class and its probability, the time, the parameters and the multiply-adds, and where each network looks.",
    "cmp_depths": "Depths to compare",
    "cmp_table": "One photo, several depths",
    "cmp_cams": "Where each depth looks (its CAM over its own centre crop)",
    # gradient flow
    "grad_intro": "Why do deep plain networks train badly? He et al. (2016) found that a 34-layer plain network ends "
    "up with a higher *training* error than an 18-layer one, although BatchNorm keeps its gradients from vanishing: "
    "the deeper network is simply harder to optimise (they call this degradation). A skip connection makes a block "
    "output ReLU(F(x) + x): a block that is not needed can keep F(x) near 0 and pass x on, and the + x gives the "
    "gradient a path back around F(x).\n\n"
    "This tab trains nothing. For one photo it measures the gradient that reaches every block of a frozen network "
    "(ImageNet weights when they are available, and a random initialisation), with its skips and with them removed. "
    "The **Degradation lab** tab trains plain and residual networks live and records the gradients of networks "
    "that are actually learning.",
    "grad_chart": "Gradient of the loss at each block's output (log scale; block 1 is nearest the input)",
    "grad_read": "Solid lines: the ResNet. Dashed lines: the same weights with every skip connection removed (the "
    "1×1 convolution shortcuts too), so each block computes ReLU(F(x)) only. The numbers below are read off the "
    "curves in the chart.",
    "grad_weights_trained": "**Trained weights.**",
    "grad_weights_random": "**Random initialisation.**",
    "grad_residual_line": "With skips (solid line), from the last block back to block 1 the gradient {trend}.",
    "grad_plain_line": "Without skips (dashed line) it {trend}.",
    "grad_trend_up": "grows by a factor of about {factor}",
    "grad_trend_down": "shrinks by a factor of about {factor}",
    "grad_trend_flat": "changes by less than a factor of 2",
    "grad_first_less": "At block 1 the ResNet's gradient is about {factor} times as large as the one without skips.",
    "grad_first_more": "At block 1 the gradient without skips is about {factor} times as large as the ResNet's.",
    "grad_first_same": "At block 1 the two are about the same size (within a factor of 2).",
    "grad_with_skips": "With skips",
    "grad_without_skips": "Without skips",
    "grad_saturated": "{variant}: the loss is 0 in float32 (the label's probability rounds to 1), so these gradients "
    "are zero or rounding noise: there is nothing to read.",
    "grad_random_why": "Why does the ResNet's gradient grow towards the input here? At initialisation BatchNorm's "
    "running statistics are still mean 0 and variance 1, so in eval mode (used here) it normalises nothing: every "
    "+ x adds F(x) on top of x, the signal grows block by block, and so does the gradient on its way back through "
    "the same additions.",
    "grad_random_gap": "So the gap between the lines comes mostly from the ResNet's gradient growing, not from the "
    "plain network's vanishing.",
    "grad_trained_cut": "The dashed line of the trained weights is the trained ResNet with its skips cut out, not a "
    "plain network trained on its own: it shows how much this network relies on its skips, not how a plain network "
    "would have learned.",
    "grad_untrained": "Trained weights are not available here, so only the random initialisation is shown.",
    # architecture
    "arch_intro": "The stage table of the chosen ResNet, computed from the model itself for one 224×224 input (the "
    "size its ImageNet preprocessing crops to); under the table, what each stage does to the shape, measured too. "
    "The pattern at every depth: layer1 keeps the stem's resolution, and layer2, layer3 and layer4 each halve it "
    "and double the channels. Wherever x and F(x) would differ in shape, the shortcut is a 1×1 convolution "
    "(downsample); everywhere else it is x itself.",
    "arch_table": "Stages (computed from the model)",
    "arch_diagram": "BasicBlock (two 3×3 convolutions) and Bottleneck (1×1 reduce, 3×3, 1×1 expand), drawn with the "
    "channels of a layer1 block that keeps its shape, so the shortcut is x itself. The bottleneck does its 3×3 "
    "convolution on a quarter of the block's output channels (64 of 256 here). That keeps it cheap: with the same "
    "3, 4, 6, 3 blocks per stage as ResNet-34, ResNet-50 has 50 layers instead of 34 for only a little more work, "
    "4.1 instead of 3.7 billion multiply-adds and 25.6 instead of 21.8 million parameters.",
    "arch_shapes": "What each stage does to the shape of ResNet-{depth}'s features (measured on one {size}×{size} "
    "image):",
    "arch_stem": "**stem**: {input} → {output}: resolution ÷{stride}.",
    "arch_stage": "**{stage}** ({blocks} × {block_type}): {input} → {output}: {change}. {shortcuts}",
    "arch_shape_kept": "shape kept",
    "arch_res_kept": "resolution kept",
    "arch_res_div": "resolution ÷{stride}",
    "arch_ch_kept": "channels kept",
    "arch_ch_mul": "channels ×{factor}",
    "arch_no_projection": "Every shortcut is x itself.",
    "arch_first_projection": "The first block's shortcut is a {kernel}×{kernel} convolution with stride {stride} "
    "(torchvision's `downsample`), so that x gets the shape of F(x).",
    "arch_rest_one": "The other block adds x itself.",
    "arch_rest_many": "The other {count} blocks add x itself.",
    "arch_sep": ", ",
    "arch_projections": "Shortcuts that are convolutions (downsample): {blocks}; the others are x itself.",
    "arch_width_full": "Each {block_type} does its 3×3 convolutions at the block's full output width ({widths} "
    "channels from layer1 to layer4).",
    "arch_width_reduced": "Each {block_type} does its 3×3 convolution on 1/{factor} of its output channels: "
    "{widths}.",
    "arch_width_of": "{width} of {channels} in {stage}",
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
    "**H(x) = ReLU(F(x) + x)**。如果一个块最好的做法是保持输入不变，它只需把 F(x) 推向零"
    "（x 刚经过 ReLU，本身非负，所以 ReLU(0 + x) = x），而不必让好几个非线性层去拟合恒等映射——"
    "He 等人（2016）发现这对优化器来说很难。在改变形状的块里，捷径会先用一个 1×1 卷积把 x 变成新的形状。",
    "res_stage": "块所在的阶段",
    "res_index": "阶段中的第几个块（0 = 第一个）",
    "res_maps": "所选块中的 x、F(x) 和 ReLU(F(x) + x)（捷径上有 1×1 卷积时，x 指卷积之后的结果）："
    "每个像素处所有通道的大小，使用同一色标",
    "res_chart": "在这张照片上，网络中每个块的 ‖F(x)‖ / ‖捷径‖（捷径是 x；颜色较浅、带虚线边框的柱子是 downsample(x)）；"
    "把鼠标移到柱子上可以看到具体数值",
    "res_read": "每根柱子比较一个块的残差分支 F(x) 与它的捷径。小于 1 表示该块加上的修正量比捷径传过来的部分小。"
    "颜色较浅、带虚线边框的柱子是捷径为 1×1 卷积（torchvision 中叫 `downsample`，即使步幅为 1 也这么叫）的块，因为 F(x) 在那里改变了形状："
    "layer2、layer3 和 layer4 的第一个块（步幅 2：分辨率减半，通道数加倍），"
    "以及只在 ResNet-50/101/152 中才有的 layer1 第一个块（步幅 1：通道数 64 → 256，分辨率不变）。"
    "其余块的捷径都是 x 本身。",
    "res_shortcut_identity": "{block} 的捷径：x 本身（恒等映射），因为这个块不改变形状（{shape}）。",
    "res_shortcut_projection": "{block} 的捷径：步幅为 {stride} 的 {kernel}×{kernel} 卷积（torchvision 中的 `downsample`），"
    "因为 F(x) 改变了形状：{input} → {output}。",
    "cmp_intro": "更深并不是免费的。每一行都在本机上用一种深度处理这张照片：比较 Top-1 类别及其概率、耗时、参数量和乘加运算量，"
    "以及每个网络关注的区域。",
    "cmp_depths": "要比较的深度",
    "cmp_table": "一张照片，多种深度",
    "cmp_cams": "每种深度关注的区域（叠加在各自中心裁剪区域上的 CAM）",
    "grad_intro": "为什么很深的普通网络训练效果差？He 等人（2016）发现，34 层普通网络最终的*训练*误差反而比 18 层的高，"
    "而 BatchNorm 已经保证它的梯度不会消失：更深的网络只是更难优化（他们称之为“退化”）。"
    "有了跳跃连接，块的输出变成 ReLU(F(x) + x)：用不上的块可以让 F(x) 接近 0，把 x 原样传下去；"
    "+ x 还给梯度提供了一条绕过 F(x) 的回传通路。\n\n"
    "这个标签页不训练任何网络。它用一张照片测量一个冻结的网络（有 ImageNet 权重时用训练好的权重，另外还有随机初始化的权重）"
    "中到达每个块的梯度，分别在保留和去掉跳跃连接时测量。**退化实验**标签页会现场训练普通网络和残差网络，"
    "并记录真正在学习的网络的梯度。",
    "grad_chart": "损失对每个块输出的梯度大小（对数坐标；第 1 个块最靠近输入）",
    "grad_read": "实线：ResNet。虚线：同样的权重，但去掉了所有跳跃连接（包括 1×1 卷积捷径），每个块只计算 ReLU(F(x))。"
    "下面的数字直接取自图中的曲线。",
    "grad_weights_trained": "**训练好的权重**：",
    "grad_weights_random": "**随机初始化**：",
    "grad_residual_line": "有跳跃连接时（实线），梯度从最后一个块回传到第 1 个块，{trend}。",
    "grad_plain_line": "去掉跳跃连接后（虚线），梯度{trend}。",
    "grad_trend_up": "增大到约 {factor} 倍",
    "grad_trend_down": "缩小到约 1/{factor}",
    "grad_trend_flat": "变化不到 2 倍",
    "grad_first_less": "在第 1 个块，ResNet 的梯度约为去掉跳跃连接后的 {factor} 倍。",
    "grad_first_more": "在第 1 个块，去掉跳跃连接后的梯度约为 ResNet 的 {factor} 倍。",
    "grad_first_same": "在第 1 个块，两者大小相近（相差不到 2 倍）。",
    "grad_with_skips": "有跳跃连接",
    "grad_without_skips": "去掉跳跃连接",
    "grad_saturated": "{variant}：损失在 float32 下为 0（标签的概率被舍入为 1），所以这些梯度要么是 0，要么只是舍入误差，"
    "没有什么可读的。",
    "grad_random_why": "这里 ResNet 的梯度为什么越靠近输入越大？初始化时 BatchNorm 的运行统计量还是均值 0、方差 1，"
    "所以在推理模式（这里用的就是推理模式）下它并没有起到归一化作用：每个 + x 都把 F(x) 叠加到 x 上，"
    "信号一个块接一个块地变大，沿着同样的加法回传的梯度也跟着变大。",
    "grad_random_gap": "所以两条线之间的差距主要来自 ResNet 梯度的增大，而不是普通网络梯度的消失。",
    "grad_trained_cut": "训练好的权重对应的虚线，是把训练好的 ResNet 的跳跃连接剪掉后的结果，而不是单独训练出来的普通网络："
    "它说明这个网络有多依赖跳跃连接，但不能说明普通网络会学成什么样。",
    "grad_untrained": "这里没有训练好的权重，因此只显示随机初始化的结果。",
    "arch_intro": "所选 ResNet 的阶段表，由模型本身针对一张 224×224 的输入计算得出（这是它的 ImageNet 预处理裁剪出的尺寸）；"
    "表格下方同样是实测结果：每个阶段如何改变特征的形状。各种深度都遵循同一规律：layer1 保持 stem 输出的分辨率，"
    "layer2、layer3、layer4 各自把分辨率减半、通道数加倍。凡是 x 与 F(x) 形状不一致的地方，"
    "捷径就是一个 1×1 卷积（downsample）；其他地方捷径就是 x 本身。",
    "arch_table": "各个阶段（由模型计算）",
    "arch_diagram": "BasicBlock（两个 3×3 卷积）与 Bottleneck（1×1 降维、3×3、1×1 升维）。图中标的是 layer1 里"
    "一个不改变形状的块的通道数，所以捷径就是 x 本身。瓶颈块只在块输出通道数的四分之一上做 3×3 卷积"
    "（这里是 256 个中的 64 个），所以很省计算：ResNet-50 每个阶段的块数和 ResNet-34 一样（3、4、6、3），"
    "层数却从 34 增加到 50，计算量只多了一点：乘加运算从 37 亿次增加到 41 亿次，参数从 2180 万增加到 2560 万。",
    "arch_shapes": "ResNet-{depth} 的每个阶段如何改变特征的形状（在一张 {size}×{size} 的图像上实测）：",
    "arch_stem": "**stem**：{input} → {output}：分辨率 ÷{stride}。",
    "arch_stage": "**{stage}**（{blocks} 个 {block_type}）：{input} → {output}：{change}。{shortcuts}",
    "arch_shape_kept": "形状不变",
    "arch_res_kept": "分辨率不变",
    "arch_res_div": "分辨率 ÷{stride}",
    "arch_ch_kept": "通道数不变",
    "arch_ch_mul": "通道数 ×{factor}",
    "arch_no_projection": "所有捷径都是 x 本身。",
    "arch_first_projection": "第一个块的捷径是步幅为 {stride} 的 {kernel}×{kernel} 卷积（torchvision 中的 `downsample`），"
    "让 x 变成和 F(x) 一样的形状。",
    "arch_rest_one": "另一个块直接加上 x 本身。",
    "arch_rest_many": "其余 {count} 个块直接加上 x 本身。",
    "arch_sep": "，",
    "arch_projections": "捷径是卷积（downsample）的块：{blocks}；其余块的捷径是 x 本身。",
    "arch_width_full": "每个 {block_type} 都在块的全部输出通道上做 3×3 卷积（从 layer1 到 layer4 依次是 {widths} 个通道）。",
    "arch_width_reduced": "每个 {block_type} 只在输出通道数的 1/{factor} 上做 3×3 卷积：{widths}。",
    "arch_width_of": "{stage} 为 {channels} 个中的 {width} 个",
    "arch_cols": "阶段|块类型|块数|输出 (C×H×W)|参数量",
    "arch_totals": "**ResNet-{depth}** · {params:.1f} M 个参数 · 每张 {size}×{size} 图像 {gmacs:.2f} GMACs（十亿次乘加）",
    "cmp_cols": "深度|Top-1|概率|耗时 (ms)|参数量 (M)|GMACs",
    "enlarged": "点击上面的某个小图即可放大该通道",
    "hook_code": "捕获这些特征图的前向钩子（resnet_demo/capture.py，直接从代码包中读取）",
}

add_strings(EN, ZH)
