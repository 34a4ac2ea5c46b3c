"""Generation throughput: plain ``generate`` against our batched engine, in one run, honestly counted.

Random weights in a Llama shape (no download), random prompts of a fixed
length, a fixed number of new tokens (no early stop). Cases:

(a) plain ``model.generate`` for one expansion (1 prompt x k samples);
(b) plain ``model.generate`` over ``searches x k`` sequences in one call;
(c) our ``hf`` engine through the batched scheduler, the same sequences
    submitted by ``searches`` concurrent threads, as the benchmark runner does
    (``--also-decode``/``--also-no-graphs`` add rows for other engine settings);
(e) (c)'s workload with prompts that share a ``--header-tokens`` prefix (as a
    search run's few-shot prompts do), the engine's prefix cache off and on;
(d) our engine at each of ``--d-searches`` concurrent searches.

Every run is checked: a request that failed or a sample with fewer tokens than
asked makes its case print ``FAILED`` instead of figures, and the script exits
with status 1. For each case: tokens/s (sequences x new tokens over the wall
time), ms per decode step (wall time less a prefill-only run, over the decode
steps), and two rooflines: the bytes this decode must read per step (weights,
plus the KV each row attends to, counted once where the decode stores it once:
the shared decode keeps each prompt's KV once, the prefix cache the shared
header once) and, for comparison with plain ``generate``, weights plus every
sequence's own copy of its KV. A step faster than its own roofline is a
measurement bug and fails the case. Bandwidth: ``--bandwidth-gbs``, or the best
of a large copy and a large reduction measured here.

    python benchmarks/generation.py                  # 7b shape on CUDA, tiny on CPU
    python benchmarks/generation.py --config tiny
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import torch
from rich.console import Console
from rich.table import Table
from transformers import LlamaForCausalLM, PreTrainedTokenizerFast

from prover.engines.base import SamplingParams
from prover.engines.hf.config import DECODES, HFEngineConfig
from prover.engines.hf.engine import HFEngine
from prover.engines.scheduler import BatchScheduler, SchedulerConfig

try:
    from benchmarks.generation_workload import CONFIGS, Shape, build, device_name, measured_bandwidth_gbs, prompts, sync
except ModuleNotFoundError:  # run as a script, benchmarks/ itself is on sys.path
    from generation_workload import CONFIGS, Shape, build, device_name, measured_bandwidth_gbs, prompts, sync


@dataclass
class Outcome:
    """One run: its wall time, the tokens it produced, and the errors of its requests."""

    seconds: float
    tokens: int
    errors: list[str] = field(default_factory=list)


@dataclass
class Row:
    """One case of the table: the workload, its timings, and why it failed (empty when it did not)."""

    case: str
    sequences: int
    new_tokens: int
    kv_tokens: float  #: KV entries (tokens x layers' K and V) one step of this decode must read
    naive_kv_tokens: float  #: the same with every sequence holding its own copy of its prompt
    seconds: float = 0.0
    prefill_seconds: float = 0.0
    failure: str = ""

    @property
    def tokens_per_s(self) -> float:
        return self.sequences * self.new_tokens / self.seconds

    @property
    def step_ms(self) -> float:
        return 1000 * max(self.seconds - self.prefill_seconds, 1e-9) / max(self.new_tokens - 1, 1)


@dataclass
class Bench:
    """The model under test, its tokenizer, the workload and what one step's bytes cost."""

    model: LlamaForCausalLM
    tokenizer: PreTrainedTokenizerFast
    shape: Shape
    bandwidth_gbs: float

    def kv_tokens(self, sequences: int, prompts: int, shared_decode: bool, header: int = 0) -> tuple[float, float]:
        """KV tokens one step must read: this decode's own (prompt KV once per prompt when shared,
        a cached header once), and the naive count (each sequence its own prompt)."""
        own_tokens = sequences * self.shape.new_tokens / 2
        naive = sequences * self.shape.prompt_tokens + own_tokens
        if not shared_decode:
            return naive, naive
        return header + prompts * (self.shape.prompt_tokens - header) + own_tokens, naive

    def roofline_ms(self, kv_tokens: float) -> float:
        """Milliseconds one decode step needs to read every weight and ``kv_tokens`` tokens of KV."""
        weights = sum(p.numel() * p.element_size() for p in self.model.parameters())
        config = self.model.config
        head_dim = config.hidden_size // config.num_attention_heads
        per_token = 2 * config.num_hidden_layers * config.num_key_value_heads * head_dim * self.model.dtype.itemsize
        return 1000 * (weights + per_token * kv_tokens) / (self.bandwidth_gbs * 1e9)

    def measure(self, row: Row, run: Callable[[int], Outcome], repeats: int) -> Row:
        """Warm up, then time ``run`` ``repeats`` times for the full length and for the prefill alone
        (the fastest of each counts); check every run's tokens and errors."""
        try:
            warm = run(self.shape.new_tokens)
            full = [run(self.shape.new_tokens) for _ in range(repeats)]
            prefill = [run(1) for _ in range(repeats)]
        except Exception as error:  # noqa: BLE001 - a case that cannot run is reported, the others go on
            row.failure = f"{type(error).__name__}: {error}"[:300]
            return row
        outcomes = [warm, *full, *prefill]
        errors = [e for o in outcomes for e in o.errors]
        expected = [row.sequences * self.shape.new_tokens] * (1 + repeats) + [row.sequences] * repeats
        if errors:
            row.failure = f"{len(errors)} errors: {errors[0]}"[:300]
        elif [o.tokens for o in outcomes] != expected:
            row.failure = f"produced {[o.tokens for o in outcomes]} tokens, expected {expected}"
        row.seconds, row.prefill_seconds = min(o.seconds for o in full), min(o.seconds for o in prefill)
        if row.failure:
            return row
        if row.seconds <= row.prefill_seconds:
            row.failure = f"{row.new_tokens} tokens took no longer than 1 ({row.seconds:.4f} s): too short to time"
        elif self.roofline_ms(row.kv_tokens) > row.step_ms:
            row.failure = f"a step of {row.step_ms:.3f} ms beats its roofline of {self.roofline_ms(row.kv_tokens):.3f} ms"
        return row


