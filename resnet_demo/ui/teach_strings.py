"""The teaching views' words, in English and 简体中文 (registered with `strings.add_strings`).

Static sentences hold for every depth (tests/test_teaching_text.py checks the facts they state
against the models). Whatever depends on the depth or the weights is a template filled in by
`teach_handlers` from numbers the engine measured: each stage's shapes and shortcuts
(`teach.architecture`), and the gradient-flow curves actually plotted (`teach.gradflow`).
The vocabulary is the glossary's (`glossary.py`); the ResNet paper is cited as `citations.RESNET`.
"""

from __future__ import annotations

from .citations import IDENTITY, RESNET, YANG
from .strings import add_strings

EN = {
    "uses_photo": "Uses the photo from the first tab (upload one there, or click an example).",
    "show": "Show",
    # residual learning
    "res_intro": f"In the notation of {RESNET['en']}, H(x) is the mapping a few stacked layers should learn. A "
    "residual block lets them learn the residual F(x) := H(x) − x instead, and a shortcut connection adds x back:\n\n"
    "**y = F(x) + x**  (Eq. 1), followed by a ReLU, so the block outputs ReLU(F(x) + x).\n\n"
    "Where F(x) changes the shape (stride 2, more channels), x cannot be added as it is, and the shortcut projects "
    "it first: **y = F(x) + W_s x**  (Eq. 2). In torchvision, W_s is a 1×1 convolution followed by BN (the "
    "module `downsample`): a projection shortcut, the paper's option B (projections only where the shape changes, "
    "identity shortcuts everywhere else).\n\n"
    "Why learn F(x)? If the best a block can do is to leave its input alone, it only has to push F(x) towards zero "
    "(x has just come out of a ReLU, so ReLU(0 + x) = x). Without the shortcut, several nonlinear layers would "
    "have to learn the identity mapping themselves, and from the degradation of deep plain networks the paper "
    "*suggests* that solvers might have difficulties with that (§3.1).\n\n"
    "Blocks are named as in torchvision's code, by stage and by index within the stage counted from 0: layer3.0 "
    "is the first block of layer3. The slider and the charts use these names.",
    "res_stage": "Stage of the block",
    "res_index": "Block within the stage (counted from 0, as in the name layer3.0)",
    "res_maps": "x, F(x) and ReLU(F(x) + x) in the chosen block (where the block has a projection shortcut, x "
    "stands for W_s x, the output of `downsample`): the size at each pixel over all channels, on one colour scale",
    "res_chart": "‖F(x)‖ / ‖shortcut‖ for every block of this network, on this photo (the shortcut carries x, or "
    "W_s x on the paler bars with a dashed outline); hover over a bar for its numbers",
    "res_read": "Each bar compares a block's residual function F(x) with what its shortcut carries. Below 1, the "
    "block adds a correction smaller than its input. The paper's Fig. 7 looks at the same question another way: on "
    "CIFAR-10 it measured the standard deviation of each layer's response and found it generally smaller in "
    "ResNets than in plain networks, as expected if residual functions are close to zero. The paler bars with a "
    "dashed outline are the blocks with a projection shortcut (1×1 convolution + BN, torchvision's `downsample`, "
    "even where its stride is 1), because F(x) changes the shape there: the first block of layer2, layer3 and "
    "layer4 (stride 2: half the resolution, twice the channels) and, in ResNet-50/101/152 only, the first block "
    "of layer1 (stride 1: 64 → 256 channels, same resolution). Every other shortcut carries x itself.",
    "res_shortcut_identity": "Shortcut of {block}: x itself (an identity shortcut, Eq. 1), because the block keeps "
    "its shape ({shape}).",
    "res_shortcut_projection": "Shortcut of {block}: a projection W_s x, a {kernel}×{kernel} convolution with stride "
    "{stride} followed by BN (torchvision's `downsample`; Eq. 2, option B), because F(x) changes the shape: "
    "{input} → {output}.",
    # depth comparison
    "cmp_intro": "A deeper network costs more time and memory: what does it buy? Each row runs this photo through "
    "one depth on this machine: compare the top-1 class and its probability, the time, the parameters, the "
    "multiply-adds, and where each network looks.\n\n"
    "**The rows differ in more than depth.** ResNet-18 and ResNet-34 load torchvision's `IMAGENET1K_V1` weights, "
    "trained with a simple recipe that closely reproduces the paper's results; ResNet-50, ResNet-101 and "
    "ResNet-152 load `IMAGENET1K_V2`, trained with torchvision's newer recipe (far longer training, with label "
    "smoothing, mixup, CutMix and stronger augmentation), which also makes their probabilities less confident. "
    "A jump between ResNet-34 and ResNet-50 is therefore not the work of depth alone. The table names each row's "
    "weights and their published ImageNet accuracy (torchvision's figures on the validation set, not measured "
    "here). The multiply-adds are those of torchvision's models; its ResNet-50/101/152 are the “v1.5” variant "
    "(see the *Architecture* tab), so they differ from the paper's Table 1.",
    "cmp_depths": "Depths to compare",
    "cmp_table": "One photo, several depths",
    "cmp_cams": "Where each depth looks: the CAM of its own top-1 class (named in the table, same order) over its own "
    "centre crop",
    "cmp_cols": "depth|weights|top-1|probability|ImageNet acc@1 (%)|acc@5 (%)|latency (ms)|parameters (M)|GMACs",
    "cmp_untrained": "random (untrained)",
    # gradient flow
    "grad_intro": f"Why do deep plain networks train badly? {RESNET['en']} found that a 34-layer plain network "
    "ends with a higher *training* error than an 18-layer one: degradation. The paper argues that this is "
    "unlikely to be caused by vanishing gradients: its plain networks use BN, and the authors checked that the "
    "gradients flowing back have healthy norms (§4.1); they conjecture that deep plain networks converge very "
    "slowly. The view that the shortcut's + x gives the gradient a direct way back (the sum hands its gradient "
    f"to x besides the path through F) was worked out later, by {IDENTITY['en']}.\n\n"
    "This tab trains nothing. For one photo it measures the gradient that reaches every block of a frozen network "
    "(ImageNet weights when they are available, and a random initialisation), with its shortcuts and with them "
    "removed. The network runs in **eval mode**: BN normalises with the statistics stored with the weights. In "
    "**training mode** BN normalises each batch with the batch's own statistics, and then deep plain networks "
    "with BN have gradients that *explode* at initialisation, growing towards the input, as "
    f"{YANG['en']} showed in “A Mean Field Theory of Batch Normalization”. The **Degradation lab** tab trains plain and "
    "residual networks live and records the gradients of networks that are actually learning.",
    "grad_chart": "Gradient of the loss at each block's output (log scale; blocks in order from the input, named "
    "as in torchvision)",
    "grad_read": "Solid lines: the ResNet. Dashed lines: the same weights with every shortcut removed (the "
    "projection shortcuts too), so each block computes ReLU(F(x)) only. The numbers below are read off the "
    "curves in the chart.",
    "grad_weights_trained": "**Trained weights.**",
    "grad_weights_random": "**Random initialisation.**",
    "grad_residual_line": "With shortcuts (solid line), from the last block ({last}) back to the first ({first}) "
    "the gradient {trend}.",
    "grad_plain_line": "Without shortcuts (dashed line) it {trend}.",
    "grad_trend_up": "grows by a factor of about {factor}",
    "grad_trend_down": "shrinks by a factor of about {factor}",
    "grad_trend_flat": "changes by less than a factor of 2",
    "grad_first_less": "At the first block ({first}) the ResNet's gradient is about {factor} times as large as the "
    "one without shortcuts.",
    "grad_first_more": "At the first block ({first}) the gradient without shortcuts is about {factor} times as "
    "large as the ResNet's.",
    "grad_first_same": "At the first block ({first}) the two are about the same size (within a factor of 2).",
    "grad_with_skips": "With shortcuts",
    "grad_without_skips": "Without shortcuts",
    "grad_saturated": "{variant}: the loss is 0 in float32 (the label's probability rounds to 1), so these gradients "
    "are zero or rounding noise: there is nothing to read.",
    "grad_random_why": "Why does the ResNet's gradient grow towards the input here? At initialisation BN's stored "
    "statistics are still mean 0 and variance 1, so in eval mode (used here) BN normalises nothing: every + x adds "
    "F(x) on top of x, the signal grows block by block, and so does the gradient on its way back through the same "
    "additions.",
    "grad_random_gap": "So the gap between the lines comes mostly from the ResNet's gradient growing, not from the "
    "plain network's vanishing.",
    "grad_trained_cut": "The dashed line of the trained weights is the trained ResNet with its shortcuts cut out, "
    "not a plain network trained on its own: it shows how much this network relies on its shortcuts, not how a "
    "plain network would have learned.",
    "grad_untrained": "Trained weights are not available here, so only the random initialisation is shown.",
    # architecture
    "arch_intro": "The stage table of the chosen ResNet, computed from the model itself for one 224×224 input (the "
    "size its ImageNet preprocessing crops to); under it, what each stage does to the shape, measured too. "
    "torchvision's layer1–layer4 are the paper's conv2_x–conv5_x (Table 1), with one difference in where the "
    "3×3 max-pool is counted: the paper puts it at the start of conv2_x, torchvision runs it before layer1, in "
    "what this app calls the stem (7×7 convolution, BN, ReLU, max-pool). The pattern at every depth: layer1 keeps "
    "the stem's resolution, and layer2, layer3 and layer4 each halve it and double the channels. Wherever x and "
    "F(x) would differ in shape, the shortcut is a projection (1×1 convolution + BN, `downsample`); everywhere else "
    "it is x itself.\n\n"
    "**torchvision's ResNet-50/101/152 are “ResNet v1.5”.** In a Bottleneck that halves the resolution, torchvision "
    "puts the stride 2 on the 3×3 convolution, where the paper puts it on the first 1×1 convolution. The 3×3 "
    "convolution then works at the higher resolution: a little more work than in the paper's Table 1 (the note "
    "under the table gives both figures) and, by torchvision's account, slightly higher accuracy.",
    "arch_table": "Stages (computed from the model)",
    "arch_diagram": "Four residual blocks of torchvision's ResNets. **Top row:** a BasicBlock (two 3×3 convolutions) "
    "and a Bottleneck (a 1×1 convolution that reduces the channels, a 3×3, a 1×1 that expands them again) that keep "
    "their input's shape, so the shortcut carries x itself and the block computes\n\n"
    "**y = F(x) + x**  (Eq. 1 of the paper), then a ReLU.\n\n"
    "**Bottom row:** the first block of layer2, a downsampling block: it halves the resolution and doubles the "
    "channels, so x no longer has the shape of F(x) and the shortcut is a projection:\n\n"
    "**y = F(x) + W_s x**  (Eq. 2), then a ReLU, where W_s is a 1×1 convolution with stride 2 followed by BN "
    "(torchvision's `downsample`, the paper's option B). Inside the branch torchvision puts the stride 2 on a "
    "BasicBlock's first 3×3 convolution and on a Bottleneck's 3×3 convolution (for the Bottleneck this is “v1.5”; "
    "the paper puts it on the first 1×1). Every blue box is a convolution followed by BN; the branch's last BN has "
    "no ReLU of its own, because "
    "the block's ReLU comes after the addition.\n\n"
    "In the top row the Bottleneck does its 3×3 "
    "convolution on a quarter of the block's output channels (64 of 256 here). That keeps it cheap: with the same "
    "3, 4, 6, 3 blocks per stage as ResNet-34, ResNet-50 has 50 layers instead of 34 for only a little more work, "
    "4.1 instead of 3.7 billion multiply-adds in torchvision's models (3.8 instead of 3.6 × 10⁹ in the paper's "
    "Table 1, whose ResNet-50 puts the stride on the first 1×1 convolution) and 25.6 instead of 21.8 million "
    "parameters.",
    "arch_shapes": "What each stage does to the shape of ResNet-{depth}'s features (measured on one {size}×{size} "
    "image):",
    "arch_stem": "**stem** (the paper's conv1, plus the max-pool its Table 1 puts at the start of conv2_x): "
    "{input} → {output}: resolution ÷{stride}.",
    "arch_stage": "**{stage}** (the paper's {paper}; {blocks} × {block_type}): {input} → {output}: {change}. "
    "{shortcuts}",
    "arch_block_BasicBlock": "BasicBlock",
    "arch_block_Bottleneck": "Bottleneck",
    "arch_row_stem": "stem",
    "arch_row_head": "head",
    "arch_paper_stem": "conv1 (+ max-pool)",
    "arch_paper_head": "average pool, fc",
    "arch_shape_kept": "shape kept",
    "arch_res_kept": "resolution kept",
    "arch_res_div": "resolution ÷{stride}",
    "arch_ch_kept": "channels kept",
    "arch_ch_mul": "channels ×{factor}",
    "arch_no_projection": "Every shortcut is x itself.",
    "arch_first_projection": "The first block's shortcut is a projection, a {kernel}×{kernel} convolution with "
    "stride {stride} and BN (`downsample`), so that x gets the shape of F(x).",
    "arch_rest_one": "The other block adds x itself.",
    "arch_rest_many": "The other {count} blocks add x itself.",
    "arch_sep": ", ",
    "arch_projections": "Shortcuts that are projections (`downsample`): {blocks}; the others are x itself.",
    "arch_width_full": "Each {block_type} does its 3×3 convolutions at the block's full output width ({widths} "
    "channels from layer1 to layer4).",
    "arch_width_reduced": "Each {block_type} does its 3×3 convolution on 1/{factor} of its output channels: "
    "{widths}.",
    "arch_width_of": "{width} of {channels} in {stage}",
    "arch_v15": "**Not quite the paper's ResNet-{depth}:** in every {block_type} that halves the resolution, the "
    "stride 2 sits on the 3×3 convolution (torchvision's “v1.5”), where the paper puts it on the first 1×1 "
    "convolution. So this model needs {gmacs:.2f} × 10⁹ multiply-adds where the paper's Table 1 gives "
    "{paper} × 10⁹ FLOPs (which, despite the name, count multiply-adds).",
    "arch_v1": "The stride 2 sits on the first convolution of each {block_type} that halves the resolution, as in "
    "the paper, so this is the paper's ResNet-{depth}: its Table 1 gives {paper} × 10⁹ FLOPs (multiply-adds), and "
    "{gmacs:.2f} × 10⁹ are counted here.",
    "arch_cols": "stage|in the paper|block type|blocks|output (C×H×W)|parameters",
    "arch_totals": "**ResNet-{depth}** · {params:.1f} M parameters · {gmacs:.2f} GMACs (billion multiply-adds) "
    "per {size}×{size} image",
    # feature maps as a lesson
    "enlarged": "Click a tile above to enlarge that channel (the bar under it is its colour scale, from its minimum on "
    "the left to its maximum on the right; ▲ marks its mean)",
    "hook_code": "The forward hooks that captured these maps (resnet_demo/capture.py, read from the package)",
}

