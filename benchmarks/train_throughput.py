"""Training throughput: our training step against a plain Hugging Face loop, same model and batch, one run.

Rows (each: tokens/s and MFU, over ``--steps`` timed optimizer steps after ``--warmup``):

(a) plain Hugging Face: the model in bf16 on a GPU (fp32 on the CPU), ``model(**batch).loss.backward()``,
    ``torch.optim.AdamW`` with its defaults;
(b) our step (``train.trainer``): fp32 master weights with bf16 autocast on a GPU, our summed
    token loss, fused AdamW on CUDA, gradient clipping;
(c) (b) with the model under ``torch.compile`` (``[model] compile = true``).

A step whose loss is not finite fails its row (``FAILED``, exit 1). MFU counts 6 FLOPs per
parameter per token plus attention (12 x layers x width x context), against the card's dense
bf16 peak and against the best bf16 matrix-product rate measured here (fp32 on the CPU), the
ceiling a training step can reach; a row past that ceiling fails as a counting bug.

    python benchmarks/train_throughput.py                 # 1b on CUDA, tiny on the CPU
    python benchmarks/train_throughput.py --config tiny
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch
from rich.console import Console
from rich.table import Table
from transformers import LlamaConfig, LlamaForCausalLM

from train.config import OptimConfig
from train.model import flops_per_token
from train.optim import build_optimizer
from train.run_log import peak_tflops
from train.loss import token_loss_sum

CONFIGS = {
    # About 1.1B parameters, Llama-3.2-1B's proportions with a 32k vocabulary; 4 x 4096 tokens a step.
    "1b": (dict(hidden_size=2048, intermediate_size=8192, num_hidden_layers=16, num_attention_heads=32, num_key_value_heads=8), 4, 4096),
    # For the tests: seconds on a CPU.
    "micro": (dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2), 2, 64),
    # Two CPU cores.
    "tiny": (dict(hidden_size=256, intermediate_size=688, num_hidden_layers=4, num_attention_heads=4, num_key_value_heads=4), 4, 256),
}


@dataclass
class Row:
    """One way of training: its timing, or why it failed."""

    case: str
    tokens_per_s: float = 0.0
    seconds_per_step: float = 0.0
    loss: float = math.nan
    memory_gb: float = 0.0
    failure: str = ""


def build(config: str, device: torch.device, dtype: torch.dtype, vocab: int) -> LlamaForCausalLM:
    """A Llama of ``config`` with random weights, reproducibly initialised."""
    fields, _, seq_len = CONFIGS[config]
    torch.manual_seed(0)
    llama = LlamaConfig(vocab_size=vocab, max_position_embeddings=seq_len, **fields)
    with torch.device(device):
        return LlamaForCausalLM._from_config(llama, dtype=dtype, attn_implementation="sdpa").train()


def time_steps(step: Callable[[], float], warmup: int, steps: int, device: torch.device) -> tuple[float, float]:
    """Seconds per step (the mean of ``steps`` after ``warmup``) and the last loss."""
    loss = math.nan
    for _ in range(warmup):
        loss = step()
    _sync(device)
    started = time.perf_counter()
    for _ in range(steps):
        loss = step()
    _sync(device)
    return (time.perf_counter() - started) / steps, loss


def plain_step(model: torch.nn.Module, optimizer: torch.optim.Optimizer, batch: torch.Tensor) -> Callable[[], float]:
    """The plain Hugging Face loop's step."""

    def step() -> float:
        loss = model(input_ids=batch, labels=batch).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        return float(loss.detach())

    return step


def our_step(model: torch.nn.Module, optimizer: torch.optim.Optimizer, batch: torch.Tensor, device: torch.device) -> Callable[[], float]:
    """Our trainer's step: summed token loss over the batch, bf16 autocast on CUDA, clipping, fused AdamW."""
    scored = batch.shape[0] * (batch.shape[1] - 1)

    def step() -> float:
        loss_sum = token_loss_sum(model, batch, batch, device, bf16=True)
        (loss_sum / scored).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        return float(loss_sum.detach()) / scored

    return step


def measure(case: str, make: Callable[[], Callable[[], float]], args: argparse.Namespace, device: torch.device) -> Row:
    """One row: build, warm up, time; any error or a non-finite loss fails it."""
    row = Row(case)
    try:
        if device.type == "cuda":
            torch.cuda.empty_cache()
            torch.cuda.reset_peak_memory_stats(device)
        seconds, loss = time_steps(make(), args.warmup, args.steps, device)
    except Exception as error:  # noqa: BLE001 - reported as the row's failure; the other rows go on
        row.failure = f"{type(error).__name__}: {error}"[:300]
        return row
    _, micro, seq_len = CONFIGS[args.config]
    row.seconds_per_step, row.loss = seconds, loss
    row.tokens_per_s = micro * seq_len / seconds
    row.memory_gb = torch.cuda.max_memory_allocated(device) / 2**30 if device.type == "cuda" else 0.0
    if not math.isfinite(loss):
        row.failure = f"the loss is {loss}"
    return row


