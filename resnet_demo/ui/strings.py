"""Every word the web app shows, in English and 简体中文.

Static labels go to the browser through Gradio's I18n (the browser's language picks the table;
Gradio's settings menu can switch it). Text a handler builds at run time (status line, error
messages) uses `say`, with the language taken from the request's Accept-Language header.
ImageNet class names come from `class_names` (torchvision's English, or our Chinese list).
"""

from __future__ import annotations

EN: dict[str, str] = {
    # page
    "title": "ResNet Explorer",
    "tagline": "Pick a depth, upload a photo, and see what a residual network does with it: its predictions, "
    "where it looks (Grad-CAM and other CAM methods) and the feature maps of every stage. The other tabs teach "
    "the ideas behind ResNet.",
    "tab_explain": "Explain a photo",
    "tab_residual": "Residual learning",
    "tab_compare": "Compare depths",
    "tab_gradients": "Gradient flow",
    "tab_architecture": "Architecture",
    # inputs
    "photo": "Photo (upload, webcam or paste)",
    "examples": "Example photos (public domain, see assets/README.md)",
    "depth": "Depth",
    "method": "CAM method",
    "method_slow": "{title} (slow)",
    "method_info": "Score-CAM runs the network once per channel: slow, so it is computed for the chosen stage "
    "only, for its strongest channels, after the other panels, with progress and a stop button.",
    "stage": "Stage to explain",
    "stage_info": "layer4 is coarse but most about the class; layer1 is sharp but about edges and texture "
    "(there Grad-CAM is unreliable: try LayerCAM).",
    "target": "Class to explain",
    "target_info": "Top-1 by default. Search all 1000 ImageNet classes by index or name, or click a prediction.",
    "top1": "Top-1 prediction",
    "top_k": "Predictions to show",
    "opacity": "Heat-map opacity",
    "all_stages": "CAM at every stage (layer1 → layer4)",
    # outputs
    "predictions": "Predictions (click one to explain it)",
    "overlay": "Where the network looks: the CAM over the centre crop the model actually saw",
    "cam_strip": "The same class explained at each stage (a grey tile: that stage was not computed; tick “CAM at every "
    "stage” to see all four)",
    "feature_maps": "Feature maps captured by forward hooks",
    "stage_note": "Each tile is one channel (its index in the corner), scaled to its own range; "
    "the strongest channels by mean activation are shown. The shapes line gives each stage's C×H×W: layer1 keeps "
    "the stem's resolution (in ResNet-50/101/152 it widens the channels from 64 to 256), then layer2, layer3 and "
    "layer4 each halve the resolution and double the channels.",
    "downloads": "Downloads (overlay JPEG, result JSON; the overlay at full resolution and the feature maps as NPZ on request)",
    "export_npz": "Prepare feature maps (NPZ)",
    "status_idle": "Upload a photo or click an example to start.",
    # status line pieces
    "device": "Device",
    "weights": "Weights",
    "weights_imagenet": "ImageNet (trained)",
    "weights_random": "random (UNTRAINED)",
    "weights_file": "file",
    "total": "total",
    # the engine's timing phases (Explanation.timings), in the status line
    "phase_preprocess": "preprocess",
    "phase_forward": "forward",
    "phase_backward": "backward",
    "phase_collect": "collect",
    "phase_cam": "CAM",
    "crop_note": "The model sees only a square from the middle of the photo (resize, then centre crop: a little is "
    "cut off every edge, even along the shorter side); the overlay shows exactly that square.",
    # banner
    "banner_untrained": "⚠️ **This network is UNTRAINED (random weights)**: its predictions and heat maps mean nothing. "
    "ImageNet weights for {depths} could not be loaded (no internet and no cached file). "
    "To fix: run `python -m resnet_demo download` on a machine with internet (or copy the files into "
    "`$TORCH_HOME/hub/checkpoints/`), or start the app with `--weights PATH`.",
    "banner_random": "⚠️ **This network is UNTRAINED**: the app was started with `--weights random`, "
    "so predictions and heat maps mean nothing. Start it without that flag to use ImageNet weights.",
    # errors
    "err_image": "This photo cannot be used.",
    "err_weights": "The network's weights could not be loaded.",
    "err_memory": "The server ran out of memory for this request.",
    "err_value": "That setting is not valid.",
    "err_unexpected": "Something went wrong on the server ({kind}). Please try again; if it keeps happening, tell your teacher.",
    "err_no_photo": "Please upload a photo first.",
    "err_target": "No ImageNet class matches “{text}”. Pick one from the list, or give its index (0-999) or its name.",
    "err_not_uploaded": "Only photos uploaded to this page can be used. Please upload the photo again.",
    "err_expired": "The server no longer keeps this result (it keeps the most recent ones). Please run it again.",
    "err_photo_gone": "The photo is no longer on the server (uploads are kept for an hour). Please upload it again.",
    "err_stopped": "Stopped before it finished.",
    # Gradio 6.31 shows this key of its own when a streamed event ends, but its tables lack it
    "common.complete": "Done",
    # an engine error's case (DemoError.reason) worded here, its numbers from DemoError.facts
    "err_reason_empty": "The file is empty. Please upload a photo as JPEG, PNG, WebP, GIF, BMP or TIFF.",
    "err_reason_svg": "SVG drawings cannot be read; export the drawing as a PNG and upload that.",
    "err_reason_unreadable": "This file is not an image this app can read. Please upload a photo as JPEG, PNG, WebP, "
    "GIF, BMP or TIFF.",
    "err_reason_file_too_large": "The file is {mb} MB; the limit is {limit} MB. Please upload a smaller photo.",
    "err_reason_missing": "The file is not there any more. Please upload it again.",
    "err_reason_folder": "That is a folder, not an image file.",
    "err_reason_too_many_pixels": "This image is too large ({width}×{height} pixels); the limit is {limit} "
    "megapixels. Please resize it or upload a smaller photo.",
    "err_reason_too_many_pixels_unknown": "This image is too large; the limit is {limit} megapixels. Please resize it "
    "or upload a smaller photo.",
    "err_reason_too_small": "This image is only {width}×{height} pixels; the network needs at least {min_side} pixels "
    "on each side to see anything. Please upload a larger photo.",
    "err_reason_too_elongated": "This image ({width}×{height} pixels) is refused, not shrunk: it is more than "
    "{aspect} times wider than it is tall (or taller than wide), a shape no camera makes. Please crop it and upload "
    "it again.",
    "err_reason_damaged": "The image file is damaged or incomplete and could not be decoded. Please upload it again.",
    "err_reason_colour_mode": "Images in colour mode {mode} are not supported. Please save it as an RGB photo.",
    "err_reason_paste_unreadable": "The pasted picture could not be read (it is not a base64 data URL). Please upload "
    "it as a file.",
    "err_reason_paste_too_large": "The pasted picture is over {limit} MB; please upload it as a file instead (up to "
    "{upload_limit} MB).",
    "err_reason_paste_damaged": "The pasted picture could not be read (damaged data). Please try again.",
    "err_reason_out_of_memory": "Try again in a moment, or pick a smaller depth (this was ResNet-{depth} on "
    "{device}).",
    "err_detail_logged": "The details are in the server's log; if it keeps happening, tell your teacher.",
    # the slow lane (Score-CAM)
    "score_pending": "**Score-CAM** runs after the other panels, in its own lane (one at a time on this server): "
    "it scores the {n} strongest channels of {stage} (of {c}), one forward pass each.",
    "score_progress": "**Score-CAM** at {stage}: {done} of {total} channels scored · about {eta:.0f} s left",
    "score_done": "**Score-CAM** at {stage}: the {n} strongest channels (of {c}) scored in {seconds:.1f} s.",
    "score_queued": "**Score-CAM** is waiting for the one before it to finish…",
    "score_stopped": "**Score-CAM** was stopped. Choose the method or the stage again to compute it.",
    "stop": "Stop Score-CAM",
    "export_full": "Full-resolution overlay (JPEG)",
    "decoded": "photo {w}×{h}, decoded at 1/{factor} scale (the model needs 224 px)",
}

