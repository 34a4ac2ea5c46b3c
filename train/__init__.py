"""Continued pretraining of the prover model (planned): the Llemma recipe at any scale."""
