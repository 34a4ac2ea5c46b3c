"""The samplers on the Coq stdlib: packing, held-out rows, the mixture's weights and seed, exact resume, fine-tuning rows."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="train/ needs torch (pip install torch==2.13.0)")

from train.config import SourceConfig  # noqa: E402
from train.data import FinetuneSampler, MixtureSampler, held_out_batches  # noqa: E402

THEORIES = Path("/usr/lib/ocaml/coq/theories")
pytestmark = pytest.mark.skipif(not THEORIES.is_dir(), reason="the Coq stdlib sources are absent (apt-get install libcoq-stdlib)")
LEMMA = re.compile(r"^((?:Lemma|Theorem) .*?\nProof\.\n)(.*?\n(?:Qed|Defined)\.)", re.MULTILINE | re.DOTALL)


@pytest.fixture(scope="module")
def tokenizer():
    """A small byte-level BPE tokenizer (EOS ``</s>``) trained on local text."""
    from tools.tiny_model import TinyModelConfig, train_tokenizer

    return train_tokenizer(TinyModelConfig(coq_text_bytes=300_000))


def _tokens(tokenizer, files: list[str]) -> list[int]:
    """The documents' tokens, each followed by EOS, in the order given."""
    encoded = tokenizer([Path(f).read_text(encoding="utf-8") for f in files], add_special_tokens=False)["input_ids"]
    return [token for ids in encoded for token in [*ids, tokenizer.eos_token_id]]


def _v_files(folder: str) -> list[str]:
    return sorted(str(p) for p in (THEORIES / folder).rglob("*.v"))