ZH: dict[str, str] = {
    "title": "ResNet 探索器",
    "tagline": "选择网络深度，上传一张照片，看看残差网络如何处理它：预测结果、网络关注的区域（Grad-CAM 及其他 CAM 方法）"
    "以及每个阶段的特征图。其他标签页讲解 ResNet 的基本原理。",
    "tab_explain": "解释一张照片",
    "tab_residual": "残差学习",
    "tab_compare": "比较不同深度",
    "tab_gradients": "梯度流",
    "tab_architecture": "网络结构",
    "photo": "照片（上传、摄像头或粘贴）",
    "examples": "示例照片（公有领域，见 assets/README.md）",
    "depth": "网络深度",
    "method": "CAM 方法",
    "method_slow": "{title}（较慢）",
    "method_info": "Score-CAM 要为每个通道各运行一次网络，速度很慢：所以只对所选阶段中平均激活最强的若干通道计算，"
    "等其他结果出来之后再算，并显示进度和停止按钮。",
    "stage": "要解释的阶段",
    "stage_info": "layer4 分辨率低，但与类别的关系最密切；layer1 更精细，但主要反映边缘和纹理"
    "（在这里 Grad-CAM 不可靠，可改用 LayerCAM）。",
    "target": "要解释的类别",
    "target_info": "默认为 Top-1。可按编号、中文名、英文名或拼音搜索全部 1000 个 ImageNet 类别，也可以点击一个预测结果。",
    "top1": "Top-1 预测",
    "top_k": "显示的预测数",
    "opacity": "热力图不透明度",
    "all_stages": "在每个阶段计算 CAM（layer1 → layer4）",
    "predictions": "预测结果（点击某一项即可解释该类别）",
    "overlay": "网络关注哪里：CAM 热力图，叠加在模型实际看到的中心裁剪区域上",
    "cam_strip": "同一类别在各个阶段的解释（灰色方块表示该阶段没有计算；勾选“在每个阶段计算 CAM”即可看到全部四个阶段）",
    "feature_maps": "由前向钩子（forward hook）捕获的特征图",
    "stage_note": "每个小图是一个通道（角上是通道编号），按各自的数值范围缩放；显示的是平均激活最强的那些通道。"
    "形状一行给出每个阶段的 C×H×W：layer1 保持起始层输出的分辨率（在 ResNet-50/101/152 中通道数从 64 增加到 256），"
    "之后 layer2、layer3、layer4 各自把分辨率减半、通道数加倍。",
    "downloads": "下载（叠加图 JPEG、结果 JSON；原分辨率叠加图和特征图 NPZ 按需生成）",
    "export_npz": "生成特征图文件（NPZ）",
    "status_idle": "上传一张照片或点击示例即可开始。",
    "device": "设备",
    "weights": "权重",
    "weights_imagenet": "ImageNet（已训练）",
    "weights_random": "随机（未训练）",
    "weights_file": "文件",
    "total": "总计",
    "phase_preprocess": "预处理",
    "phase_forward": "前向传播",
    "phase_backward": "反向传播",
    "phase_collect": "取出特征",
    "phase_cam": "计算 CAM",
    "crop_note": "模型只看到照片中间的一块正方形区域（先缩放，再做中心裁剪：四周都会被裁掉一点，短边方向也不例外）；"
    "叠加图显示的正是这块区域。",
    "banner_untrained": "⚠️ **该网络未经训练（随机权重）**：它的预测和热力图没有意义。"
    "无法加载 {depths} 的 ImageNet 权重（没有网络，也没有缓存文件）。"
    "解决方法：在联网的机器上运行 `python -m resnet_demo download`（或把权重文件复制到 "
    "`$TORCH_HOME/hub/checkpoints/`），或用 `--weights PATH` 启动应用。",
    "banner_random": "⚠️ **该网络未经训练**：应用以 `--weights random` 启动，预测和热力图没有意义。"
    "去掉该参数重新启动即可使用 ImageNet 权重。",
    "err_image": "这张照片无法使用。",
    "err_weights": "无法加载网络权重。",
    "err_memory": "服务器处理该请求时内存不足。",
    "err_value": "该设置无效。",
    "err_unexpected": "服务器出错了（{kind}）。请重试；如果反复出现，请告诉老师。",
    "err_no_photo": "请先上传一张照片。",
    "err_target": "没有与“{text}”匹配的 ImageNet 类别。请从列表中选择，或输入类别编号（0-999）、中文名、英文名或拼音。",
    "err_not_uploaded": "只能使用上传到本页面的照片。请重新上传这张照片。",
    "err_expired": "服务器已不再保留这个结果（只保留最近的结果）。请重新运行。",
    "err_photo_gone": "服务器上已没有这张照片（上传的文件保留一小时）。请重新上传。",
    "err_stopped": "计算未完成就已停止。",
    "common.complete": "完成",
    "err_reason_empty": "文件是空的。请上传 JPEG、PNG、WebP、GIF、BMP 或 TIFF 格式的照片。",
    "err_reason_svg": "无法读取 SVG 矢量图；请先把它导出为 PNG，再上传。",
    "err_reason_unreadable": "本应用无法读取这个文件，它不是可识别的图像。请上传 JPEG、PNG、WebP、GIF、BMP 或 TIFF 格式的照片。",
    "err_reason_file_too_large": "文件大小为 {mb} MB，上限是 {limit} MB。请上传小一些的照片。",
    "err_reason_missing": "这个文件已经不在了。请重新上传。",
    "err_reason_folder": "这是一个文件夹，不是图像文件。",
    "err_reason_too_many_pixels": "这张图像太大（{width}×{height} 像素），上限是 {limit} 百万像素。请先缩小，或换一张小一些的照片。",
    "err_reason_too_many_pixels_unknown": "这张图像太大，上限是 {limit} 百万像素。请先缩小，或换一张小一些的照片。",
    "err_reason_too_small": "这张图像只有 {width}×{height} 像素；网络需要每边至少 {min_side} 像素才能看出内容。请上传大一些的照片。",
    "err_reason_too_elongated": "这张图像（{width}×{height} 像素）的长边是短边的 {aspect} 倍以上，相机拍不出这样的形状，所以不予处理（不会自动缩小）。请裁剪后重新上传。",
    "err_reason_damaged": "图像文件已损坏或不完整，无法解码。请重新上传。",
    "err_reason_colour_mode": "不支持颜色模式为 {mode} 的图像。请把它另存为 RGB 照片。",
    "err_reason_paste_unreadable": "无法读取粘贴的图片（不是 base64 数据 URL）。请以文件形式上传。",
    "err_reason_paste_too_large": "粘贴的图片超过 {limit} MB；请改为以文件形式上传（最大 {upload_limit} MB）。",
    "err_reason_paste_damaged": "无法读取粘贴的图片（数据已损坏）。请再试一次。",
    "err_reason_out_of_memory": "请稍后再试，或选择较浅的网络（这次是 {device} 上的 ResNet-{depth}）。",
    "err_detail_logged": "详细原因已记在服务器日志里；如果一直出现，请告诉老师。",
    "score_pending": "**Score-CAM** 等其他结果出来之后再单独排队计算（本服务器同一时间只算一个）："
    "它为 {stage} 中最强的 {n} 个通道（共 {c} 个）打分，每个通道运行一次前向传播。",
    "score_progress": "**Score-CAM**（{stage}）：已为 {total} 个通道中的 {done} 个打分 · 约剩 {eta:.0f} 秒",
    "score_done": "**Score-CAM**（{stage}）：最强的 {n} 个通道（共 {c} 个）已在 {seconds:.1f} 秒内打分完毕。",
    "score_queued": "**Score-CAM** 正在排队，等前一个计算完成……",
    "score_stopped": "**Score-CAM** 已停止。重新选择该方法或阶段即可再次计算。",
    "stop": "停止 Score-CAM",
    "export_full": "原分辨率叠加图（JPEG）",
    "decoded": "照片 {w}×{h}，按 1/{factor} 的比例解码（模型只需要 224 像素）",
}

TABLES: dict[str, dict[str, str]] = {"en": EN, "zh-CN": ZH}


def add_strings(en: dict[str, str], zh: dict[str, str]) -> None:
    """Register more strings (the teaching views keep theirs beside their code)."""
    if set(en) != set(zh):
        raise ValueError(f"keys missing in one language: {sorted(set(en) ^ set(zh))}")
    if set(en) & set(EN):
        raise ValueError(f"keys already defined: {sorted(set(en) & set(EN))}")
    EN.update(en)
    ZH.update(zh)


def language(accept_language: str | None) -> str:
    """'zh-CN' when the browser prefers Chinese, else 'en'."""
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            return "zh-CN"
        if tag.startswith("en"):
            return "en"
    return "en"


def say(key: str, lang: str = "en", **values: object) -> str:
    """The string `key` in `lang` (falling back to English), formatted with `values`."""
    text = TABLES.get(lang, EN).get(key) or EN[key]
    return text.format(**values) if values else text

