"""Continued pretraining of the prover model: the Llemma recipe as one command, from one CPU to many GPUs.

``config`` (dataclasses from TOML), ``data`` (sources, mixture, packing,
fine-tuning pairs), ``model``, ``optim`` (AdamW, warm-up + cosine),
``distributed`` (torchrun, FSDP2, DDP), ``checkpoint`` (atomic, exact resume),
``nan_guard``, ``run_log``, ``trainer`` (the loop), ``export`` (to the Hugging
Face format) and ``ablation`` (the data-mixture study); ``cli`` is ``prove
train``. This package does not import ``prover``.
"""
