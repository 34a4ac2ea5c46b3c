"""The ``openai`` engine: a client of any OpenAI-compatible ``/v1/completions`` server."""
