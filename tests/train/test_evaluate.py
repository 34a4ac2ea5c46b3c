"""``prove train eval``: the held-out completion loss is the fine-tuning loss, on the completion only."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import torch
import torch.nn.functional as F

from train.evaluate import completion_loss


def _write_pairs(path, pairs) -> None:
    path.write_text("".join(json.dumps({"prompt": p, "completion": c}) + "\n" for p, c in pairs))


def test_the_loss_counts_the_completion_and_its_eos_only(tiny_model_dir, tmp_path) -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    pairs = [("Tactic state:\n---\nn : nat\n---\nNext tactic:\n---\n", "lia.\n---"),
             ("Tactic state:\n---\nx : R\n---\nNext tactic:\n---\n", "intros x.\n---"), ("unused", "unused")]
    _write_pairs(tmp_path / "pairs.jsonl", pairs)
    result = completion_loss(str(tiny_model_dir), tmp_path / "pairs.jsonl", rows=2, seq_len=128, batch_size=2)  # padded rows

    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir, torch_dtype=torch.float32).eval()
    total, count = 0.0, 0
    for prompt, completion in pairs[:2]:  # by hand: prompt unscored, completion + EOS scored
        p = tokenizer(prompt)["input_ids"]
        c = tokenizer(completion, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
        with torch.no_grad():
            logits = model(input_ids=torch.tensor([p + c])).logits[0, len(p) - 1 : -1]
        total += float(F.cross_entropy(logits.float(), torch.tensor(c), reduction="sum"))
        count += len(c)
    assert (result.pairs, result.tokens) == (2, count)
    assert math.isclose(result.loss, total / count, rel_tol=1e-4)


def test_the_command_prints_the_loss(tiny_model_dir, tmp_path) -> None:
    _write_pairs(tmp_path / "pairs.jsonl", [("a", "b.\n---")] * 3)
    done = subprocess.run([sys.executable, "-m", "prover", "train", "eval", str(tiny_model_dir), "--pairs",
                           str(tmp_path / "pairs.jsonl"), "--rows", "2"], capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert "held-out completion loss" in done.stdout and "over 2 pairs" in done.stdout
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    done = subprocess.run([sys.executable, "-m", "prover", "train", "eval", str(tiny_model_dir), "--pairs", str(empty)],
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 2 and "no prompt/completion pairs" in done.stderr
