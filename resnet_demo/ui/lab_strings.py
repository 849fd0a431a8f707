"""The degradation lab's words, in English and 简体中文 (registered with `strings.add_strings`).

The setup table and the gradient sentences are filled in from the settings and the run by
`lab_text.py`; the recorded run's figures in "what to expect" are checked against the recorded
file by tests/test_lab_text.py.
"""

from __future__ import annotations

from .citations import RESNET
from .strings import add_strings

EN = {
    "tab_lab": "Degradation lab",
    "lab_intro": f"**The problem ResNet solved.** {RESNET['en']} trained *plain* networks of 20 and 56 layers on "
    "CIFAR-10 with the same optimiser: the deeper one ended with a **higher training error** (Fig. 1), so this is "
    "not overfitting: the deeper network is harder to optimise. With shortcut connections, the 56-layer network "
    "trains better than the 20-layer one (Fig. 6). Here you can watch it happen: four small networks built like the "
    "paper's CIFAR networks (6n+2 layers: a 3×3 convolution, three stages of 16, 32 and 64 channels, average "
    "pooling and a fully connected layer), plain-20, plain-56, ResNet-20 and ResNet-56, take the same SGD step on "
    "the same batches. Their shortcuts are the paper's **option A** for CIFAR (§4.2): where a stage halves the "
    "resolution, x is subsampled and padded with zero channels, so there are no 1×1 convolutions and no extra "
    "parameters. A plain network and the ResNet of the same depth therefore have exactly the same weights, and "
    "they start from the same values (the two depths start from different ones). Until you press *Train*, the "
    "charts show a longer run recorded with the same code.",
    "lab_expect": "**What to expect here.** The CPU run (about 2 minutes) already shows the degradation: plain-56 "
    "stays near chance while plain-20 learns, and both residual networks end far below both plain ones, "
    "ResNet-56 level with ResNet-20. In the recorded run (2000 steps, about 12 minutes) plain-56 is still at 69% "
    "training error when plain-20 is at 6%, and ResNet-56 (3%) ends close to ResNet-20 (1%) but not below it: the "
    "shortcuts remove the degradation, but for the deeper ResNet to win, as in the paper's Fig. 6, it takes "
    "CIFAR-10 and the paper's far longer schedule (64,000 steps).",
    "lab_setup_title": "**How this lab differs from the paper's CIFAR-10 setup (§4.2).** Everything not in the "
    "table is as in the paper: SGD with momentum 0.9 and weight decay 10⁻⁴, He initialisation, BN after every "
    "convolution, the 6n+2 layout.",
    "lab_setup_cols": "setting|the paper|CPU run (every server)|GPU run (GPU servers only)",
    "lab_row_data": "training data",
    "lab_row_size": "image size",
    "lab_row_augment": "augmentation",
    "lab_row_batch": "batch size",
    "lab_row_lr": "learning rate",
    "lab_row_steps": "learning rate ÷10 at",
    "lab_row_iterations": "iterations",
    "lab_row_init": "initial weights",
    "lab_row_limit": "time limit",
    "lab_row_measured": "curves shown",
    "lab_val_cifar": "CIFAR-10, {n} images",
    "lab_val_generated": "{n} generated images (textures and shapes, 10 classes)",
    "lab_val_auto": "CIFAR-10 ({n} images) when it can be downloaded, else generated images",
    "lab_val_all": "all",
    "lab_val_augment": "4-pixel padding, random crops, horizontal flips",
    "lab_val_no_augment": "none",
    "lab_val_steps": "iterations {steps} ({percents} of the run)",
    "lab_val_init_paper": "He initialisation",
    "lab_val_init_lab": "He initialisation, drawn once per depth: plain-20 and ResNet-20 start equal, and so do "
    "plain-56 and ResNet-56",
    "lab_val_no_limit": "none",
    "lab_and": " and ",
    "lab_val_limit": "{seconds:.0f} s",
    "lab_val_measured_paper": "training error and test error",
    "lab_val_measured_lab": "training error only, on the batches trained on",
    "lab_setup_label": "This lab and the paper",
    "lab_preset": "Size of the run",
    "lab_preset_cpu": "CPU: about 2 minutes (small images, a few hundred steps)",
    "lab_preset_gpu": "GPU: closer to the paper (32×32 images, batch 128, thousands of steps)",
    "lab_train": "Train",
    "lab_stop": "Stop",
    "lab_read": "Solid lines: residual networks; dashed: plain ones; one colour per depth. The training error is "
    "measured on the batches the networks are trained on (the last few steps). Hover over a line for its exact "
    "values.",
    "lab_gradients_read": "Right: the gradient of the loss reaching each block's output at the latest step shown, "
    "in networks that are actually learning (the blocks are numbered from 1 at the input: these small networks "
    "have no torchvision names). The sentences below are read off that chart.",
    "lab_grad_head": "**At iteration {iteration}:**",
    "lab_grad_line": "{net}: from its last block back to block 1 the gradient {trend}.",
    "lab_grad_dip": "In between it dips: at {where} it is smaller than at the last block by a factor of about "
    "{factor}.",
    "lab_at_block": "block {span}",
    "lab_at_blocks": "blocks {span}",
    "lab_grad_fine": "So at this step no plain network's gradient vanishes: nowhere does it fall below a tenth of "
    "its value at the last block, as the paper reports for its BN networks (§4.1).",
    "lab_grad_vanish": "So at this step the gradient of {nets} does fall below a tenth of its value at the last "
    "block somewhere inside the network, even though it uses BN. Watch whether this lasts as training goes on.",
    "lab_cols": "network|training error (%)|loss",
    "lab_status": "**{state}** · iteration {iteration} of {iterations} · {speed:.1f} iterations/s · about {left:.0f} s "
    "left · {elapsed:.0f} s so far ({paused:.0f} s paused for other visitors' requests)\n\n{note}",
    "lab_running": "Training",
    "lab_done": "Done",
    "lab_stopped": "Stopped",
    "lab_time_limit": "Stopped at its time limit",
    "lab_recorded": "**Recorded run** (not live): preset *{preset}*, {iterations} iterations on {data}, seed {seed}, "
    "trained on {machine} ({device}) on {date} in {minutes:.1f} minutes. Press *Train* to run it yourself.",
    "lab_data_cifar10": "CIFAR-10",
    "lab_data_generated": "generated textures",
    "lab_machine": "{cpu} ({cores} cores, torch uses {threads} threads)",
    "lab_machine_gpu": "{gpu}, on a host with {cpu} ({cores} cores)",
    "lab_data_note_cifar10": "Data: the CIFAR-10 training set, {count} photos of {size}×{size} pixels.",
    "lab_data_note_generated": "Data: generated textures and shapes, {count} images in 10 classes, {size}×{size} pixels.",
    "lab_fallback_offline": "CIFAR-10 is not on this server and could not be downloaded, so the lab uses generated "
    "images instead.",
    "lab_fallback_damaged": "The CIFAR-10 file on this server was damaged (it has been deleted), so the lab uses "
    "generated images instead.",
    "lab_depth": "{depth} layers",
    "lab_net_plain": "plain-{depth}",
    "lab_net_resnet": "ResNet-{depth}",
}