ZH = {
    "uses_photo": "使用第一个标签页中的照片（可以在那里上传，或点击示例照片）。",
    "show": "显示",
    "res_intro": f"按照 {RESNET['zh-CN']}的记法，H(x) 是几层堆叠的网络层要学习的目标映射。残差块让这几层改为学习"
    "残差 F(x) := H(x) − x，再由快捷连接把 x 加回去：\n\n"
    "**y = F(x) + x**（式 (1)），相加之后再经过 ReLU，所以块的输出是 ReLU(F(x) + x)。\n\n"
    "如果 F(x) 改变了形状（步幅为 2、通道数增加），x 就不能直接相加，快捷连接要先对它做投影："
    "**y = F(x) + W_s x**（式 (2)）。在 torchvision 中，W_s 是 1×1 卷积加 BN（模块名 `downsample`），"
    "称为投影快捷连接，对应论文的方案 B：只在形状改变的地方用投影，其余地方都用恒等快捷连接。\n\n"
    "为什么要学习 F(x)？如果一个块最好的做法就是让输入原样通过，它只需把 F(x) 压到接近零"
    "（x 刚经过 ReLU，本身非负，所以 ReLU(0 + x) = x）。没有快捷连接时，几层非线性网络得自己拟合出恒等映射；"
    "论文根据深层普通网络的退化现象*推测*，优化器可能很难做到这一点（§3.1）。\n\n"
    "块的名字沿用 torchvision 代码中的写法：先写阶段，再写块在阶段内的序号，序号从 0 开始，"
    "例如 layer3.0 是 layer3 的第一个块。下面的滑块和图表都用这种名字。",
    "res_stage": "块所在的阶段",
    "res_index": "阶段内的块序号（从 0 开始，与 layer3.0 这类名字一致）",
    "res_maps": "所选块中的 x、F(x) 和 ReLU(F(x) + x)（如果这个块用的是投影快捷连接，x 指投影后的 W_s x，"
    "即 `downsample` 的输出）：每个像素位置上所有通道合起来的大小，三张图用同一个色标",
    "res_chart": "在这张照片上，网络中每个块的 ‖F(x)‖ / ‖快捷连接‖（快捷连接传来的是 x；颜色较浅、带虚线边框的柱子"
    "传来的是 W_s x）；把鼠标移到柱子上可以看到具体数值",
    "res_read": "每根柱子把一个块的残差函数 F(x) 与它的快捷连接传来的内容相比较。小于 1，说明这个块加上的修正比输入本身小。"
    "论文的图 7 从另一个角度看同一个问题：它在 CIFAR-10 上测量每一层响应的标准差，发现 ResNet 的响应普遍比普通网络小，"
    "这与“残差函数接近零”的设想一致。颜色较浅、带虚线边框的柱子是使用投影快捷连接的块（1×1 卷积加 BN，"
    "即 torchvision 的 `downsample`，步幅为 1 时也是如此），因为 F(x) 在那里改变了形状："
    "layer2、layer3 和 layer4 的第一个块（步幅 2：分辨率减半，通道数加倍），"
    "以及只在 ResNet-50/101/152 中才有的 layer1 第一个块（步幅 1：通道数 64 → 256，分辨率不变）。"
    "其余块的快捷连接传来的都是 x 本身。",
    "res_shortcut_identity": "{block} 的快捷连接：x 本身（恒等快捷连接，式 (1)），因为这个块不改变形状（{shape}）。",
    "res_shortcut_projection": "{block} 的快捷连接：投影 W_s x，即步幅为 {stride} 的 {kernel}×{kernel} 卷积加 BN"
    "（torchvision 的 `downsample`；式 (2)，方案 B），因为 F(x) 改变了形状：{input} → {output}。",
    "cmp_intro": "网络越深，耗时和内存就越多；那它换来了什么？每一行都在本机上用一种深度处理这张照片：请比较 Top-1 类别"
    "及其概率、耗时、参数量、乘加运算量，以及每个网络关注的区域。\n\n"
    "**各行之间的差别不只是深度。** ResNet-18 和 ResNet-34 加载的是 torchvision 的 `IMAGENET1K_V1` 权重，"
    "训练方案比较简单，结果与论文很接近；ResNet-50、ResNet-101 和 ResNet-152 加载的是 `IMAGENET1K_V2`，"
    "用的是 torchvision 较新的训练方案（训练时间长得多，还用了标签平滑、mixup、CutMix 和更强的数据增强），"
    "这也使它们给出的概率没那么“自信”。所以，ResNet-34 和 ResNet-50 之间的跳变不能全算在深度头上。"
    "表中列出了每一行所用的权重及其公开的 ImageNet 准确率（torchvision 在验证集上公布的数字，不是本机测得的）。"
    "乘加运算量是 torchvision 模型的数字；其中 ResNet-50/101/152 是“v1.5”版本（见*网络结构*标签页），"
    "因此与论文表 1 的数字不同。",
    "cmp_depths": "要比较的深度",
    "cmp_table": "同一张照片，不同深度",
    "cmp_cams": "每种深度的网络关注哪里：各自 Top-1 类别（见上表，顺序相同）的 CAM，叠加在各自的中心裁剪区域上",
    "cmp_cols": "深度|权重|Top-1|概率|ImageNet Top-1 准确率（%）|Top-5 准确率（%）|耗时（毫秒）|参数量（百万）|"
    "乘加（十亿次）",
    "cmp_untrained": "随机（未训练）",
    "grad_intro": f"为什么很深的普通网络训练效果差？{RESNET['zh-CN']}发现，34 层普通网络最终的*训练*误差反而比 18 层的高，"
    "这就是退化。论文认为这不太可能是梯度消失造成的：这些普通网络都用了 BN，作者也检查过回传的梯度，其范数正常"
    "（§4.1）；他们推测，深层普通网络的收敛速度可能极慢。至于“快捷连接的 + x 给梯度开了一条直接回传的路”"
    f"（相加处的梯度除了经过 F 的那条路，还会直接交给 x），这种看法是后来 {IDENTITY['zh-CN']}才系统阐述的。\n\n"
    "这个标签页不训练任何网络。它用一张照片，测量冻结的网络（有 ImageNet 权重时用训练好的权重，另外还有随机初始化的权重）"
    "中到达每个块的梯度，保留快捷连接和去掉快捷连接各测一次。网络运行在**评估模式**下：BN 用随权重保存下来的统计量做归一化。"
    "在**训练模式**下，BN 用每一批数据自己的统计量做归一化，这时带 BN 的深层普通网络在初始化时梯度会*爆炸*，"
    f"越靠近输入越大，{YANG['zh-CN']}在《A Mean Field Theory of Batch Normalization》中证明了这一点。"
    "**退化实验**标签页会现场训练普通网络和残差网络，并记录正在学习的网络的梯度。",
    "grad_chart": "损失对每个块输出的梯度（对数坐标；块按从输入到输出的顺序排列，名字与 torchvision 相同）",
    "grad_read": "实线：ResNet。虚线：同样的权重，但去掉了所有快捷连接（包括投影快捷连接），每个块只计算 ReLU(F(x))。"
    "下面的数字都读自图中的曲线。",
    "grad_weights_trained": "**训练好的权重：**",
    "grad_weights_random": "**随机初始化：**",
    "grad_residual_line": "有快捷连接时（实线），梯度从最后一个块（{last}）回传到第一个块（{first}），{trend}。",
    "grad_plain_line": "去掉快捷连接后（虚线），梯度{trend}。",
    "grad_trend_up": "增大到约 {factor} 倍",
    "grad_trend_down": "减小到原来的约 {factor} 分之一",
    "grad_trend_flat": "变化不到 2 倍",
    "grad_first_less": "在第一个块（{first}），ResNet 的梯度约为去掉快捷连接后的 {factor} 倍。",
    "grad_first_more": "在第一个块（{first}），去掉快捷连接后的梯度约为 ResNet 的 {factor} 倍。",
    "grad_first_same": "在第一个块（{first}），两者大小相近（相差不到 2 倍）。",
    "grad_with_skips": "有快捷连接",
    "grad_without_skips": "去掉快捷连接",
    "grad_saturated": "{variant}：损失在 float32 精度下为 0（标签类别的概率被舍入成 1），所以这些梯度不是 0 就是舍入误差，"
    "没有可读的内容。",
    "grad_random_why": "这里 ResNet 的梯度为什么越靠近输入越大？初始化时，BN 保存的统计量还是均值 0、方差 1，"
    "所以在评估模式下（本页用的就是评估模式）BN 实际上没有做任何归一化：每个 + x 都把 F(x) 叠加到 x 上，"
    "信号一块比一块大，沿着同样的加法回传的梯度也随之变大。",
    "grad_random_gap": "所以两条线之间的差距主要来自 ResNet 梯度的增大，而不是普通网络梯度的消失。",
    "grad_trained_cut": "训练好的权重对应的虚线，是把训练好的 ResNet 的快捷连接剪掉后得到的，并不是单独训练出来的普通网络："
    "它反映的是这个网络有多依赖快捷连接，而不是普通网络本来会学成什么样。",
    "grad_untrained": "这里没有训练好的权重，因此只显示随机初始化的结果。",
    "arch_intro": "所选 ResNet 的阶段表，由模型本身针对一张 224×224 的输入计算得出（这是它的 ImageNet 预处理裁剪出的尺寸）；"
    "表格下方同样是实测结果：每个阶段如何改变特征的形状。torchvision 的 layer1–layer4 就是论文表 1 中的 "
    "conv2_x–conv5_x，只有 3×3 最大池化的归属不同：论文把它算作 conv2_x 的开头，torchvision 则在 layer1 之前、"
    "在本应用所说的起始层（7×7 卷积、BN、ReLU、最大池化）里完成它。各种深度都遵循同一规律：layer1 保持起始层输出的分辨率，"
    "layer2、layer3、layer4 各自把分辨率减半、通道数加倍。凡是 x 与 F(x) 形状不一致的地方，快捷连接都是投影"
    "（1×1 卷积加 BN，即 `downsample`）；其他地方快捷连接传的就是 x 本身。\n\n"
    "**torchvision 的 ResNet-50/101/152 是“ResNet v1.5”。** 在要把分辨率减半的瓶颈块中，torchvision 把步幅 2 "
    "放在 3×3 卷积上，而论文放在第一个 1×1 卷积上。这样 3×3 卷积是在较高的分辨率上计算的：计算量比论文表 1 "
    "略多（表格下方的说明给出了两个数字），据 torchvision 介绍，准确率也略高一些。",
    "arch_table": "各个阶段（由模型计算）",
    "arch_diagram": "图中是 torchvision 的 ResNet 中的四个残差块。**上面一行**：不改变输入形状的基础块（两个 3×3 卷积）"
    "和瓶颈块（1×1 卷积降维、3×3 卷积、1×1 卷积再升维），快捷连接传的就是 x 本身，块的计算是\n\n"
    "**y = F(x) + x**（论文中的式 (1)），然后经过 ReLU。\n\n"
    "**下面一行**：layer2 的第一个块，即下采样块。它把分辨率减半、通道数加倍，x 与 F(x) 的形状不再一致，"
    "所以快捷连接要做投影：\n\n"
    "**y = F(x) + W_s x**（式 (2)），然后经过 ReLU。其中 W_s 是步幅为 2 的 1×1 卷积再接 BN（torchvision 的 "
    "`downsample`，即论文的方案 B）。在残差分支里，torchvision 把步幅 2 放在基础块的第一个 3×3 卷积上，"
    "以及瓶颈块的 3×3 卷积上（瓶颈块的这种放法称为“v1.5”，论文则放在第一个 1×1 卷积上）。图中每个蓝色方框都是卷积再接 BN；分支最后一个 BN "
    "后面没有自己的 ReLU，因为块的 ReLU 在相加之后。\n\n"
    "上面一行的瓶颈块只在块输出通道数的四分之一上做 3×3 卷积（这里是 256 个中的 64 个），"
    "因此很省计算：ResNet-50 每个阶段的块数和 ResNet-34 相同（3、4、6、3），层数却从 34 增加到 50，计算量只多了一点："
    "在 torchvision 的模型中，乘加运算从 37 亿次增加到 41 亿次（论文表 1 中是从 3.6 × 10⁹ 到 3.8 × 10⁹，"
    "论文的 ResNet-50 把步幅放在第一个 1×1 卷积上），参数从 2180 万增加到 2560 万。",
    "arch_shapes": "ResNet-{depth} 的每个阶段如何改变特征的形状（在一张 {size}×{size} 的图像上实测）：",
    "arch_stem": "**起始层**（论文的 conv1，再加上论文表 1 放在 conv2_x 开头的最大池化）：{input} → {output}："
    "分辨率 ÷{stride}。",
    "arch_stage": "**{stage}**（论文的 {paper}；{blocks} 个{block_type}）：{input} → {output}：{change}。{shortcuts}",
    "arch_block_BasicBlock": "基础块",
    "arch_block_Bottleneck": "瓶颈块",
    "arch_row_stem": "起始层",
    "arch_row_head": "分类头",
    "arch_paper_stem": "conv1（另加最大池化）",
    "arch_paper_head": "平均池化、全连接层",
    "arch_shape_kept": "形状不变",
    "arch_res_kept": "分辨率不变",
    "arch_res_div": "分辨率 ÷{stride}",
    "arch_ch_kept": "通道数不变",
    "arch_ch_mul": "通道数 ×{factor}",
    "arch_no_projection": "所有快捷连接传的都是 x 本身。",
    "arch_first_projection": "第一个块的快捷连接是投影：步幅为 {stride} 的 {kernel}×{kernel} 卷积加 BN（`downsample`），"
    "让 x 变成与 F(x) 相同的形状。",
    "arch_rest_one": "另一个块直接加上 x 本身。",
    "arch_rest_many": "其余 {count} 个块直接加上 x 本身。",
    "arch_sep": "，",
    "arch_projections": "快捷连接是投影（`downsample`）的块：{blocks}；其余块的快捷连接传的是 x 本身。",
    "arch_width_full": "每个{block_type}都在块的全部输出通道上做 3×3 卷积（从 layer1 到 layer4 依次是 {widths} 个通道）。",
    "arch_width_reduced": "每个{block_type}只在输出通道数的 1/{factor} 上做 3×3 卷积：{widths}。",
    "arch_width_of": "{stage} 为 {channels} 个中的 {width} 个",
    "arch_v15": "**与论文中的 ResNet-{depth} 并不完全相同**：在每个要把分辨率减半的{block_type}中，步幅 2 放在 3×3 卷积上"
    "（torchvision 的“v1.5”），而论文放在第一个 1×1 卷积上。因此这个模型需要 {gmacs:.2f} × 10⁹ 次乘加，"
    "而论文表 1 给出的是 {paper} × 10⁹ FLOPs（名为 FLOPs，数的其实是乘加次数）。",
    "arch_v1": "在每个要把分辨率减半的{block_type}中，步幅 2 都放在第一个卷积上，与论文相同，所以这就是论文中的 "
    "ResNet-{depth}：论文表 1 给出 {paper} × 10⁹ FLOPs（即乘加次数），这里数得 {gmacs:.2f} × 10⁹ 次。",
    "arch_cols": "阶段|论文中的名称|块类型|块数|输出（C×H×W）|参数量",
    "arch_totals": "**ResNet-{depth}** · 参数量 {params:.1f} M · 每张 {size}×{size} 图像 {gmacs:.2f} GMACs（十亿次乘加）",
    "enlarged": "点击上方任意一个小图，即可放大该通道（下方色条是它的颜色刻度：左端为最小值，右端为最大值，▲ 标出平均值）",
    "hook_code": "捕获这些特征图的前向钩子（代码直接读自 resnet_demo/capture.py）",
}

add_strings(EN, ZH)
