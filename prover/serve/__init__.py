"""``prove serve``'s HTTP server: the OpenAI completions API, Lean Copilot's external-model API and ``/prove``.

- :mod:`.schemas`: the request and response bodies (pydantic models, validated on arrival).
- :mod:`.completions`: ``/v1/completions`` over a local engine, batched across requests.
- :mod:`.tactics`: the served tactic source behind ``/generate`` (a model, the no-model sources, mixtures).
- :mod:`.embedding`: ``/encode``'s embeddings (a model's hidden states, or hashed goal features).
- :mod:`.proving`: ``/prove``: a best-first search and the backend's re-check, off the event loop.
- :mod:`.app`: the Starlette application: routes, limits, JSON errors.
- :mod:`.server`: uvicorn on a pre-bound socket, started and stopped like ``http.server``'s servers.
- :mod:`.config`: the limits (``HTTPLimits``, ``ProveLimits``), options dataclasses the flags are made from.

The command line is :mod:`prover.entrypoints.serve`.
"""
