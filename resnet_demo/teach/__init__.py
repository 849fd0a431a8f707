"""Teaching views: each part of the ResNet lesson computed on the real network and the student's photo.

* `residual`: H(x) = F(x) + x, block by block (‖F(x)‖ / ‖x‖ chart, one block's three maps);
* `compare`: the same photo through several depths;
* `gradflow`: why deep plain networks degrade: gradient norms with and without skip connections;
* `architecture`: the stage table computed from the model, and BasicBlock vs Bottleneck.

Engine code: numpy, torch, PIL and matplotlib; no UI framework.
"""
