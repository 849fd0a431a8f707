"""`python -m resnet_demo ...`: see `resnet_demo.cli`."""

import sys

from .cli import main

sys.exit(main())
