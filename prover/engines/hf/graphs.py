"""CUDA graphs of the decode step, captured by the engine: one per shape and sampling setting.

A compiled decode step still costs the host a guard check, a wrapper call and
kernel launches every token; for a 7B model at a few dozen sequences that is a
large share of the step. The engine captures the step (compiled or not) as a
``torch.cuda.CUDAGraph`` once per :class:`~prover.engines.hf.decode.DecodeSlot`
and then replays it, one call per token, as vLLM does per batch size. The step
reads and writes only tensors of fixed addresses (the slot's cache and
buffers), so replays need no input copies. All graphs share one memory pool:
they run one at a time. Capture and replay happen on the engine's device
thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

#: Steps run before capturing: the first compiles (when compiled), the second runs warm.
WARMUP_STEPS = 2


def capture_step(step: Callable[[], None], pool: Any) -> torch.cuda.CUDAGraph:
    """Warm ``step`` up on a side stream, then capture one call of it as a CUDA graph in ``pool``.

    The warm-up steps mutate the state ``step`` works on; the caller resets it afterwards.
    """
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):
        for _ in range(WARMUP_STEPS):
            step()
    torch.cuda.current_stream().wait_stream(side)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph, pool=pool, capture_error_mode="thread_local"):  # other threads may use CUDA meanwhile
        step()
    return graph


def new_pool() -> Any:
    """A private memory pool for the engine's graphs."""
    return torch.cuda.graph_pool_handle()
