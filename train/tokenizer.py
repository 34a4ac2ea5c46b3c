"""A tokenizer trained here: byte-level BPE over the run's data sources (``prove train tokenizer``).

A model pretrained from scratch on the Coq corpus needs a vocabulary of its
own. ``prove train tokenizer CONFIG.toml --out DIR --vocab 8000`` trains one
with the ``tokenizers`` library on the documents of ``data.sources`` (the same
reader as training) and saves it in the Hugging Face format that
``[model] tokenizer = DIR`` and the ``hf`` engine load.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from train.config import SourceConfig

SPECIALS = ("<unk>", "<s>", "</s>", "<pad>")


def documents(sources: list[SourceConfig], max_bytes: int) -> Iterator[str]:
    """The sources' documents in order, up to about ``max_bytes`` of text in all."""
    from train.data.sources import Source

    budget = max_bytes
    for index, config in enumerate(sources):
        source = Source(config, index)
        for file in range(len(source.files)):
            for _, record in source.records(file):
                if budget <= 0:
                    return
                text = record[0]
                budget -= len(text)
                yield text


def train_tokenizer(sources: list[SourceConfig], out: str | Path, vocab_size: int = 8000, max_bytes: int = 50_000_000) -> Path:
    """Train a byte-level BPE tokenizer on ``sources`` and save it (with BOS/EOS/PAD/UNK) in ``out``."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    if not sources:
        raise ValueError("[[data.sources]] is empty: name the text the tokenizer learns from")
    core = Tokenizer(models.BPE(unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    core.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=list(SPECIALS),
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)  # fmt: skip
    core.train_from_iterator(documents(sources, max_bytes), trainer=trainer)
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=core, unk_token="<unk>", bos_token="<s>", eos_token="</s>", pad_token="<pad>")
    out = Path(out)
    tokenizer.save_pretrained(out)
    return out
