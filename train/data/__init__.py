"""Training data: sources, packing into fixed-length rows, the weighted mixture, fine-tuning pairs, held-out rows.

``MixtureSampler`` feeds pretraining, ``FinetuneSampler`` fine-tuning, and
``held_out_batches`` the perplexity of the mixture ablation; every stream is a
deterministic function of its sources, tokenizer, ``seq_len`` and seed, and the
samplers resume exactly from their ``state_dict``.
"""

from train.data.batch import Batch
from train.data.finetune import FinetuneSampler
from train.data.mixture import MixtureSampler
from train.data.packing import held_out_batches

__all__ = ["Batch", "FinetuneSampler", "MixtureSampler", "held_out_batches"]
