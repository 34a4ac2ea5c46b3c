"""Training data: sources, packing into fixed-length rows, the weighted mixture, fine-tuning pairs, held-out rows."""

from train.data.batch import Batch

__all__ = ["Batch"]