def matmul_tflops(device: torch.device) -> float:
    """The best measured rate of large matrix products: bf16 on CUDA, fp32 on the CPU (several sizes)."""
    sizes, dtype = ((4096, 8192), torch.bfloat16) if device.type == "cuda" else ((512, 1024, 2048), torch.float32)
    best = 0.0
    for n in sizes:
        a, b = torch.randn(n, n, device=device, dtype=dtype), torch.randn(n, n, device=device, dtype=dtype)
        for _ in range(3):
            a @ b
        for _ in range(3):
            _sync(device)
            started = time.perf_counter()
            for _ in range(5):
                a @ b
            _sync(device)
            best = max(best, 5 * 2 * n**3 / (time.perf_counter() - started) / 1e12)
    return best


def main(argv: list[str] | None = None) -> int:
    """Run the rows and print the table; 1 if any row failed."""
    cuda = torch.cuda.is_available()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", choices=sorted(CONFIGS), default="1b" if cuda else "tiny", help="model and batch (default: 1b on CUDA, tiny on the CPU)")
    parser.add_argument("--steps", type=int, default=5, help="timed optimizer steps per row (default: %(default)s)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed steps first; they include compilation (default: %(default)s)")
    parser.add_argument("--vocab", type=int, default=32000, help="vocabulary size (default: %(default)s)")
    parser.add_argument("--no-compile", action="store_true", help="leave out row (c)")
    args = parser.parse_args(argv)
    device = torch.device("cuda" if cuda else "cpu")
    _, micro, seq_len = CONFIGS[args.config]
    batch = torch.randint(0, args.vocab, (micro, seq_len), generator=torch.Generator().manual_seed(0)).to(device)
    console = Console(width=150)
    name = torch.cuda.get_device_name(device) if cuda else f"{platform.machine()} ({torch.get_num_threads()} threads)"
    ceiling, peak = matmul_tflops(device), peak_tflops(name)
    probe = build(args.config, torch.device("meta"), torch.float32, args.vocab)
    parameters = sum(p.numel() for p in probe.parameters())
    flops = flops_per_token(probe.config, parameters, seq_len)
    console.print(f"config {args.config}: {parameters / 1e6:.0f}M parameters, {micro} x {seq_len} tokens a step; {name}; "
                  f"measured matmul {ceiling:.1f} TFLOP/s, dense bf16 peak {peak or 'unknown'}; torch {torch.__version__}", highlight=False)  # fmt: skip
    plain_dtype = torch.bfloat16 if cuda else torch.float32

    def plain() -> Callable[[], float]:
        model = build(args.config, device, plain_dtype, args.vocab)
        return plain_step(model, torch.optim.AdamW(model.parameters(), lr=1e-4), batch)

    def ours(compiled: bool) -> Callable[[], Callable[[], float]]:
        def make() -> Callable[[], float]:
            model = build(args.config, device, torch.float32, args.vocab)
            optimizer = build_optimizer(model, OptimConfig(lr=1e-4))
            return our_step(torch.compile(model) if compiled else model, optimizer, batch, device)

        return make

    rows = [measure("(a) plain Hugging Face loop", plain, args, device)]
    rows.append(measure("(b) our training step", ours(False), args, device))
    if not args.no_compile:
        rows.append(measure("(c) our training step, torch.compile", ours(True), args, device))
    for row in rows:  # a step faster than the hardware's own matrix rate means a wrong count or ceiling
        if not row.failure and flops * row.tokens_per_s / 1e12 > ceiling:
            row.failure = f"{flops * row.tokens_per_s / 1e12:.2f} TFLOP/s is past the measured {ceiling:.2f}: a counting bug"
    table = Table(title="training throughput")
    for column in ("case", "tokens/s", "s/step", "MFU (peak)", "of measured matmul", "loss", "memory GB", "vs (a)"):
        table.add_column(column, justify="left" if column == "case" else "right")
    base = rows[0].tokens_per_s if not rows[0].failure else 0.0
    for row in rows:
        if row.failure:
            table.add_row(row.case, f"[red]FAILED ({row.failure})[/]", *[""] * 6)
            continue
        achieved = flops * row.tokens_per_s / 1e12
        table.add_row(row.case, f"{row.tokens_per_s:,.0f}", f"{row.seconds_per_step:.3f}", f"{100 * achieved / peak:.1f}%" if peak else "",
                      f"{100 * achieved / ceiling:.1f}%", f"{row.loss:.3f}", f"{row.memory_gb:.1f}", f"{row.tokens_per_s / base:.2f}x" if base else "")  # fmt: skip
    console.print(table)
    return 1 if any(row.failure for row in rows) else 0


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    os._exit(code)  # the work is done: no compile worker may keep the process alive
