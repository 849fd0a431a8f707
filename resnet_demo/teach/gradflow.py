"""Gradient flow: the loss gradient at every block, with and without skips, on the real network and the photo.

The networks are frozen (nothing is trained here), so this shows how the skips carry the gradient
in the network as served, not the degradation of deep plain networks itself: that is a training
phenomenon (He et al., CVPR 2016, arXiv:1512.03385), which the app's Degradation lab shows on networks that learn.

For each residual block, the L2 norm of ∂loss/∂(block output), for the ResNet as built
(each block outputs ReLU(F(x) + x)) and for the same weights with every shortcut removed
(each block outputs ReLU(F(x)); the projection shortcuts go too, plain networks have none). The plain
network is a real forward: `forward_blocks` walks stem → blocks → avgpool → fc calling the
model's own submodules, and with `residual=True` it reproduces `model(x)` exactly.

What the numbers show (measured on assets/cat.jpg; on the other photos in assets/ every figure
below is within about 25%), and their limits:

* Random weights are torchvision's initialisation in eval mode, so BatchNorm uses its initial
  running statistics (mean 0, variance 1) and normalises nothing. Each residual block then adds
  F(x) on top of x, the residual stream grows block by block (ResNet-152's logits have a standard
  deviation of about 2e7) and so does the backward signal: going from the last block to the
  first, the residual network's gradient norm grows about 4× (ResNet-18), 1e2× (ResNet-34/50),
  7e4× (ResNet-101) and 1e8× (ResNet-152). The plain network's shrinks only 2-5× at every depth
  (2.4× to 4.7× over the four photos in assets/).
  Its early-block gradients are therefore far smaller than the residual network's (first block:
  ×0.07, ×0.002, ×0.003, ×4e-6 and ×1.5e-9 for depths 18, 34, 50, 101 and 152), but from depth
  34 on the gap comes mostly from the residual side growing, not from the plain side vanishing
  (ResNet-18: about equally from both).
* In training mode (BatchNorm on batch statistics) the picture reverses: deep plain networks
  with BatchNorm have *exploding* gradients at initialisation (Yang et al., 2019; simulated on
  this photo, a plain ResNet-152's grows about 1e11× from the last block to the first), and He et
  al. (2016) already noted that their plain networks' gradients do not vanish; the degradation
  they describe is an optimisation difficulty. This module measures the model as served
  (eval mode) and does not simulate training.
* The loss saturates when the target is the random network's own top-1 class: ResNet-34's is
  1e-4, and from depth 101 on the float32 loss is exactly 0 and the gradients are rounding
  noise (ResNet-101: about 1e-28) or exactly 0 (ResNet-152).
  `gradient_flow` therefore uses one label for every variant: the trained network's top-1 class
  (the best guess of what the photo shows) or, offline, the class the random residual network
  ranks last, as in a training step whose label the untrained network does not predict.

`summarize_flows` reduces a `gradient_flow` result to the few numbers the app's note states
(growth from the last block to the first, plain/residual at the first block, saturation), so
the sentences under the chart are written from the very numbers it plots.

The model is shared; the walk calls its submodules, so any hook another request attached
(`capture.Capture`) would fire here: callers of `forward_blocks` / `gradient_norms` hold
`LoadedModel.lock`, and `gradient_flow` takes it itself.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torchvision.models.resnet import BasicBlock, Bottleneck

from ..capture import CAM_STAGES
from ..images import ImageSource, prepare_image
from ..zoo import LoadedModel

RELU = "relu"
"""A branch step that is `torch.relu` (out of place), not the block's in-place `nn.ReLU`."""
BRANCH_STEPS: dict[type[nn.Module], tuple[str, ...]] = {
    BasicBlock: ("conv1", "bn1", RELU, "conv2", "bn2"),
    Bottleneck: ("conv1", "bn1", RELU, "conv2", "bn2", RELU, "conv3", "bn3"),
}
"""The residual branch F(x) of each torchvision block type, step by step (torchvision's order)."""
WEIGHTS: tuple[str, ...] = ("trained", "random")
"""The first half of a `gradient_flow` key: which weights."""
VARIANTS: tuple[str, ...] = ("residual", "plain")
"""The second half of a `gradient_flow` key: with skips, ReLU(F(x) + x), or without, ReLU(F(x))."""


