"""Export a training checkpoint in the Hugging Face format that ``prove --model DIR --engine hf`` loads."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import torch

from train import checkpoint
from train.config import load_config
from train.distributed import World
from train.model import build_model, load_tokenizer


def export(checkpoint_dir: str | Path, out: str | Path, dtype: str = "bfloat16", prompt_file: str | Path | None = None) -> Path:
    """Write the model of ``checkpoint_dir`` (a ``step-N`` folder) and its tokenizer to ``out``.

    The run's ``config.toml`` (two folders up) says how to build the model; its weights come
    from the checkpoint, in ``dtype``. ``prompt_file``, the prompt the model was fine-tuned on,
    is copied in as ``prover_prompt.json``, which ``prove --model DIR`` then uses.
    """
    path = Path(checkpoint_dir)
    if path.name == "checkpoints" or (path / "checkpoints").is_dir():  # a run folder: its newest checkpoint
        path = checkpoint.latest(path if path.name != "checkpoints" else path.parent) or path
    if not (path / "trainer.pt").exists():
        raise ValueError(f"{checkpoint_dir} is not a checkpoint (no trainer.pt); give a run's step-N folder or the run folder")
    config = load_config(path.parent.parent / "config.toml")
    tokenizer = load_tokenizer(config.model)
    model = build_model(config.model, tokenizer, torch.device("cpu"))
    checkpoint.load(path, model, None, World(0, 1, torch.device("cpu")), rng=False)
    target = getattr(torch, dtype, None)
    if not isinstance(target, torch.dtype):
        raise ValueError(f"unknown dtype {dtype!r}")
    out = Path(out)
    model.to(target).eval().save_pretrained(out)
    tokenizer.save_pretrained(out)
    if prompt_file is not None:
        json.loads(Path(prompt_file).read_text("utf-8"))  # a prompt that does not parse fails here, not at search time
        shutil.copyfile(prompt_file, out / "prover_prompt.json")
    return out
