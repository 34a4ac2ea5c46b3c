"""Isabelle/HOL backend: Isabelle's server, spoken to through the ``isabelle-client`` package.

``IsabelleEnv`` implements :class:`prover.env.ProofEnv`; the modules below it each do one
job: :mod:`~isabelle_env.client` (commands, framing via ``isabelle-client``, timeouts),
:mod:`~isabelle_env.server` (finding Isabelle, starting or attaching to a server),
:mod:`~isabelle_env.session` (a session: check a theory, purge it),
:mod:`~isabelle_env.theory` (the checked files and the rules for a step),
:mod:`~isabelle_env.results` (messages with positions, goals),
:mod:`~isabelle_env.sledgehammer` ("Try this:" answers, the gap-filling list),
:mod:`~isabelle_env.setup` (``prove setup isabelle``), and for your own theories
:mod:`~isabelle_env.theory_text` (a theory's lemmas and proofs), :mod:`~isabelle_env.holes` and
:mod:`~isabelle_env.file_check` (``prove fill``), :mod:`~isabelle_env.sites` (``prove suggest``/``repl FILE:LINE``). The package imports without
``isabelle-client``; making an env without it raises a one-line "how to install" error.
"""

from isabelle_env.backend import IsabelleEnv

__all__ = ["IsabelleEnv"]
