"""Isabelle backend (planned): Isabelle's server through the ``isabelle-client`` package.

Not registered in ``prover.registry.BACKENDS`` until it implements the protocol,
so ``--backend isabelle`` is refused by the CLI rather than half-working.
"""
