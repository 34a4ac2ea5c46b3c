"""``/encode``'s embeddings of a goal state (or any text).

- With a model on the ``hf`` engine, :class:`HiddenStateEmbedder`: the mean over the input's
  tokens of the model's last hidden states (what Lean Copilot's retrievers return for
  ``ExternalEncoder``), computed on the engine's device thread.
- Otherwise (no model, or another engine), :class:`HashedFeatureEmbedder`: the features the
  kNN generator indexes goals by (:func:`prover.generators.knn.features`: the tokens of
  hypothesis types and targets, and their bigrams), hashed into a fixed number of signed
  buckets with sublinear term frequency (``1 + log count``) and scaled to unit length.
  Deterministic across processes and machines (BLAKE2 hashes, no fitted vocabulary), so
  embeddings made by different servers compare; similar goals share features and so have a
  high cosine similarity.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from typing import Any, Protocol

from prover.generators.knn import features


class Embedder(Protocol):
    """Anything that turns a text into a vector of floats."""

    name: str  #: how the embedding is made, for logs and docs

    def embed(self, text: str) -> list[float]:
        """The embedding of ``text`` (blocking; the app calls it off the event loop)."""


class HashedFeatureEmbedder:
    """The no-model embedding: hashed kNN goal features (see the module docstring)."""

    name = "hashed goal features"

    def __init__(self, dim: int = 256):
        if dim < 1:
            raise ValueError(f"an embedding needs at least one dimension, got {dim}")
        self.dim = dim

    def embed(self, text: str) -> list[float]:
        """A unit vector of ``dim`` floats (all zero for a text with no features)."""
        vector = [0.0] * self.dim
        for feature, count in Counter(features(text)).items():
            digest = int.from_bytes(hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest(), "big")
            sign = 1.0 if digest & 1 else -1.0  # signed buckets: collisions cancel on average instead of piling up
            vector[(digest >> 1) % self.dim] += sign * (1.0 + math.log(count))
        norm = math.sqrt(sum(x * x for x in vector))
        return [x / norm for x in vector] if norm else vector


class HiddenStateEmbedder:
    """The mean of a transformers model's last hidden states over the input's tokens (``hf`` engine)."""

    name = "mean of the model's last hidden states"

    def __init__(self, engine: Any):
        self.engine = engine

    def embed(self, text: str) -> list[float]:
        """The embedding of ``text`` (cut from the left to the model's context), computed on the device thread."""
        return self.engine.device_thread.call(self._embed, text)

    def _embed(self, text: str) -> list[float]:
        import torch

        engine = self.engine
        ids = engine.tokenizer(text, return_tensors="pt").input_ids[:, -engine.max_positions :]
        if ids.shape[1] == 0:
            return [0.0] * int(engine.model.config.hidden_size)
        with torch.inference_mode():
            output = engine.model(input_ids=ids.to(engine.device), output_hidden_states=True, use_cache=False)
        return output.hidden_states[-1][0].float().mean(dim=0).tolist()