def plain_generate(bench: Bench, texts: list[str]) -> Callable[[int], Outcome]:
    """A run of one ``model.generate`` call: ``texts`` x ``samples`` sampled sequences."""

    def run(new_tokens: int) -> Outcome:
        batch = bench.tokenizer(texts, return_tensors="pt", padding=True).to(bench.model.device)
        sync(bench.model.device.type)
        start = time.perf_counter()
        with torch.inference_mode():
            out = bench.model.generate(
                **batch, do_sample=True, num_return_sequences=bench.shape.samples, max_new_tokens=new_tokens,
                min_new_tokens=new_tokens, pad_token_id=bench.tokenizer.pad_token_id,
            )  # fmt: skip
        sync(bench.model.device.type)
        return Outcome(time.perf_counter() - start, out.shape[0] * (out.shape[1] - batch["input_ids"].shape[1]))

    return run


def scheduled(engine: HFEngine, texts: list[str], samples: int) -> Callable[[int], Outcome]:
    """A run of ``len(texts)`` threads each asking a fresh scheduler for ``samples`` samples, as searches do."""

    def run(new_tokens: int) -> Outcome:
        params = SamplingParams(max_new_tokens=new_tokens, stop=("\n---",))
        scheduler = BatchScheduler(engine, params, SchedulerConfig(max_batch_size=len(texts) * samples, max_wait_ms=50))
        barrier = threading.Barrier(len(texts) + 1)
        produced, errors = [], []

        def search(text: str) -> None:
            barrier.wait()
            try:
                produced.append(sum(len(s.tokens) for s in scheduler.sample(text, samples)))
            except Exception as error:  # noqa: BLE001 - counted, and the case fails
                errors.append(f"{type(error).__name__}: {error}")

        threads = [threading.Thread(target=search, args=(t,), daemon=True) for t in texts]
        for thread in threads:
            thread.start()
        barrier.wait()
        start = time.perf_counter()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - start
        scheduler.close(close_engine=False)
        return Outcome(seconds, sum(produced), errors)

    return run


