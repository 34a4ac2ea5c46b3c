"""Lean 4 backend: leanprover-community/repl driven over its stdio JSON protocol.

``LeanEnv`` implements :class:`prover.env.ProofEnv`; the modules below it each
do one job: :mod:`~lean_env.protocol` (typed requests and replies),
:mod:`~lean_env.process` (one REPL process and its framing),
:mod:`~lean_env.pool` (processes keyed by header, restarts),
:mod:`~lean_env.goals` (goal text into ``Goal``), :mod:`~lean_env.check`
(the soundness check), :mod:`~lean_env.install` (finding Lean) and
:mod:`~lean_env.setup` (``prove setup lean``).
"""

from lean_env.backend import LeanEnv

__all__ = ["LeanEnv"]
