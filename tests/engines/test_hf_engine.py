"""The ``hf`` engine on the CPU with the tiny local model."""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch", reason="the hf engine needs torch")

from prover.engines.base import Request, SamplingParams  # noqa: E402
from prover.engines.hf.config import HFEngineConfig  # noqa: E402
from prover.engines.hf.engine import HFEngine  # noqa: E402
from prover.generators.prompting import PromptTemplate  # noqa: E402

COQ = PromptTemplate.for_backend("coq")
GREEDY = SamplingParams(temperature=0.0, max_new_tokens=12, stop=COQ.stop)
GOALS = [
    "x, y : R\nh : x = 2\n============================\nx + y = y + 2",
    "============================\n1 = 1",
    "n : nat\nh0 : n mod 5 = 3\n============================\n(2 * n) mod 5 = 1",
]


def test_each_request_gets_n_samples_in_order(tiny_engine: HFEngine) -> None:
    requests = [Request(COQ.render(g), n) for g, n in zip(GOALS, (1, 3, 2))]
    results = tiny_engine.sample(requests, SamplingParams(max_new_tokens=8, stop=COQ.stop))
    assert [len(r) for r in results] == [1, 3, 2]
    for samples in results:
        for sample in samples:
            assert sample.logprob <= 0.0
            assert len(sample.token_logprobs) == len(sample.tokens) >= 1
            assert math.isclose(sample.logprob, sum(sample.token_logprobs), rel_tol=1e-6)


def test_batched_left_padded_decoding_matches_each_prompt_alone(tiny_engine: HFEngine) -> None:
    requests = [Request(COQ.render(g), 2) for g in GOALS]
    together = tiny_engine.sample(requests, GREEDY)
    for request, batched in zip(requests, together):
        alone = tiny_engine.sample([request], GREEDY)[0]
        assert [s.text for s in batched] == [s.text for s in alone]
        for a, b in zip(batched, alone):
            assert a.logprob == pytest.approx(b.logprob, abs=1e-4)


def test_logprob_is_the_models_own_summed_log_probability(tiny_engine: HFEngine) -> None:
    prompt = COQ.render(GOALS[0])
    sample = tiny_engine.sample([Request(prompt, 1)], GREEDY)[0][0]
    tokenizer, model = tiny_engine.tokenizer, tiny_engine.model
    prompt_ids = tokenizer(prompt)["input_ids"]
    completion_ids = tokenizer.convert_tokens_to_ids(list(sample.tokens))
    ids = torch.tensor([prompt_ids + completion_ids])
    with torch.no_grad():
        logp = torch.log_softmax(model(input_ids=ids).logits[0].float(), dim=-1)
    expected = sum(float(logp[len(prompt_ids) + i - 1, t]) for i, t in enumerate(completion_ids))
    assert sample.logprob == pytest.approx(expected, abs=1e-3)


def test_completion_stops_at_the_stop_sequence(tiny_engine: HFEngine) -> None:
    samples = tiny_engine.sample([Request(COQ.render(GOALS[0]), 4)], SamplingParams(max_new_tokens=24, stop=COQ.stop))[0]
    for sample in samples:
        if sample.finished:
            stop_at = min(sample.text.find(s) for s in COQ.stop if s in sample.text)
            # the completion ends with the token that completes the stop sequence
            assert len(sample.text) - stop_at <= max(len(s) for s in COQ.stop) + len(sample.tokens[-1])


@pytest.mark.parametrize("decode", ["static", "shared"])
def test_fixed_shape_decoding_matches_dynamic(tiny_model_dir, decode: str) -> None:
    fixed = HFEngine.load(
        str(tiny_model_dir), HFEngineConfig(device="cpu", decode=decode, compile=False, max_static_caches=1, seed=0)
    )
    dynamic = HFEngine.load(str(tiny_model_dir), HFEngineConfig(device="cpu", decode="dynamic", seed=0))
    requests = [Request(COQ.render(g), n) for g, n in zip(GOALS, (2, 1, 3))]  # unequal n, 3 prompts (padded to 4)
    a, b = fixed.sample(requests, GREEDY), dynamic.sample(requests, GREEDY)
    assert [[s.text for s in r] for r in a] == [[s.text for s in r] for r in b]
    for ra, rb in zip(a, b):
        for sa, sb in zip(ra, rb):
            assert sa.logprob == pytest.approx(sb.logprob, abs=1e-4)
    # calls of other shapes replace or overlap caches without reusing anything stale
    again = fixed.sample(requests[:1], GREEDY)
    assert [s.text for s in again[0]] == [s.text for s in a[0]]
    assert [[s.text for s in r] for r in fixed.sample(requests, GREEDY)] == [[s.text for s in r] for r in a]
    if decode == "static":
        assert len(fixed._static_slots) == 1
    else:
        assert len(fixed._shared_slots) == 2  # both shapes kept: their views overlap in one arena