def run_cases(bench: Bench, args: argparse.Namespace, console: Console) -> list[Row]:
    """Every selected case, the ones the aims need first; each engine is closed (memory freed) after its cases."""
    shape, started = bench.shape, time.perf_counter()
    k, searches = shape.samples, shape.searches
    rows: list[Row] = []

    def add(case: str, texts: list[str], shared_decode: bool, run: Callable[[int], Outcome], header: int = 0) -> None:
        sequences = len(texts) * k
        row = Row(case, sequences, shape.new_tokens, *bench.kv_tokens(sequences, len(texts), shared_decode, header))
        rows.append(bench.measure(row, run, args.repeats))
        own = bench.roofline_ms(row.kv_tokens)
        status = f"FAILED: {row.failure}" if row.failure else (
            f"{row.tokens_per_s:,.0f} tokens/s, {row.step_ms:.2f} ms/step, {100 * own / row.step_ms:.0f}% of its own roofline"
        )
        console.print(f"[{time.perf_counter() - started:6.1f} s] {case}: {status}", highlight=False)

    def engine(**config) -> HFEngine:
        base = dict(compile=args.compile, cuda_graphs=args.cuda_graphs, decode=args.decode, seed=0, split_on_oom=False)
        return HFEngine(bench.model, bench.tokenizer, HFEngineConfig(**{**base, **config}))

    def engine_case(label: str, other: HFEngine, texts: list[str], header: int = 0) -> None:
        add(label, texts, other.decode == "shared", scheduled(other, texts, k), header)
        other.close()

    one, many = prompts(shape, 1, seed=1), prompts(shape, searches, seed=2)
    if "a" in args.cases:
        add("(a) generate, 1 expansion", one, False, plain_generate(bench, one))
    if "b" in args.cases:
        add(f"(b) generate, {searches} searches", many, False, plain_generate(bench, many))
    # Built after (a) and (b): the shared decode switches the model to its attention (plain SDPA elsewhere).
    main = engine()
    console.print(f"engine: decode={main.decode}, compiled={main.compiled}, CUDA graphs={main.cuda_graphs}")
    if "c" in args.cases:
        engine_case(f"(c) engine ({_settings(main)}), {searches} searches", main, many)
    if "d" in args.cases:
        for count in args.d_searches:
            engine_case(f"(d) engine ({main.decode}), {count} searches", main, prompts(shape, count, seed=count))
    if "c" in args.cases:
        for variant in [{"decode": d} for d in args.also_decode] + ([{"cuda_graphs": False}] if args.also_no_graphs else []):
            other = engine(**variant)
            engine_case(f"(c) engine ({_settings(other)}), {searches} searches", other, many)
    header = shape.prompt_tokens * 3 // 4 if args.header_tokens is None else args.header_tokens
    if "e" in args.cases and header:
        with_header = prompts(shape, searches, seed=3, header=header)
        for cached in (False, True):
            label = f"(e) {header}-token shared header, prefix cache {'on' if cached else 'off'}"
            engine_case(label, engine(prefix_cache=cached), with_header, header if cached else 0)
    if args.profile:  # last: a profiler failure must not cost a measurement
        profile(main, many, k, console)
    return rows


def profile(engine: HFEngine, texts: list[str], samples: int, console: Console) -> None:
    """The device kernels (or CPU ops) of one (c) run of 16 tokens, most time first.

    A run before the profiled one captures any CUDA graph it needs: no capture under the profiler.
    The profiler runs on the engine's device thread, where the model calls are.
    """
    from torch.profiler import ProfilerActivity
    from torch.profiler import profile as torch_profile

    run = scheduled(engine, texts, samples)
    cuda = engine.device.type == "cuda"
    try:
        run(16)
        prof = torch_profile(activities=[ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if cuda else []))
        engine.device_thread.call(prof.__enter__)  # the profiler records the thread it was started on
        try:
            outcome = run(16)
        finally:
            engine.device_thread.call(prof.__exit__, None, None, None)
        sort = "self_device_time_total" if cuda else "self_cpu_time_total"
        console.print(prof.key_averages().table(sort_by=sort, row_limit=25), soft_wrap=True, highlight=False)
        console.print(f"profiled run: {outcome.seconds:.3f} s for {outcome.tokens} tokens, {len(outcome.errors)} errors")
    except Exception as error:  # noqa: BLE001 - the profile is extra: report it and go on
        console.print(f"profile failed: {type(error).__name__}: {error}", highlight=False)


