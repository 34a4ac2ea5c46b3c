"""The ``vllm`` engine: vLLM's offline ``LLM`` (GPU, the ``[gpu]`` extra)."""
