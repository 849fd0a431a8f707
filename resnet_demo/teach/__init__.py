"""Teaching views: each part of the ResNet lesson computed on a real network and the student's photo.

* `residual`: y = F(x) + x (He et al., CVPR 2016, Eq. 1), block by block (one block's three maps, ‖F(x)‖ / ‖shortcut‖);
* `compare`: the same photo through several depths;
* `gradflow`: the loss gradient at every block, with and without skip connections (a frozen
  network; degradation itself is the lab's);
* `architecture`: the stage table and per-stage facts measured on the model; `diagram`:
  BasicBlock vs Bottleneck;
* the degradation lab: `cifar_nets` (plain and residual 6n+2 networks), `lab_data` (CIFAR-10 or
  a generated set), `lab_config` (settings and presets), `degradation` (training, live points),
  `lab_results` (CSV, charts, the recorded run);
* `charts`: every chart as a Vega-Lite spec the browser draws, in the page's language.

Engine code: numpy, torch, PIL, matplotlib and altair; no UI framework.
"""
