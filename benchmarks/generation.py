"""Generation throughput: plain ``generate`` against our batched engine, in one run.

Random weights in a Llama shape (no download), random prompts of a fixed
length, a fixed number of new tokens (no early stop). Four cases:

(a) plain ``model.generate`` for one expansion (1 prompt x k samples);
(b) plain ``model.generate`` over ``searches x k`` sequences in one call;
(c) our ``hf`` engine through the batched scheduler, the same sequences
    submitted by ``searches`` concurrent threads, as the benchmark runner does;
(d) our engine at the largest concurrency that fits (GPU) or ``--max-searches``.

``--also-decode static`` adds a (c) row per other decode strategy of the engine
(``shared``, ``static``, ``dynamic``), measured in the same run on the same model.
(e) runs (c)'s workload with prompts that share a ``--header-tokens`` prefix (as
a search run's few-shot prompts do), with the engine's prefix cache off and on.

For each: tokens/s, ms per decode step (prefill timed separately and taken
out), and the fraction of the weights+KV roofline (bytes one decode step must
read, over the memory bandwidth: ``--bandwidth-gbs``, or measured with a large
copy when not given).

    python benchmarks/generation.py                  # 7b shape on CUDA, tiny on CPU
    python benchmarks/generation.py --config tiny
"""

from __future__ import annotations

import argparse
import platform
import threading
import time
from dataclasses import dataclass, replace
from functools import partial

import torch
from rich.console import Console
from rich.table import Table
from tokenizers import Tokenizer, models, pre_tokenizers
from transformers import LlamaForCausalLM, PreTrainedTokenizerFast

from prover.engines.base import DECODES, SamplingParams
from prover.engines.hf.engine import HFEngine, HFEngineConfig
from prover.engines.scheduler import BatchScheduler, SchedulerConfig
from tools.tiny_model import LlamaShape


@dataclass(frozen=True)
class Shape:
    """Model shape and workload of one benchmark configuration."""

    model: LlamaShape
    prompt_tokens: int = 256
    new_tokens: int = 64
    samples: int = 8
    searches: int = 8


CONFIGS = {
    # Llama-2-7B (Llemma 7B's shape).
    "7b": Shape(LlamaShape(32000, 4096, 11008, num_layers=32, num_heads=32, num_kv_heads=32)),
    # Small enough for two CPU cores, same proportions of work.
    "tiny": Shape(LlamaShape(32000, 512, 1376, num_layers=4, num_heads=8, num_kv_heads=8), prompt_tokens=128, new_tokens=32),
}


@dataclass
class Measurement:
    """One case's timing."""

    case: str
    sequences: int
    seconds: float
    prefill_seconds: float
    new_tokens: int
    roofline_ms: float

    @property
    def tokens_per_s(self) -> float:
        return self.sequences * self.new_tokens / self.seconds

    @property
    def step_ms(self) -> float:
        return 1000 * max(self.seconds - self.prefill_seconds, 1e-9) / max(self.new_tokens - 1, 1)


def build(shape: Shape, device: str, dtype: torch.dtype) -> tuple[LlamaForCausalLM, PreTrainedTokenizerFast]:
    """A random-weight Llama of ``shape`` and a word-level tokenizer where ``"t<i>"`` is token ``i``."""
    config = shape.model.config(bos_token_id=None, eos_token_id=None, pad_token_id=0)
    with torch.device(device):
        model = LlamaForCausalLM._from_config(config, dtype=dtype, attn_implementation="sdpa")
    vocab = {f"t{i}": i for i in range(shape.model.vocab_size)}
    core = Tokenizer(models.WordLevel(vocab, unk_token="t1"))
    core.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=core, pad_token="t0", unk_token="t1", padding_side="left")
    return model.eval(), tokenizer


def prompts(shape: Shape, count: int, seed: int, header: int = 0) -> list[str]:
    """``count`` random prompts of ``shape.prompt_tokens`` tokens; the first ``header`` are the same in all."""
    rng = torch.Generator().manual_seed(seed)
    ids = torch.randint(2, shape.model.vocab_size, (count, shape.prompt_tokens), generator=rng)
    ids[:, :header] = torch.randint(2, shape.model.vocab_size, (header,), generator=torch.Generator().manual_seed(0))
    return [" ".join(f"t{i}" for i in row.tolist()) for row in ids]


