"""The ``hf`` engine: transformers models, batched, with shared-prefix decoding and CUDA graphs on the GPU."""
