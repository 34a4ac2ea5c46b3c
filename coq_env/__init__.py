"""Coq backend: coqtop sessions, goal parsing, and the fresh-``coqc`` re-check."""

from coq_env.env import CoqEnv

__all__ = ["CoqEnv"]