ZH = {
    "tab_lab": "退化实验",
    "lab_intro": f"**ResNet 解决的问题。** {RESNET['zh-CN']}在 CIFAR-10 上用同样的优化器训练了 20 层和 56 层的*普通*网络："
    "更深的那个最后的**训练误差反而更高**（图 1），所以这不是过拟合，而是更深的网络更难优化。加上快捷连接后，"
    "56 层的网络比 20 层的训练得更好（图 6）。在这里可以亲眼看到这一现象：四个仿照论文 CIFAR 网络搭建的小网络"
    "（6n+2 层：一个 3×3 卷积，三个阶段分别有 16、32、64 个通道，然后是平均池化和全连接层）——普通网络-20、普通网络-56、"
    "ResNet-20 和 ResNet-56——在相同的批次上执行相同的 SGD 更新。它们的快捷连接采用论文在 CIFAR 上用的**方案 A**（§4.2）："
    "在分辨率减半的地方，对 x 隔点采样，再用全零通道补足通道数，因此没有 1×1 卷积，也没有额外参数。"
    "所以同样深度的普通网络和 ResNet 权重完全相同，而且从相同的初始值出发（两种深度的初始值各不相同）。"
    "在你按下*训练*之前，图中显示的是用同一份代码事先记录的一次更长的训练。",
    "lab_expect": "**可以看到什么。** CPU 上的这次训练（约 2 分钟）就已经能看到退化：普通网络-56 的误差一直停在随机猜测的水平附近，"
    "普通网络-20 却在学习；两个残差网络最后都远低于两个普通网络，ResNet-56 与 ResNet-20 不相上下。"
    "在事先记录的训练中（2000 步，约 12 分钟），普通网络-20 的训练误差降到 6% 时，普通网络-56 仍有 69%；"
    "ResNet-56（3%）最后接近 ResNet-20（1%），但没有更低：快捷连接消除了退化，可要像论文图 6 那样让更深的 ResNet 胜出，"
    "还需要 CIFAR-10 数据和论文那样长得多的训练（64,000 步）。",
    "lab_setup_title": "**本实验与论文 CIFAR-10 设置（§4.2）的不同之处。** 表中没有列出的设置都与论文相同："
    "SGD（动量 0.9，权重衰减 10⁻⁴）、He 初始化、每个卷积之后接 BN、6n+2 的网络布局。",
    "lab_setup_cols": "设置|论文|CPU 训练（所有服务器）|GPU 训练（仅限有 GPU 的服务器）",
    "lab_row_data": "训练数据",
    "lab_row_size": "图像尺寸",
    "lab_row_augment": "数据增强",
    "lab_row_batch": "批量大小",
    "lab_row_lr": "学习率",
    "lab_row_steps": "学习率除以 10 的时刻",
    "lab_row_iterations": "迭代次数",
    "lab_row_init": "初始权重",
    "lab_row_limit": "时间上限",
    "lab_row_measured": "显示的曲线",
    "lab_val_cifar": "CIFAR-10，{n} 张图像",
    "lab_val_generated": "程序生成的 {n} 张图像（纹理和形状，10 个类别）",
    "lab_val_auto": "能下载时用 CIFAR-10（{n} 张图像），否则用程序生成的图像",
    "lab_val_all": "全部",
    "lab_val_augment": "四周各填充 4 像素后随机裁剪，随机水平翻转",
    "lab_val_no_augment": "无",
    "lab_val_steps": "第 {steps} 次迭代（训练进行到 {percents} 时）",
    "lab_val_init_paper": "He 初始化",
    "lab_val_init_lab": "He 初始化，每种深度只抽取一次：普通网络-20 与 ResNet-20 初始值相同，普通网络-56 与 ResNet-56 也相同",
    "lab_val_no_limit": "无",
    "lab_and": " 和 ",
    "lab_val_limit": "{seconds:.0f} 秒",
    "lab_val_measured_paper": "训练误差和测试误差",
    "lab_val_measured_lab": "只有训练误差，在训练所用的批次上测得",
    "lab_setup_label": "本实验与论文的对比",
    "lab_preset": "训练规模",
    "lab_preset_cpu": "CPU：约 2 分钟（小图像，几百步）",
    "lab_preset_gpu": "GPU：更接近论文（32×32 图像，批量大小 128，数千步）",
    "lab_train": "训练",
    "lab_stop": "停止",
    "lab_read": "实线：残差网络；虚线：普通网络；同一深度用同一种颜色。训练误差是在网络训练所用的批次上（最近几步）测得的。"
    "把鼠标移到曲线上可以看到具体数值。",
    "lab_gradients_read": "右图：在所显示的最近一步，损失到达每个块输出的梯度，这些网络都正在学习"
    "（块从输入端起编号，第 1 个最靠近输入：这些小网络没有 torchvision 那样的名字）。下面的句子都读自这张图。",
    "lab_grad_head": "**第 {iteration} 次迭代时：**",
    "lab_grad_line": "{net}：梯度从最后一个块回传到第 1 个块，{trend}。",
    "lab_grad_dip": "中途有一段低谷：在{where}，梯度只有最后一个块的约 {factor} 分之一。",
    "lab_at_block": "第 {span} 个块",
    "lab_at_blocks": "第 {span} 个块",
    "lab_grad_fine": "所以在这一步，没有哪个普通网络的梯度消失：任何一个块上的梯度都不低于最后一个块的十分之一，"
    "这与论文对其带 BN 网络的报告一致（§4.1）。",
    "lab_grad_vanish": "所以在这一步，{nets} 的梯度在网络内部某处确实降到了最后一个块的十分之一以下，即使用了 BN 也是如此。"
    "请留意随着训练进行，这种情况是否持续。",
    "lab_cols": "网络|训练误差（%）|损失",
    "lab_status": "**{state}** · 第 {iteration} / {iterations} 次迭代 · 每秒 {speed:.1f} 次迭代 · 约剩 {left:.0f} 秒 · "
    "已用 {elapsed:.0f} 秒（其中 {paused:.0f} 秒为其他访问者的请求让路）\n\n{note}",
    "lab_running": "训练中",
    "lab_done": "完成",
    "lab_stopped": "已停止",
    "lab_time_limit": "已到时间上限，停止",
    "lab_recorded": "**事先记录的训练**（不是实时的）：预设 *{preset}*，在{data}上训练 {iterations} 次迭代，随机种子 {seed}，"
    "于 {date} 在 {machine}（{device}）上用时 {minutes:.1f} 分钟。按*训练*即可自己运行一次。",
    "lab_data_cifar10": "CIFAR-10",
    "lab_data_generated": "程序生成的纹理图像",
    "lab_machine": "{cpu}（{cores} 核，torch 使用 {threads} 个线程）",
    "lab_machine_gpu": "{gpu}（主机 CPU 为 {cpu}，{cores} 核）",
    "lab_data_note_cifar10": "数据：CIFAR-10 训练集，{count} 张 {size}×{size} 像素的照片。",
    "lab_data_note_generated": "数据：程序生成的纹理和形状图像，共 {count} 张，分为 10 类，每张 {size}×{size} 像素。",
    "lab_fallback_offline": "这台服务器上没有 CIFAR-10，也无法下载，所以改用程序生成的图像。",
    "lab_fallback_damaged": "这台服务器上的 CIFAR-10 文件已损坏（已被删除），所以改用程序生成的图像。",
    "lab_depth": "{depth} 层",
    "lab_net_plain": "普通网络-{depth}",
    "lab_net_resnet": "ResNet-{depth}",
}

add_strings(EN, ZH)