def test_a_shapes_shared_cache_keeps_its_addresses_across_other_shapes(tiny_model_dir) -> None:
    """Same shape, same tensors: a recorded CUDA graph stays valid (no re-recording)."""
    engine = HFEngine.load(str(tiny_model_dir), HFEngineConfig(device="cpu", decode="shared", seed=0))
    big = [Request(COQ.render(g), 4) for g in GOALS]
    small = [Request(COQ.render(GOALS[1]), 2)]

    def addresses():
        return {key: slot.cache.layers[0].keys.data_ptr() for key, slot in engine._shared_slots.items()}

    engine.sample(big, GREEDY)
    first = addresses()
    for _ in range(3):
        engine.sample(small, GREEDY)
        engine.sample(big, GREEDY)
    assert addresses().items() >= first.items() and len(engine._shared_slots) == 2
    capacity = engine._arena.capacity
    engine.sample([Request(COQ.render(g), 8) for g in GOALS * 3], GREEDY)  # larger than the arena: it grows
    assert engine._arena.capacity > capacity and len(engine._shared_slots) == 1


def test_shared_decoding_stores_each_prompt_once(tiny_model_dir) -> None:
    engine = HFEngine.load(str(tiny_model_dir), HFEngineConfig(device="cpu", decode="shared", compile=False, seed=0))
    engine.sample([Request(COQ.render(g), 8) for g in GOALS[:2]], GREEDY)
    (slot,) = engine._shared_slots.values()
    layer = slot.cache.layers[0]
    assert layer.prefix_keys.shape[0] == 2  # one copy of each prompt's keys ...
    assert layer.keys.shape[0] == 16  # ... and a suffix row for each of the 8 samples of each
    assert layer.keys.shape[2] == engine.config.cache_bucket  # sized for the new tokens only


@pytest.mark.parametrize("decode", ["static", "shared"])
def test_decode_step_traces_as_one_graph(tiny_model_dir, decode: str) -> None:
    """A graph break would split the compiled step (model and sampling) and defeat the CUDA graph."""
    engine = HFEngine.load(str(tiny_model_dir), HFEngineConfig(device="cpu", decode=decode, compile=False, seed=0))
    requests = [Request(COQ.render(g), 2) for g in GOALS[:2]]  # they share the few-shot prefix
    plain = [[s.text for s in r] for r in engine.sample(requests, GREEDY)]
    torch._dynamo.reset()
    engine.compile_steps(backend="eager", fullgraph=True)
    traced = [[s.text for s in r] for r in engine.sample(requests, GREEDY)]
    assert traced == plain
    assert len(engine.prefix_cache) == (1 if decode == "shared" else 0)


def test_the_prompts_shared_prefix_is_prefilled_once_and_reused(tiny_model_dir) -> None:
    cached = HFEngine.load(str(tiny_model_dir), HFEngineConfig(device="cpu", seed=0))
    plain = HFEngine.load(str(tiny_model_dir), HFEngineConfig(device="cpu", seed=0, prefix_cache=False))
    requests = [Request(COQ.render(g), 2) for g in GOALS]
    a, b = cached.sample(requests, GREEDY), plain.sample(requests, GREEDY)
    assert [[s.text for s in r] for r in a] == [[s.text for s in r] for r in b]
    for ra, rb in zip(a, b):
        for sa, sb in zip(ra, rb):
            assert sa.logprob == pytest.approx(sb.logprob, abs=1e-4)
    (entry,) = cached.prefix_cache._entries.values()
    header = cached.tokenizer(COQ.render(""))["input_ids"]
    assert len(entry) >= len(header) // 2 and list(entry.tokens) == header[: len(entry)]
    # later calls, one prompt each, start from the cached prefix
    for request, expected in zip(requests, a):
        assert [s.text for s in cached.sample([request], GREEDY)[0]] == [s.text for s in expected]
    assert cached.prefix_cache.hits == 3 and len(cached.prefix_cache) == 1
    assert len(plain.prefix_cache) == 0


def test_a_fixed_seed_reproduces_samples(tiny_model_dir) -> None:
    params = SamplingParams(temperature=1.0, max_new_tokens=8, stop=COQ.stop)
    runs = []
    for _ in range(2):
        engine = HFEngine.load(str(tiny_model_dir), HFEngineConfig(device="cpu", seed=123))
        runs.append([s.text for s in engine.sample([Request(COQ.render(GOALS[1]), 6)], params)[0]])
    assert runs[0] == runs[1]