@dataclass(frozen=True)
class GradientFlow:
    """The gradient reaching each residual block's output, for one network variant and one photo."""

    norms: list[float]  # ‖∂loss/∂(block output)‖, L2 over (C, H, W), in forward order
    blocks: list[str]  # "layer2.0", ... one per norm
    stages: list[str]  # "layer2", ... one per norm
    target: int  # the ImageNet class index the cross-entropy is taken against
    loss: float  # that cross-entropy


def _stem(model: nn.Module, x: Tensor) -> Tensor:
    return model.maxpool(torch.relu(model.bn1(model.conv1(x))))  # (B, 64, H/4, W/4)


def _branch(block: nn.Module, h: Tensor) -> Tensor:
    try:
        steps = BRANCH_STEPS[type(block)]
    except KeyError:
        raise TypeError(
            f"block must be one of {[t.__name__ for t in BRANCH_STEPS]}; got {type(block).__name__}"
        ) from None
    for step in steps:
        h = torch.relu(h) if step == RELU else getattr(block, step)(h)
    return h  # F(x), (B, C_out, H_out, W_out)


def _walk(model: nn.Module, h: Tensor, *, residual: bool) -> tuple[Tensor, list[Tensor]]:
    """From the stem's output through every block and the classifier."""
    outputs = []
    for stage in CAM_STAGES:
        for block in getattr(model, stage):
            f = _branch(block, h)
            if residual:
                identity = block.downsample(h) if block.downsample is not None else h
                h = torch.relu(f + identity)
            else:  # a plain network: no shortcut at all, not even the projection
                h = torch.relu(f)
            outputs.append(h)
    logits = model.fc(torch.flatten(model.avgpool(h), 1))  # (B, 1000)
    return logits, outputs


def forward_blocks(model: nn.Module, x: Tensor, *, residual: bool) -> tuple[Tensor, list[Tensor]]:
    """Run a torchvision ResNet block by block; return (logits, every block's output in order).

    `residual=True` computes exactly what `model(x)` computes; `residual=False` drops every skip
    connection, downsample shortcuts included, so each block outputs ReLU(F(x)). No in-place
    operation touches a tensor autograd needs. The caller holds `LoadedModel.lock`.
    """
    return _walk(model, _stem(model, x), residual=residual)


def _check_eval(model: nn.Module) -> None:
    if any(m.training for m in model.modules()):
        raise ValueError(
            "model must be in eval mode: in training mode BatchNorm would update its running statistics"
        )


def gradient_norms(model: nn.Module, x: Tensor, *, residual: bool, target: int | None = None) -> GradientFlow:
    """‖∂loss/∂(block output)‖ for every block, loss = cross-entropy of the logits against `target`.

    x: one preprocessed photo, (1, 3, H, W), on the model's device. target: an ImageNet class
    index; by default the residual network's own top-1 class for `x`, so that residual and
    plain are measured against the same label (beware: for deep random networks that label
    saturates the loss and every gradient is 0, see the module docstring). The parameters stay
    frozen: autograd starts at the stem's output, and one `torch.autograd.grad` call returns
    every block's gradient. The model is left untouched (mode, flags, no hooks); it must be in
    eval mode. The caller holds `LoadedModel.lock`.
    """
    if x.ndim != 4 or x.shape[0] != 1:
        raise ValueError(f"x must be one preprocessed photo of shape (1, 3, H, W); got {tuple(x.shape)}")
    _check_eval(model)
    with torch.no_grad():
        stem = _stem(model, x)
        if target is None:
            target = int(_walk(model, stem, residual=True)[0].argmax(1).item())
    if isinstance(target, bool) or not isinstance(target, int) or not 0 <= target < model.fc.out_features:
        raise ValueError(f"target must be a class index in 0..{model.fc.out_features - 1}; got {target!r}")
    with torch.enable_grad():
        start = stem.detach().requires_grad_(True)  # a leaf: every block output joins the graph
        logits, outputs = _walk(model, start, residual=residual)
        loss = F.cross_entropy(logits, torch.tensor([target], device=logits.device))
        grads = torch.autograd.grad(loss, outputs)
    names = [f"{stage}.{i}" for stage in CAM_STAGES for i in range(len(getattr(model, stage)))]
    return GradientFlow(
        norms=[float(torch.linalg.vector_norm(g.double())) for g in grads],  # summed in float64
        blocks=names,
        stages=[name.split(".")[0] for name in names],
        target=target,
        loss=float(loss.detach()),
    )


