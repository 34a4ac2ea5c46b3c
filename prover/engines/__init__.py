"""Model engines: prompts in, sampled completions with log-probabilities out.

Laid out as vLLM lays out its engines: the interface and its types at the
bottom (:mod:`~prover.engines.base`: ``Engine``, ``Request``, ``Sample``,
``SamplingParams``), options as dataclasses that also make the command-line
flags (:mod:`~prover.engines.options`), the batching scheduler above
(:mod:`~prover.engines.scheduler`), and one folder per engine: ``hf/``
(transformers), ``vllm/``, ``openai/`` (a client of any OpenAI-compatible
server). :mod:`~prover.engines.registry` maps ``--engine`` names to them,
imported only when used.
"""