def test_rows_are_the_documents_each_followed_by_eos_cut_every_seq_len(tokenizer) -> None:
    files, seed = _v_files("Sorting"), 5
    sampler = MixtureSampler([SourceConfig(name="sorting", paths=[str(THEORIES / "Sorting")])], tokenizer, 64, seed)
    # documented: epoch e reads the files in numpy.random.default_rng([seed, source index, e]).permutation order
    orders = [np.random.default_rng([seed, 0, epoch]).permutation(len(files)) for epoch in (0, 1)]
    assert sorted(orders[0]) == list(range(len(files))) and list(orders[0]) != list(orders[1])
    expected = [t for order in orders for t in _tokens(tokenizer, [files[i] for i in order])]
    first_epoch = len(expected) // 2
    batch = sampler.next_batch(-(-first_epoch // 64) + 3)  # the first epoch, then into the second
    assert batch.input_ids.shape == (len(batch), 64) and batch.input_ids.dtype == torch.long
    assert torch.equal(batch.labels, batch.input_ids) and bool((batch.attention_mask == 1).all())
    assert batch.sources == ["sorting"] * len(batch)
    stream = batch.input_ids.flatten().tolist()
    assert stream == expected[: len(stream)] and len(stream) > first_epoch
    assert stream[:first_epoch].count(tokenizer.eos_token_id) == len(files)


def test_held_out_rows_are_each_sources_first_rows_in_sorted_file_order(tokenizer) -> None:
    sources = [SourceConfig(name="sorting", paths=[str(THEORIES / "Sorting")], weight=9.0),
               SourceConfig(name="bool", paths=[str(THEORIES / "Bool")])]
    batches = held_out_batches(sources, tokenizer, seq_len=64, rows=10, batch_size=4)
    assert [len(b) for b in batches] == [4, 4, 4, 4, 4]
    assert [name for b in batches for name in b.sources] == ["sorting"] * 10 + ["bool"] * 10
    ids = torch.cat([b.input_ids for b in batches])
    assert ids[:10].flatten().tolist() == _tokens(tokenizer, _v_files("Sorting"))[:640]
    assert ids[10:].flatten().tolist() == _tokens(tokenizer, _v_files("Bool"))[:640]
    assert all(bool((b.attention_mask == 1).all()) and torch.equal(b.labels, b.input_ids) for b in batches)
    again = held_out_batches(sources, tokenizer, seq_len=64, rows=10, batch_size=4)
    assert all(torch.equal(a.input_ids, b.input_ids) for a, b in zip(batches, again))
    # the training stream is shuffled by its seed; the held-out rows are not
    training = MixtureSampler(sources[:1], tokenizer, 64, seed=1).next_batch(10).input_ids
    assert not torch.equal(training, ids[:10])


def test_a_short_held_out_source_ends_with_a_padded_row(tokenizer, tmp_path: Path) -> None:
    (tmp_path / "a.v").write_text("Lemma a : True. Proof. exact I. Qed.\n" * 5)
    (tmp_path / "b.v").write_text("Definition b := 0.\n")
    batches = held_out_batches([SourceConfig(name="small", paths=[str(tmp_path)])], tokenizer, 64, rows=50, batch_size=8)
    tokens = _tokens(tokenizer, [str(tmp_path / "a.v"), str(tmp_path / "b.v")])
    (batch,) = batches
    full, rest = divmod(len(tokens), 64)
    assert len(batch) == full + 1 and rest > 0
    real = batch.attention_mask.bool()
    assert batch.input_ids[real].tolist() == tokens and real.sum(dim=1).tolist() == [64] * full + [rest]
    assert bool((batch.labels[~real] == -100).all()) and bool((batch.input_ids[~real] == tokenizer.pad_token_id).all())
    assert torch.equal(batch.labels[real], batch.input_ids[real])


def _sources(weights: dict[str, float]) -> list[SourceConfig]:
    return [SourceConfig(name=folder.lower(), paths=[str(THEORIES / folder)], weight=w) for folder, w in weights.items()]


def _round_trip(state: dict) -> dict:
    """The state as a checkpoint stores it: through torch.save and a weights-only torch.load."""
    buffer = io.BytesIO()
    torch.save(state, buffer)
    buffer.seek(0)
    return torch.load(buffer, weights_only=True)


def test_rows_follow_the_weights_and_the_seed_fixes_the_stream(tokenizer) -> None:
    weights = {"Arith": 0.7, "Lists": 0.2, "Logic": 0.1}
    sampler = MixtureSampler(_sources(weights), tokenizer, seq_len=64, seed=0)
    batch = sampler.next_batch(3000)
    assert batch.input_ids.shape == (3000, 64)
    for folder, weight in weights.items():
        rows = batch.sources.count(folder.lower())
        assert rows == sampler.drawn[folder.lower()] and abs(rows / 3000 - weight) < 0.03, (folder, rows)
    # weights need not sum to 1, and the stream does not depend on how it is cut into batches
    scaled = MixtureSampler(_sources({"Arith": 7, "Lists": 2, "Logic": 1}), tokenizer, seq_len=64, seed=0)
    assert torch.equal(torch.cat([scaled.next_batch(n).input_ids for n in (1000, 7, 1993)]), batch.input_ids)
    other = MixtureSampler(_sources(weights), tokenizer, seq_len=64, seed=1).next_batch(3000)
    assert not torch.equal(other.input_ids, batch.input_ids) and other.sources != batch.sources


def test_weights_must_be_positive(tokenizer) -> None:
    for weight in (0.0, -1.0, float("nan")):
        with pytest.raises(ValueError, match=f"source 'bool': weight must be positive, got {weight}"):
            MixtureSampler(_sources({"Sorting": 1.0, "Bool": weight}), tokenizer, 64, 0)


def test_resume_is_exact_mid_document_and_across_epoch_boundaries(tokenizer) -> None:
    sources = _sources({"Wellfounded": 3.0, "Bool": 1.0})
    sampler = MixtureSampler(sources, tokenizer, seq_len=64, seed=3)
    states, batches = [], []
    for _ in range(60):
        states.append(_round_trip(sampler.state_dict()))
        batches.append(sampler.next_batch(8))
    epochs = [state["sources"]["wellfounded"]["position"][0] for state in states]
    crossing = next(step for step in range(len(epochs) - 1) if epochs[step + 1] > epochs[step])
    assert states[crossing]["sources"]["wellfounded"]["offset"] > 0  # a document is half in rows
    assert max(epochs) >= 2  # the second crossing too: in reshuffled epochs
    for step in (0, crossing, crossing + 1, len(states) - 12):
        resumed = MixtureSampler(sources, tokenizer, seq_len=64, seed=3)
        resumed.load_state_dict(states[step])
        assert resumed.drawn == states[step]["drawn"]
        for expected in batches[step : step + 10]:
            got = resumed.next_batch(8)
            assert torch.equal(got.input_ids, expected.input_ids) and got.sources == expected.sources, step


def test_a_state_from_other_sources_or_seq_len_is_refused(tokenizer) -> None:
    state = MixtureSampler(_sources({"Bool": 1.0}), tokenizer, seq_len=64, seed=0).state_dict()
    with pytest.raises(ValueError, match=r"sources \['bool'\], not of this MixtureSampler with seq_len 64 and sources \['sorting'\]"):
        MixtureSampler(_sources({"Sorting": 1.0}), tokenizer, seq_len=64, seed=0).load_state_dict(state)
    with pytest.raises(ValueError, match="with seq_len 64 and sources"):
        MixtureSampler(_sources({"Bool": 1.0}), tokenizer, seq_len=32, seed=0).load_state_dict(state)


def _pairs(*files: str) -> list[dict[str, str]]:
    """Statement (with ``Proof.``) as the prompt, the proof script as the completion."""
    text = "".join((THEORIES / f).read_text(encoding="utf-8") for f in files)
    return [{"statement": m.group(1), "proof": m.group(2)} for m in LEMMA.finditer(text)]


def _write(path: Path, pairs: list[dict[str, str]]) -> Path:
    path.write_text("".join(json.dumps(p) + "\n" for p in pairs), encoding="utf-8")
    return path


def _source(path: Path, name: str = "lemmas", weight: float = 1.0) -> SourceConfig:
    return SourceConfig(name=name, paths=[str(path)], prompt_field="statement", completion_field="proof", weight=weight)


def test_only_the_completion_and_its_eos_are_scored(tokenizer, tmp_path: Path) -> None:
    pairs = _pairs("Bool/Bool.v")[:24]
    sampler = FinetuneSampler([_source(_write(tmp_path / "bool.jsonl", pairs))], tokenizer, seq_len=256, seed=0)
    batch = sampler.next_batch(len(pairs))  # one file: the records in file order
    assert batch.input_ids.shape == batch.labels.shape == batch.attention_mask.shape == (len(pairs), 256)
    for row, pair in enumerate(pairs):
        prompt = tokenizer(pair["statement"])["input_ids"]
        target = tokenizer(pair["proof"], add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
        width = len(prompt) + len(target)
        assert width <= 256
        assert batch.input_ids[row, :width].tolist() == prompt + target
        assert batch.labels[row].tolist() == [-100] * len(prompt) + target + [-100] * (256 - width)
        assert batch.attention_mask[row].tolist() == [1] * width + [0] * (256 - width)
        assert set(batch.input_ids[row, width:].tolist()) <= {tokenizer.pad_token_id}
    assert batch.sources == ["lemmas"] * len(pairs) and sampler.drawn == {"lemmas": len(pairs)}


def test_an_overlong_example_keeps_the_prompts_end_and_the_completions_start(tokenizer, tmp_path: Path) -> None:
    statement, proof = (THEORIES / "Lists" / "List.v").read_text(encoding="utf-8"), "  auto.\nQed."
    pairs = [{"statement": statement, "proof": proof}, {"statement": "Lemma x : True.\nProof.\n", "proof": statement}]
    batch = FinetuneSampler([_source(_write(tmp_path / "long.jsonl", pairs))], tokenizer, seq_len=128, seed=0).next_batch(2)
    assert bool((batch.attention_mask == 1).all())
    prompt = tokenizer(statement)["input_ids"]
    target = tokenizer(proof, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
    assert batch.input_ids[0].tolist() == prompt[-(128 - len(target)) :] + target
    assert batch.labels[0].tolist() == [-100] * (128 - len(target)) + target
    short = tokenizer(pairs[1]["statement"])["input_ids"]
    completion = tokenizer(statement, add_special_tokens=False)["input_ids"][: 128 - len(short)]
    assert batch.input_ids[1].tolist() == short + completion
    assert batch.labels[1].tolist() == [-100] * len(short) + completion


def test_a_bad_line_is_an_error_naming_file_and_line(tokenizer, tmp_path: Path) -> None:
    path = _write(tmp_path / "pairs.jsonl", _pairs("Bool/Bool.v")[:3])
    path.write_text(path.read_text() + '{"statement": "Lemma y : True."}\n')
    sampler = FinetuneSampler([_source(path)], tokenizer, seq_len=64, seed=0)
    with pytest.raises(ValueError, match=f"^{path}:4: no field 'proof'"):
        sampler.next_batch(4)


def test_resume_is_exact_across_epochs(tokenizer, tmp_path: Path) -> None:
    shards = tmp_path / "shards"
    shards.mkdir()
    lemmas = _pairs("Lists/List.v")
    for i in range(4):
        _write(shards / f"{i}.jsonl", lemmas[i * 6 : i * 6 + 6])
    bool_lemmas = _write(tmp_path / "bool.jsonl", _pairs("Bool/Bool.v")[:10])
    sources = [_source(shards, "lists", 2.0), _source(bool_lemmas, "bool")]
    sampler = FinetuneSampler(sources, tokenizer, seq_len=96, seed=7)
    states, batches = [], []
    for _ in range(12):
        states.append(sampler.state_dict())
        batches.append(sampler.next_batch(5))
    epochs = [state["sources"]["lists"]["position"][0] for state in states]
    assert epochs[-1] >= 1 and states[-1]["sources"]["bool"]["position"][0] >= 1
    crossing = next(step for step in range(len(epochs) - 1) if epochs[step + 1] > epochs[step])
    for step in (0, crossing, 7):
        resumed = FinetuneSampler(sources, tokenizer, seq_len=96, seed=7)
        resumed.load_state_dict(states[step])
        for expected in batches[step : step + 5]:
            got = resumed.next_batch(5)
            assert all(torch.equal(getattr(got, f), getattr(expected, f)) for f in ("input_ids", "labels", "attention_mask"))
            assert got.sources == expected.sources