def roofline_ms(model: LlamaForCausalLM, shape: Shape, sequences: int, bandwidth_gbs: float) -> float:
    """Time one decode step needs to read every weight and each sequence's mean KV cache."""
    weight_bytes = sum(p.numel() * p.element_size() for p in model.parameters())
    element = next(model.parameters()).element_size()
    mean_context = shape.prompt_tokens + shape.new_tokens / 2
    m = shape.model
    kv_width = m.num_kv_heads * (m.hidden_size // m.num_heads)
    kv_bytes = 2 * m.num_layers * kv_width * element * sequences * mean_context
    return 1000 * (weight_bytes + kv_bytes) / (bandwidth_gbs * 1e9)


def measured_bandwidth_gbs(device: str) -> float:
    """Copy bandwidth (read + write) of a large tensor copy on ``device``."""
    source = torch.empty(64 * 2**20, dtype=torch.float32, device=device).fill_(1.0)
    target = torch.empty_like(source)
    for _ in range(2):
        target.copy_(source)
    _sync(device)
    start = time.perf_counter()
    for _ in range(5):
        target.copy_(source)
    _sync(device)
    return 5 * 2 * source.numel() * 4 / (time.perf_counter() - start) / 1e9


def plain_generate(model, tokenizer, texts: list[str], shape: Shape, new_tokens: int) -> float:
    """Seconds for one ``model.generate`` call: ``texts`` x ``shape.samples`` sampled sequences."""
    batch = tokenizer(texts, return_tensors="pt", padding=True).to(model.device)
    _sync(model.device.type)
    start = time.perf_counter()
    with torch.inference_mode():
        model.generate(
            **batch,
            do_sample=True,
            num_return_sequences=shape.samples,
            max_new_tokens=new_tokens,
            min_new_tokens=new_tokens,
            pad_token_id=tokenizer.pad_token_id,
        )
    _sync(model.device.type)
    return time.perf_counter() - start


def scheduled(engine: HFEngine, texts: list[str], shape: Shape, new_tokens: int) -> tuple[float, list[int]]:
    """Seconds for ``len(texts)`` threads to each get ``shape.samples`` samples via one scheduler."""
    params = SamplingParams(max_new_tokens=new_tokens, stop=("\n---",))
    config = SchedulerConfig(max_batch_size=len(texts) * shape.samples, max_wait_ms=50)
    scheduler = BatchScheduler(engine, params, config)
    barrier = threading.Barrier(len(texts) + 1)
    threads = [threading.Thread(target=lambda t=t: (barrier.wait(), scheduler.sample(t, shape.samples))) for t in texts]
    for thread in threads:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    _sync(engine.device.type)
    seconds = time.perf_counter() - start
    scheduler.close(close_engine=False)
    return seconds, scheduler.stats.batch_sequences


@dataclass
class Bench:
    """The model under test, its engine, the workload and the bandwidth for the roofline."""

    model: LlamaForCausalLM
    tokenizer: PreTrainedTokenizerFast
    engine: HFEngine | None
    shape: Shape
    bandwidth_gbs: float

    def measure(self, case: str, run, sequences: int) -> Measurement:
        """Warm up, then time ``run(new_tokens)`` for the full length and for prefill alone."""
        run(self.shape.new_tokens)
        seconds = run(self.shape.new_tokens)
        prefill = run(1)
        roofline = roofline_ms(self.model, self.shape, sequences, self.bandwidth_gbs)
        return Measurement(case, sequences, seconds, prefill, self.shape.new_tokens, roofline)

    def generate(self, texts: list[str]):
        """A run of plain ``generate`` over ``texts``."""
        return lambda new_tokens: plain_generate(self.model, self.tokenizer, texts, self.shape, new_tokens)

    def scheduled(self, texts: list[str]):
        """A run of our engine with one thread per text."""
        return lambda new_tokens: scheduled(self.engine, texts, self.shape, new_tokens)[0]

    def largest_fitting(self, limit: int) -> Measurement | None:
        """(d): double the concurrency from 2 x searches up to ``limit`` while it fits in memory."""
        best = None
        searches = self.shape.searches * 2
        while searches <= limit:
            texts = prompts(self.shape, searches, seed=searches)
            try:
                case = f"(d) engine+scheduler, {searches} searches"
                best = self.measure(case, self.scheduled(texts), searches * self.shape.samples)
            except torch.OutOfMemoryError:
                break
            finally:
                self.engine.close()
            searches *= 2
        return best


def main(argv: list[str] | None = None) -> None:
    """Run the four cases and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cuda = torch.cuda.is_available()
    add = parser.add_argument
    add("--config", choices=sorted(CONFIGS), default="7b" if cuda else "tiny")
    add("--device", default="cuda" if cuda else "cpu")
    add("--bandwidth-gbs", type=float, default=None, help="memory bandwidth for the roofline (default: measured)")
    add("--max-searches", type=int, default=None, help="largest concurrency tried in (d) (default: 128 on GPU, 16 on CPU)")
    add("--decode", choices=DECODES, default=None, help="engine decode (default: shared)")
    add("--also-decode", choices=DECODES, nargs="*", default=[], help="more (c) rows, one per other decode strategy")
    add("--compile", action=argparse.BooleanOptionalAction, default=None, help="compiled decode step (default: on CUDA)")
    add("--header-tokens", type=int, default=None, help="(e): prompt tokens all searches share; 0 skips (e) (default: 3/4 of the prompt)")
    add("--new-tokens", type=int, default=None, help="tokens generated per sequence (default: 64 for 7b, 32 for tiny)")
    add("--prompt-tokens", type=int, default=None, help="prompt length in tokens (default: 256 for 7b, 128 for tiny)")
    args = parser.parse_args(argv)

    shape = CONFIGS[args.config]
    shape = replace(
        shape, new_tokens=args.new_tokens or shape.new_tokens, prompt_tokens=args.prompt_tokens or shape.prompt_tokens
    )
    dtype = torch.bfloat16 if args.device.startswith("cuda") else torch.float32
    torch.manual_seed(0)
    model, tokenizer = build(shape, args.device, dtype)
    bench = Bench(model, tokenizer, None, shape, args.bandwidth_gbs or measured_bandwidth_gbs(args.device))
    console = Console(width=140)
    console.print(
        f"config {args.config}: {sum(p.numel() for p in model.parameters()) / 1e6:.0f}M params, {dtype}, "
        f"prompt {shape.prompt_tokens} + {shape.new_tokens} new tokens, k={shape.samples}; "
        f"device {_device_name(args.device)}; bandwidth {bench.bandwidth_gbs:.0f} GB/s; torch {torch.__version__}"
    )

    one = prompts(shape, 1, seed=1)
    many = prompts(shape, shape.searches, seed=2)
    k, n = shape.samples, shape.searches * shape.samples
    results = [
        bench.measure("(a) generate, 1 expansion", bench.generate(one), k),
        bench.measure(f"(b) generate, {shape.searches} searches", bench.generate(many), n),
    ]
    engine_config = partial(HFEngineConfig, compile=args.compile, seed=0, split_on_oom=False)

    def variant(label: str, texts: list[str], **config) -> Measurement:
        """(c)'s workload on an engine of another configuration, closed afterwards."""
        other = replace(bench, engine=HFEngine(model, tokenizer, engine_config(**config)))
        try:
            return other.measure(label, other.scheduled(texts), n)
        finally:
            other.engine.close()

    # Built after (a) and (b): the shared decode switches the model to its attention (plain SDPA elsewhere).
    bench.engine = HFEngine(model, tokenizer, engine_config(decode=args.decode))
    console.print(f"engine: decode={bench.engine.decode}, compiled={bench.engine._compiled}")
    label = f"(c) engine+scheduler ({bench.engine.decode}), {shape.searches} searches"
    results.append(bench.measure(label, bench.scheduled(many), n))
    for decode in args.also_decode:
        results.append(variant(f"(c) {decode} decode, {shape.searches} searches", many, decode=decode))
    header = shape.prompt_tokens * 3 // 4 if args.header_tokens is None else args.header_tokens
    if header:
        # (e): prompts that share a few-shot header, as a search run's do; prefix cache off, then on.
        with_header = prompts(shape, shape.searches, seed=3, header=header)
        for cached in (False, True):
            label = f"(e) {header}-token shared header, prefix cache {'on' if cached else 'off'}"
            results.append(variant(label, with_header, prefix_cache=cached))
    best = bench.largest_fitting(args.max_searches or (128 if cuda else 16))
    if best is not None:
        results.append(best)
    _print_table(console, results)
    if cuda and args.compile is not False:
        from torch._dynamo.utils import counters

        # Skipped graphs run kernel by kernel: far slower on the GPU. The log says why (TORCH_LOGS=perf_hints).
        console.print(f"compiled decode steps that skipped CUDA graphs: {counters['inductor']['cudagraph_skips']}")


def _print_table(console: Console, results: list[Measurement]) -> None:
    table = Table(title="generation throughput")
    for column in ("case", "sequences", "tokens/s", "ms/step", "roofline ms/step", "% roofline", "vs (a)"):
        table.add_column(column, justify="left" if column == "case" else "right")
    base = results[0].tokens_per_s
    for m in results:
        table.add_row(
            m.case,
            str(m.sequences),
            f"{m.tokens_per_s:,.0f}",
            f"{m.step_ms:.1f}",
            f"{m.roofline_ms:.1f}",
            f"{100 * m.roofline_ms / m.step_ms:.0f}%",
            f"{m.tokens_per_s / base:.1f}x",
        )
    console.print(table)


def _sync(device: str) -> None:
    if str(device).startswith("cuda"):
        torch.cuda.synchronize()


def _device_name(device: str) -> str:
    if device.startswith("cuda"):
        return torch.cuda.get_device_name(device)
    return f"{platform.processor() or platform.machine()} ({torch.get_num_threads()} threads)"


if __name__ == "__main__":
    main()
