"""``python -m prover``: the ``prove`` command, for when another ``prove`` comes first on PATH."""

import sys

from prover.entrypoints.cli import main

sys.exit(main())