def print_table(console: Console, bench: Bench, rows: list[Row]) -> None:
    """The table; a failed case shows why instead of figures."""
    table = Table(title="generation throughput")
    columns = ("case", "sequences", "tokens/s", "ms/step", "own roofline ms", "% own roofline", "% weights+all-KV", "vs (a)")
    for column in columns:
        table.add_column(column, justify="left" if column == "case" else "right")
    base = next((r.tokens_per_s for r in rows if r.case.startswith("(a)") and not r.failure), None)
    for r in rows:
        if r.failure:
            table.add_row(r.case, str(r.sequences), f"[red]FAILED ({r.failure})[/]", *[""] * 5)
            continue
        own, naive = bench.roofline_ms(r.kv_tokens), bench.roofline_ms(r.naive_kv_tokens)
        table.add_row(
            r.case, str(r.sequences), f"{r.tokens_per_s:,.0f}", f"{r.step_ms:.2f}", f"{own:.2f}", f"{100 * own / r.step_ms:.0f}%",
            f"{100 * naive / r.step_ms:.0f}%", f"{r.tokens_per_s / base:.1f}x" if base else "",
        )  # fmt: skip
    console.print(table)


def main(argv: list[str] | None = None) -> int:
    """Run the cases, print the table; 1 if any case failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cuda = torch.cuda.is_available()
    add = parser.add_argument
    add("--config", choices=sorted(CONFIGS), default="7b" if cuda else "tiny", help="model shape and workload (default: 7b on CUDA, tiny on CPU)")
    add("--device", default="cuda" if cuda else "cpu", help="torch device (default: cuda if available)")
    add("--cases", default="abced", help="which cases to run, e.g. 'acd' (default: %(default)s)")
    add("--bandwidth-gbs", type=float, default=None, help="memory bandwidth for the roofline (default: measured)")
    add("--d-searches", type=int, nargs="+", default=None, help="concurrent searches of the (d) rows (default: 32 128 on GPU, 16 on CPU)")
    add("--decode", choices=DECODES, default=None, help="engine decode (default: shared)")
    add("--cuda-graphs", action=argparse.BooleanOptionalAction, default=None, help="engine CUDA graphs (default: on CUDA)")
    add("--also-decode", choices=DECODES, nargs="*", default=[], help="more (c) rows, one per other decode")
    add("--also-no-graphs", action="store_true", help="one more (c) row: the compiled step called each token, no CUDA graph")
    add("--compile", action=argparse.BooleanOptionalAction, default=None, help="compiled decode step (default: on CUDA)")
    add("--header-tokens", type=int, default=None, help="(e): prompt tokens all searches share; 0 skips (e) (default: 3/4 of the prompt)")
    add("--new-tokens", type=int, default=None, help="tokens generated per sequence (default: the config's)")
    add("--prompt-tokens", type=int, default=None, help="prompt length in tokens (default: the config's)")
    add("--repeats", type=int, default=3, help="timed runs per case; the fastest counts (default: %(default)s)")
    add("--profile", action="store_true", help="print the top kernels (CPU: ops) of one (c) run, after the other cases")
    args = parser.parse_args(argv)
    args.d_searches = args.d_searches or ([32, 128] if cuda else [16])

    shape = CONFIGS[args.config]
    shape = replace(shape, new_tokens=args.new_tokens or shape.new_tokens, prompt_tokens=args.prompt_tokens or shape.prompt_tokens)
    dtype = torch.bfloat16 if args.device.startswith("cuda") else torch.float32
    torch.manual_seed(0)
    model, tokenizer = build(shape, args.device, dtype)
    bench = Bench(model, tokenizer, shape, args.bandwidth_gbs or measured_bandwidth_gbs(args.device))
    console = Console(width=160)
    console.print(
        f"config {args.config}: {sum(p.numel() for p in model.parameters()) / 1e6:.0f}M params, {dtype}, "
        f"prompt {shape.prompt_tokens} + {shape.new_tokens} new tokens, k={shape.samples}; device {device_name(args.device)}; "
        f"bandwidth {bench.bandwidth_gbs:.0f} GB/s; torch {torch.__version__}",
        highlight=False,
    )
    rows = run_cases(bench, args, console)
    print_table(console, bench, rows)
    failed = [r for r in rows if r.failure]
    if failed:
        console.print(f"[red]{len(failed)} of {len(rows)} cases FAILED[/]")
    return 1 if failed else 0


def _settings(engine: HFEngine) -> str:
    """An engine's decode and how its steps run, for a row's label."""
    how = "CUDA graphs" if engine.cuda_graphs else "compiled" if engine.compiled else "eager"
    return f"{engine.decode}, {how}"


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # The work is done: do not let a library's leftover threads or pools (compile workers, a device
    # thread blocked in a driver call) keep the process alive after the table.
    os._exit(code)
