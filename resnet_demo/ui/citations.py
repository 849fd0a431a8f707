"""How the page cites its sources: one form per paper and language, used by every string table.

The ResNet paper is cited the same way everywhere, "He et al. (CVPR 2016, arXiv:1512.03385)" and
"He 等人（CVPR 2016，arXiv:1512.03385）": a form that reads as part of a sentence in both languages.
Later mentions in the same text say "the paper" / "论文". tests/test_vocabulary.py checks that every
"He et al." on the page is one of the forms below.
"""

from __future__ import annotations

RESNET = {"en": "He et al. (CVPR 2016, arXiv:1512.03385)", "zh-CN": "He 等人（CVPR 2016，arXiv:1512.03385）"}
"""Deep Residual Learning for Image Recognition (Kaiming He, Xiangyu Zhang, Shaoqing Ren, Jian Sun)."""
IDENTITY = {"en": "He et al. (ECCV 2016, arXiv:1603.05027)", "zh-CN": "He 等人（ECCV 2016，arXiv:1603.05027）"}
"""Identity Mappings in Deep Residual Networks: the same authors' follow-up (the gradient-path view)."""
YANG = {"en": "Yang et al. (ICLR 2019, arXiv:1902.08129)", "zh-CN": "Yang 等人（ICLR 2019，arXiv:1902.08129）"}
"""A Mean Field Theory of Batch Normalization: deep plain BN networks' gradients explode at initialisation."""
TRANSFORMER = {"en": "Vaswani et al. (NeurIPS 2017, arXiv:1706.03762)",
               "zh-CN": "Vaswani 等人（NeurIPS 2017，arXiv:1706.03762）"}
"""Attention Is All You Need: a residual connection around every sub-layer."""

CAM_PAPERS = {
    "gradcam": "Selvaraju et al. (ICCV 2017, arXiv:1610.02391)",
    "gradcam++": "Chattopadhay et al. (WACV 2018, arXiv:1710.11063)",
    "xgradcam": "Fu et al. (BMVC 2020, arXiv:2008.02312)",
    "hirescam": "Draelos and Carin (2020, arXiv:2011.08891)",
    "layercam": "Jiang et al. (IEEE TIP 2021, doi:10.1109/TIP.2021.3089943)",
    "eigencam": "Muhammad and Yeasin (IJCNN 2020, arXiv:2008.00299)",
    "eigengradcam": "the pytorch-grad-cam library (Jacob Gildenblat and contributors), after Eigen-CAM",
    "scorecam": "Wang et al. (CVPR Workshops 2020, arXiv:1910.01279)",
}
"""Each CAM method's source, in English: Eigen-Grad-CAM has no paper of its own (the library defines it)."""
CAM_PAPERS_ZH = {
    "gradcam": "Selvaraju 等人（ICCV 2017，arXiv:1610.02391）",
    "gradcam++": "Chattopadhay 等人（WACV 2018，arXiv:1710.11063）",
    "xgradcam": "Fu 等人（BMVC 2020，arXiv:2008.02312）",
    "hirescam": "Draelos 和 Carin（2020，arXiv:2011.08891）",
    "layercam": "Jiang 等人（IEEE TIP 2021，doi:10.1109/TIP.2021.3089943）",
    "eigencam": "Muhammad 和 Yeasin（IJCNN 2020，arXiv:2008.00299）",
    "eigengradcam": "pytorch-grad-cam 库（Jacob Gildenblat 及其贡献者）在 Eigen-CAM 基础上给出的变体",
    "scorecam": "Wang 等人（CVPR Workshops 2020，arXiv:1910.01279）",
}
"""The same sources with Chinese punctuation ("Selvaraju 等人（ICCV 2017，arXiv:1610.02391）")."""


def cam_paper(method: str, lang: str) -> str:
    """Where `method` comes from, in the page's citation form."""
    return (CAM_PAPERS_ZH if lang.startswith("zh") else CAM_PAPERS)[method]
