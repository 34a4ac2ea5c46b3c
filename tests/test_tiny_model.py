"""The tiny local model helper."""

from __future__ import annotations

import json

import pytest

from tools import tiny_model


def test_saved_in_hf_format(tiny_model_dir) -> None:
    config = json.loads((tiny_model_dir / "config.json").read_text())
    assert config["model_type"] == "llama"
    assert (tiny_model_dir / "tokenizer.json").is_file()
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    text = "Theorem t : forall n : nat, n + 0 = n."
    assert tokenizer.decode(tokenizer(text, add_special_tokens=False)["input_ids"]) == text


def test_corpus_falls_back_to_repository_text_without_coq(monkeypatch) -> None:
    monkeypatch.setattr(tiny_model, "COQ_THEORIES", tiny_model.COQ_THEORIES / "not-installed")
    texts = list(tiny_model.corpus())
    assert any("Next tactic" in t or "suggest a next tactic" in t for t in texts)
    assert any("Theorem" in t for t in texts)


def test_tokenizer_trains_on_repository_text_alone(monkeypatch) -> None:
    pytest.importorskip("transformers", reason="needs transformers")
    monkeypatch.setattr(tiny_model, "COQ_THEORIES", tiny_model.COQ_THEORIES / "not-installed")
    tokenizer = tiny_model.train_tokenizer(tiny_model.TinyModelConfig(shape=tiny_model.LlamaShape(512, 64, 176, 2, 4, 2)))
    assert len(tokenizer) <= 512
    assert tokenizer.eos_token == "</s>" and tokenizer.pad_token == "<pad>"