def test_nucleus_sampling_keeps_only_the_top_token_at_tiny_top_p(tiny_engine: HFEngine) -> None:
    params = SamplingParams(temperature=1.0, top_p=1e-6, max_new_tokens=8, stop=COQ.stop)
    nucleus = tiny_engine.sample([Request(COQ.render(GOALS[0]), 3)], params)[0]
    greedy = tiny_engine.sample([Request(COQ.render(GOALS[0]), 1)], SamplingParams(0.0, 1.0, 8, COQ.stop))[0][0]
    assert {s.text for s in nucleus} == {greedy.text}


requires_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


@requires_cuda
@pytest.mark.parametrize("decode, graphs", [("shared", True), ("static", True), ("shared", False)])
def test_compiled_decode_on_the_gpu_matches_dynamic(tiny_model_dir, decode: str, graphs: bool) -> None:
    config = dict(device="cuda", dtype="float32", seed=0)
    compiled = HFEngine.load(str(tiny_model_dir), HFEngineConfig(decode=decode, compile=True, cuda_graphs=graphs, **config))
    plain = HFEngine.load(str(tiny_model_dir), HFEngineConfig(decode="dynamic", compile=False, **config))
    requests = [Request(COQ.render(g), 4) for g in GOALS]
    for _ in range(2):  # the second call replays the captured graphs
        a, b = compiled.sample(requests, GREEDY), plain.sample(requests, GREEDY)
        assert [[s.text for s in r] for r in a] == [[s.text for s in r] for r in b]
        for ra, rb in zip(a, b):
            assert [s.logprob for s in ra] == pytest.approx([s.logprob for s in rb], abs=1e-3)
    assert compiled.graph_captures == (1 if graphs else 0)  # once per shape and setting
    sampled = compiled.sample(requests, SamplingParams(temperature=1.0, top_p=0.95, max_new_tokens=12, stop=COQ.stop))
    assert [len(r) for r in sampled] == [4, 4, 4] and all(s.logprob < 0 for r in sampled for s in r)
    assert len({s.text for r in sampled for s in r}) > 1  # the graph draws new random numbers each replay


@requires_cuda
def test_gpu_engine_called_from_new_threads_each_time(tiny_model_dir) -> None:
    """Graphs are captured and replayed on the engine's own thread, whichever thread asks."""
    from concurrent.futures import ThreadPoolExecutor

    engine = HFEngine.load(str(tiny_model_dir), HFEngineConfig(device="cuda", dtype="float32", seed=0))
    requests = [Request(COQ.render(g), 2) for g in GOALS]
    want = [[s.text for s in r] for r in engine.sample(requests, GREEDY)]
    for _ in range(3):
        with ThreadPoolExecutor(3) as pool:  # fresh threads, several at once
            got = list(pool.map(lambda r: [s.text for s in engine.sample([r], GREEDY)[0]], requests))
        assert got == want


def test_a_batch_that_runs_out_of_memory_is_decoded_in_halves(tiny_model_dir, monkeypatch) -> None:
    engine = HFEngine.load(str(tiny_model_dir), HFEngineConfig(device="cpu", seed=0))
    requests = [Request(COQ.render(g), n) for g, n in zip(GOALS, (2, 1, 3))]
    whole = engine.sample(requests, GREEDY)
    generate = engine._generate
    sizes = []

    def device_fits_three_sequences(batch, params, epoch):
        sizes.append(sum(r.n for r in batch))
        if sizes[-1] > 3:
            raise torch.OutOfMemoryError("CUDA out of memory (simulated: at most 3 sequences fit)")
        return generate(batch, params, epoch)

    monkeypatch.setattr(engine, "_generate", device_fits_three_sequences)
    halved = engine.sample(requests, GREEDY)
    assert [[s.text for s in r] for r in halved] == [[s.text for s in r] for r in whole]
    assert sizes == [6, 2, 4, 1, 3]  # (2) + (1, 3): then the 4 splits into the 1 and the 3
    assert engine.oom_splits == 2

    def nothing_fits(batch, params, epoch):
        raise torch.OutOfMemoryError("CUDA out of memory (simulated)")

    monkeypatch.setattr(engine, "_generate", nothing_fits)
    with pytest.raises(torch.OutOfMemoryError):
        engine.sample(requests, GREEDY)


