"""A tiny Llama-architecture model and tokenizer, built locally, for tests and CI.

Nothing is downloaded. The BPE tokenizer is trained with ``tokenizers`` on
local text: the Coq standard library sources Debian installs under
``/usr/lib/ocaml/coq/theories`` when present, and always the text shipped in
this repository (the vendored prompts and miniF2F statements). With
``train_steps > 0`` the model is then briefly trained on prompts rendered
from miniF2F statements followed by short closing tactics, so that it
answers in the prompt's format (one tactic, then ``---``); with 0 its weights
stay random. The result is saved in HF format, loadable by every engine.

Run ``python -m tools.tiny_model OUT_DIR``.
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from prover.generators.prompting import PROMPT_DIR, PromptTemplate

#: Where Debian's coq package puts the standard library sources.
COQ_THEORIES = Path("/usr/lib/ocaml/coq/theories")
MINIF2F = Path(__file__).resolve().parent.parent / "prover" / "data" / "minif2f.jsonl"
#: Closing tactics the tiny model learns to propose, per backend (data file).
TINY_TACTICS = Path(__file__).resolve().parent / "tiny_model_tactics.json"


@dataclass(frozen=True)
class LlamaShape:
    """The sizes of a Llama-architecture model (also used by the generation benchmark)."""

    vocab_size: int
    hidden_size: int
    intermediate_size: int
    num_layers: int
    num_heads: int
    num_kv_heads: int
    max_positions: int = 4096

    def config(self, **special: Any):
        """A ``LlamaConfig`` of this shape; ``special`` sets token ids and other extras."""
        from transformers import LlamaConfig

        return LlamaConfig(
            vocab_size=self.vocab_size,
            hidden_size=self.hidden_size,
            intermediate_size=self.intermediate_size,
            num_hidden_layers=self.num_layers,
            num_attention_heads=self.num_heads,
            num_key_value_heads=self.num_kv_heads,
            max_position_embeddings=self.max_positions,
            **special,
        )


@dataclass(frozen=True)
class TinyModelConfig:
    """Shape of the tiny model (``vocab_size`` is the tokenizer's target) and how long to train it."""

    shape: LlamaShape = LlamaShape(
        vocab_size=2048, hidden_size=64, intermediate_size=176, num_layers=2, num_heads=4, num_kv_heads=2
    )
    coq_text_bytes: int = 2_000_000
    train_steps: int = 120
    batch_size: int = 8
    learning_rate: float = 3e-3
    backend: str = "coq"
    seed: int = 0


def corpus(config: TinyModelConfig = TinyModelConfig()) -> Iterator[str]:
    """Local text for the tokenizer: Coq sources when installed, repo text always."""
    budget = config.coq_text_bytes
    if COQ_THEORIES.is_dir():
        for path in sorted(COQ_THEORIES.rglob("*.v")):
            if budget <= 0:
                break
            text = path.read_text(encoding="utf-8", errors="replace")[:budget]
            budget -= len(text)
            yield text
    for path in sorted(PROMPT_DIR.glob("*.json")):
        yield path.read_text(encoding="utf-8")
    for record in _minif2f():
        yield record.get("informal_statement", "")
        for backend in ("coq", "lean4", "isabelle"):
            if backend in record:
                yield record[backend]["header"] + record[backend]["statement"]


def train_tokenizer(config: TinyModelConfig = TinyModelConfig()):
    """A byte-level BPE tokenizer trained on :func:`corpus`, as a transformers tokenizer."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    specials = ["<unk>", "<s>", "</s>", "<pad>"]
    tokenizer = Tokenizer(models.BPE(unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=config.shape.vocab_size,
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(corpus(config), trainer=trainer)
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, unk_token="<unk>", bos_token="<s>", eos_token="</s>", pad_token="<pad>"
    )


def build_tiny_model(out_dir: str | Path, config: TinyModelConfig = TinyModelConfig()) -> Path:
    """Build, optionally train, and save a tiny Llama model and tokenizer in ``out_dir``."""
    import torch
    from transformers import LlamaForCausalLM

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(config.seed)
    tokenizer = train_tokenizer(config)
    model_config = replace(config.shape, vocab_size=len(tokenizer)).config(
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        tie_word_embeddings=True,
    )
    model = LlamaForCausalLM(model_config)
    if config.train_steps > 0:
        _train(model, tokenizer, config)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


def _train(model, tokenizer, config: TinyModelConfig) -> None:
    """A short run teaching the format: prompt in, one closing tactic and ``---`` out."""
    import torch

    template = PromptTemplate.for_backend(config.backend)
    tactics = json.loads(TINY_TACTICS.read_text(encoding="utf-8"))[config.backend]
    statements = [r[config.backend]["statement"] for r in _minif2f() if config.backend in r]
    rng = random.Random(config.seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.learning_rate)
    model.train()
    for _ in range(config.train_steps):
        batch = [_example(template, rng.choice(statements), rng.choice(tactics), tokenizer) for _ in range(config.batch_size)]
        width = max(len(ids) for ids, _ in batch)
        ids = torch.full((len(batch), width), tokenizer.pad_token_id)
        labels = torch.full((len(batch), width), -100)
        for i, (seq, target) in enumerate(batch):
            ids[i, : len(seq)] = torch.tensor(seq)
            labels[i, : len(seq)] = torch.tensor(target)
        loss = model(input_ids=ids, attention_mask=(labels != -100) | (ids != tokenizer.pad_token_id), labels=labels).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    model.eval()


def _example(template: PromptTemplate, statement: str, tactic: str, tokenizer) -> tuple[list[int], list[int]]:
    """Token ids of prompt + completion, and labels that score only the completion."""
    goal = "============================\n" + statement.split(":", 1)[-1].strip().rstrip(".")
    prompt = tokenizer(template.render(goal))["input_ids"]
    completion = tokenizer(template.completion(tactic), add_special_tokens=False)["input_ids"]
    return prompt + completion, [-100] * len(prompt) + completion


def _minif2f() -> list[dict]:
    with MINIF2F.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def main(argv: list[str] | None = None) -> None:
    """Command line: ``python -m tools.tiny_model OUT_DIR [--steps N]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir")
    parser.add_argument("--steps", type=int, default=TinyModelConfig.train_steps, help="training steps (0: random weights)")
    parser.add_argument("--backend", default=TinyModelConfig.backend)
    args = parser.parse_args(argv)
    path = build_tiny_model(args.out_dir, TinyModelConfig(train_steps=args.steps, backend=args.backend))
    print(path)


if __name__ == "__main__":
    main()
