"""llemma-prover: best-first proof search driven by a language model over real proof assistants."""

__version__ = "0.1.0"
