"""``python -m train`` is ``prove train`` (and what ``torchrun -m train`` runs)."""

import sys

from train.cli import main

sys.exit(main())