def _default_target(trained: LoadedModel | None, random: LoadedModel, inputs: dict[str, Tensor]) -> int:
    """The trained network's top-1 class; offline, the class the random residual network ranks last."""
    model, rank = (trained, torch.argmax) if trained is not None else (random, torch.argmin)
    name = "trained" if trained is not None else "random"
    _check_eval(model.module)  # before torchvision's forward: train-mode BatchNorm would update its statistics
    with model.lock, torch.no_grad():
        return int(rank(model.module(inputs[name]), dim=1).item())


def gradient_flow(
    trained: LoadedModel | None, random: LoadedModel, image: ImageSource, *, target: int | None = None
) -> dict[str, GradientFlow]:
    """Gradient norms per block for residual and plain, trained and random weights, on one photo.

    Keys "trained/residual", "trained/plain" (only when `trained` is given; offline it is None),
    "random/residual", "random/plain". Every variant uses the same label: `target` if given,
    else the trained network's top-1 class, else (offline) the class the random residual
    network ranks last, because its own top-1 saturates the loss (module docstring). Each
    model's lock is held while it computes.
    """
    photo = prepare_image(image)
    models = {"trained": trained, "random": random} if trained is not None else {"random": random}
    inputs = {name: m.transform(photo).unsqueeze(0).to(m.device) for name, m in models.items()}  # (1, 3, 224, 224)
    if target is None:
        target = _default_target(trained, random, inputs)
    flows = {}
    for name, m in models.items():
        with m.lock:
            for variant in VARIANTS:
                flows[f"{name}/{variant}"] = gradient_norms(
                    m.module, inputs[name], residual=variant == "residual", target=target
                )
    return flows


@dataclass(frozen=True)
class FlowSummary:
    """What one weights setting's pair of curves shows, as the numbers the app's note states.

    Growth is ‖gradient‖ at block 1 (nearest the input) over ‖gradient‖ at the last block: above 1
    the gradient gets larger on its way back to the input, below 1 smaller. NaN where a curve has
    no usable end point (a zero or non-finite norm: such points are not on the log chart either).
    """

    weights: str  # "trained" or "random", the first half of the `gradient_flow` keys
    blocks: int  # residual blocks, i.e. points per curve
    residual_growth: float  # with skips: first block / last block
    plain_growth: float  # skips removed: first block / last block
    first_block_ratio: float  # plain / residual at block 1 (below 1: the plain network gets less)
    residual_saturated: bool  # loss exactly 0 in float32, or no gradient above 0: nothing to read
    plain_saturated: bool


def _ratio(a: float, b: float) -> float:
    return a / b if a > 0 and b > 0 and math.isfinite(a) and math.isfinite(b) else math.nan


def _saturated(flow: GradientFlow) -> bool:
    return flow.loss == 0.0 or not any(v > 0 and math.isfinite(v) for v in flow.norms)


def summarize_flows(flows: dict[str, GradientFlow]) -> dict[str, FlowSummary]:
    """One `FlowSummary` per weights setting of a `gradient_flow` result ("trained", "random"), in its order.

    Raises ValueError when a weights setting lacks its residual or plain curve, when a key is
    not '<trained|random>/<residual|plain>', or when the curves come from different networks.
    """
    pairs: dict[str, dict[str, GradientFlow]] = {}
    for key, flow in flows.items():
        weights, _, variant = key.partition("/")
        if weights not in WEIGHTS or variant not in VARIANTS:
            raise ValueError(
                f"flows keys must be '<{'|'.join(WEIGHTS)}>/<{'|'.join(VARIANTS)}>'; got {key!r}"
            )
        pairs.setdefault(weights, {})[variant] = flow
    summaries = {}
    for weights, pair in pairs.items():
        if set(pair) != set(VARIANTS):
            raise ValueError(f"flows must hold both '{weights}/residual' and '{weights}/plain'; got {sorted(flows)}")
        residual, plain = pair["residual"], pair["plain"]
        if residual.blocks != plain.blocks or not residual.norms:
            raise ValueError("the residual and plain curves must come from the same network (same blocks)")
        summaries[weights] = FlowSummary(
            weights=weights,
            blocks=len(residual.norms),
            residual_growth=_ratio(residual.norms[0], residual.norms[-1]),
            plain_growth=_ratio(plain.norms[0], plain.norms[-1]),
            first_block_ratio=_ratio(plain.norms[0], residual.norms[0]),
            residual_saturated=_saturated(residual),
            plain_saturated=_saturated(plain),
        )
    return summaries
