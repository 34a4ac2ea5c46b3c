"""Isabelle/HOL backend: Isabelle's server, spoken to through the ``isabelle-client`` package.

``IsabelleEnv`` implements :class:`prover.env.ProofEnv`; the modules below it each do one
job: :mod:`~isabelle_env.client` (commands, framing via ``isabelle-client``, timeouts),
:mod:`~isabelle_env.server` (finding Isabelle, starting or attaching to a server),
:mod:`~isabelle_env.session` (a session: check a theory, purge it),
:mod:`~isabelle_env.theory` (the checked files and the rules for a step),
:mod:`~isabelle_env.results` (messages with positions, goals),
:mod:`~isabelle_env.sledgehammer` ("Try this:" answers, the gap-filling list) and
:mod:`~isabelle_env.setup` (``prove setup isabelle``). The package imports without
``isabelle-client``; making an env without it raises a one-line "how to install" error.
"""

from isabelle_env.backend import IsabelleEnv

__all__ = ["IsabelleEnv"]
