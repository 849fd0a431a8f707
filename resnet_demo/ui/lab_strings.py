"""The degradation lab's words, in English and 简体中文 (registered with `strings.add_strings`)."""

from __future__ import annotations

from .strings import add_strings

EN = {
    "tab_lab": "Degradation lab",
    "lab_intro": "**The problem ResNet solved.** He et al. (2015) trained *plain* networks of 20 and 56 layers on the "
    "same data with the same optimiser: the deeper one ended with a **higher training error** (their Fig. 1), so "
    "it is not overfitting, it is harder to optimise. With shortcut connections, the 56-layer network trains as "
    "well as the 20-layer one or better (Fig. 6). Here you can watch it happen: four small CIFAR-style networks "
    "(6n+2 layers, three stages of 16, 32 and 64 channels), plain-20, plain-56, ResNet-20 and ResNet-56, start "
    "from the same weights and take the same SGD step (momentum 0.9, weight decay 10⁻⁴) on the same batches. "
    "Until you press *Train*, the charts show a longer run recorded with the same code.\n\n"
    "**What to expect here.** The CPU run (about 2 minutes, small generated images) already shows the degradation: "
    "plain-56 stays near chance while plain-20 learns, and both residual networks fall far below both plain ones, "
    "ResNet-56 level with ResNet-20. In the recorded run (2000 steps, 12 minutes) plain-56 is still at 69% "
    "training error when plain-20 is at 6%, and ResNet-56 (3%) ends close to ResNet-20 (1%) but not below it: "
    "the shortcuts remove the degradation; for the deeper ResNet to win, as in the paper's Fig. 6, it takes "
    "CIFAR-10 and the paper's far longer schedule (64,000 steps).",
    "lab_preset": "Size of the run",
    "lab_preset_cpu": "CPU: about 2 minutes (small images, a few hundred steps)",
    "lab_preset_gpu": "GPU: closer to the paper (32×32 images, batch 128, thousands of steps)",
    "lab_train": "Train",
    "lab_stop": "Stop",
    "lab_read": "Solid lines: residual networks; dashed: plain ones; one colour per network. The training error is "
    "measured on the batches the networks are trained on (the last few steps), as in the paper's curves. Hover "
    "over a line for its exact values.",
    "lab_gradients_read": "Right: the gradient of the loss reaching each block's output, at the latest step of "
    "networks that are actually learning. With BatchNorm, the plain networks' gradients do not simply vanish "
    "(the paper says so too); compare how they are spread over the blocks with the residual networks'.",
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
    "lab_depth": "{depth} layers",
}

ZH = {
    "tab_lab": "退化实验",
    "lab_intro": "**ResNet 解决的问题。** He 等人（2015）用同样的数据和同样的优化器训练了 20 层和 56 层的*普通*网络："
    "更深的那个最后的**训练误差反而更高**（论文图 1）。所以这不是过拟合，而是更难优化。加上捷径连接后，56 层的网络"
    "训练得和 20 层的一样好甚至更好（图 6）。在这里你可以亲眼看到这一现象：四个小型 CIFAR 风格的网络（6n+2 层，"
    "三个阶段分别有 16、32、64 个通道）——普通网络-20、普通网络-56、ResNet-20 和 ResNet-56——从相同的权重出发，"
    "在相同的批次上执行相同的 SGD 步骤（动量 0.9，权重衰减 10⁻⁴）。在你按下*训练*之前，图中显示的是用同一份代码"
    "事先记录的一次更长的训练。",
    "lab_preset": "训练规模",
    "lab_preset_cpu": "CPU：约 2 分钟（小图像，几百步）",
    "lab_preset_gpu": "GPU：更接近论文（32×32 图像，批大小 128，数千步）",
    "lab_train": "训练",
    "lab_stop": "停止",
    "lab_read": "实线：残差网络；虚线：普通网络；每个网络一种颜色。训练误差是在网络正在训练的批次上（最近几步）测得的，"
    "和论文中的曲线一样。把鼠标移到曲线上可以看到具体数值。",
    "lab_gradients_read": "右图：在最近一步，损失到达每个块输出的梯度——这些网络正在真正地学习。有了 BatchNorm，"
    "普通网络的梯度并不会简单地消失（论文也这样说）；请比较它们在各个块之间的分布和残差网络有何不同。",
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
    "lab_depth": "{depth} 层",
}

add_strings(EN, ZH)