def test_models_the_shared_decode_cannot_run_fall_back_to_dynamic() -> None:
    from transformers import Gemma2Config, Gemma2ForCausalLM

    config = Gemma2Config(vocab_size=64, hidden_size=16, intermediate_size=32, num_hidden_layers=2,
                          num_attention_heads=2, num_key_value_heads=1, head_dim=8)  # fmt: skip
    model = Gemma2ForCausalLM(config)
    tokenizer = type("Tokenizer", (), {"pad_token_id": 0, "eos_token_id": 1, "unk_token_id": 2})()
    assert HFEngine(model, tokenizer, HFEngineConfig(device="cpu")).decode == "dynamic"
    with pytest.raises(ValueError, match="soft-capping"):
        HFEngine(model, tokenizer, HFEngineConfig(device="cpu", decode="shared"))


@pytest.mark.skipif(
    __import__("shutil").which("g++") is None, reason="torch.compile's CPU backend needs a C++ compiler (apt-get install g++)"
)
def test_the_compiled_decode_step_lowers_and_matches_eager(tiny_model_dir) -> None:
    """``compile=True`` through inductor on the CPU: the GPU path's code, less the CUDA graphs."""
    requests = [Request(COQ.render(g), n) for g, n in zip(GOALS, (2, 1, 3))]
    eager = HFEngine.load(str(tiny_model_dir), HFEngineConfig(device="cpu", compile=False, seed=0))
    compiled = HFEngine.load(str(tiny_model_dir), HFEngineConfig(device="cpu", compile=True, seed=0))
    want = [[s.text for s in r] for r in eager.sample(requests, GREEDY)]
    for _ in range(2):
        assert [[s.text for s in r] for r in compiled.sample(requests, GREEDY)] == want
    sampled = compiled.sample(requests, SamplingParams(temperature=1.0, top_p=0.9, max_new_tokens=8, stop=COQ.stop))
    assert [len(r) for r in sampled] == [2, 1, 3] and all(s.logprob < 0 for r in sampled for s in r)


def test_batches_longer_than_the_models_window_decode_with_transformers_cache(tiny_model_dir) -> None:
    """The shared decode does not window attention: past the window a batch takes the dynamic path."""
    from transformers import AutoTokenizer, MistralConfig, MistralForCausalLM

    tokenizer = AutoTokenizer.from_pretrained(str(tiny_model_dir))
    torch.manual_seed(0)
    config = MistralConfig(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                           num_attention_heads=4, num_key_value_heads=2, sliding_window=320)  # fmt: skip
    model = MistralForCausalLM(config).eval()
    dynamic = HFEngine(MistralForCausalLM(config).eval(), tokenizer, HFEngineConfig(device="cpu", decode="dynamic"))
    dynamic.model.load_state_dict(model.state_dict())
    engine = HFEngine(model, tokenizer, HFEngineConfig(device="cpu", seed=0))
    short = [Request("Tactic state:\n" + GOALS[1], 2)]  # a few tokens: 64 + 64 + 64 <= 320
    long = [Request(COQ.render(GOALS[0]), 2)]  # about 300 tokens: past the window once bucketed
    for requests, shared_shapes in ((short, 1), (long, 1)):  # the long batch adds no shared cache
        assert [s.text for s in engine.sample(requests, GREEDY)[0]] == [s.text for s in dynamic.sample(requests, GREEDY)[0]]
        assert len(engine._shared_slots) == shared_shapes and not engine._static_slots


def test_cuda_graph_settings_are_checked(tiny_engine) -> None:
    model, tokenizer = tiny_engine.model, tiny_engine.tokenizer
    with pytest.raises(ValueError, match="needs a CUDA device"):
        HFEngine(model, tokenizer, HFEngineConfig(device="cpu", cuda_graphs=True))
    assert not HFEngine(model, tokenizer, HFEngineConfig(device="cpu")).cuda_graphs


def test_cancel_cuts_the_call_in_flight_short_at_its_next_step_and_later_calls_run(tiny_engine, monkeypatch) -> None:
    """A stopped run must not wait for a whole sampling call (a minute on a loaded CPU)."""
    from prover.engines.base import GenerationCancelled
    from prover.engines.hf import engine as engine_module

    def never_done_and_cancelled_at_step_3(watch, tokens, produced: int) -> bool:
        if produced == 3:
            tiny_engine.cancel()  # as a stopping run's main thread would, while the call decodes
        return False

    with monkeypatch.context() as patch:
        patch.setattr(engine_module.StopWatch, "done", never_done_and_cancelled_at_step_3)
        with pytest.raises(GenerationCancelled, match="after 3 of 40 new tokens"):
            tiny_engine.sample([Request(COQ.render(GOALS[0]), 4)], SamplingParams(max_new_tokens=40))
    [samples] = tiny_engine.sample([Request(COQ.render(GOALS[0]), 2)], SamplingParams(max_new_tokens=8))
    assert len(samples) == 2
