"""``prove data``: datasets made from what is installed here (the Coq corpus, proof steps).

    prove data corpus --out DIR             # the .v sources of the Debian Coq libraries, with a manifest
    prove data steps --out DIR PATH...      # every proof step of those files, replayed through coqtop
    prove data pairs --steps FILE --out F   # the steps as prompt/completion pairs for fine-tuning
    prove data problems FILE.v... --out F   # one problem per lemma of real Coq files, the file before it as header
"""

from __future__ import annotations

import importlib
import sys

#: ``prove data NAME ...`` -> "module:function(argv) -> int" (imported when used)
COMMANDS = {"corpus": "coq_env.corpus:main", "steps": "coq_env.steps:main", "pairs": "prover.generators.step_pairs:main",
            "problems": "coq_env.problem_files:main"}


def main(argv: list[str] | None = None) -> int:
    """Dispatch ``prove data NAME ...``."""
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in COMMANDS:
        print(f"usage: prove data {{{','.join(COMMANDS)}}} [options]   (prove data NAME --help for each)", file=sys.stderr)
        return 2
    module, _, function = COMMANDS[argv[0]].partition(":")
    try:
        return getattr(importlib.import_module(module), function)(argv[1:])
    except (ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
