"""The ``hf`` engine: Hugging Face transformers, on the CPU or the GPU.

One call to :meth:`HFEngine.sample` serves a whole batch of requests:

1. **Prefill** each distinct prompt once (left-padded, one forward pass).
2. **Share** each prompt's KV cache with its ``n`` samples, so an expansion of
   ``k`` samples pays for one prefill. ``decode="shared"`` (the default)
   keeps the prompt's KV once and attends to it with the ``k`` queries
   together (:mod:`prover.engines.hf.shared_prefix`), so a decode step reads
   it once; ``"static"`` and ``"dynamic"`` copy it into every sample's row.
3. **Decode** all sequences together one token per step
   (:mod:`prover.engines.hf.decode`). On the GPU the step runs on a
   fixed-shape cache (``shared`` or ``static``), compiled by ``torch.compile``
   and replayed as one CUDA graph per shape (:mod:`prover.engines.hf.graphs`),
   the choice of the next tokens included; on the CPU it runs eagerly. The
   host looks at the tokens only every few steps (to stop early when every
   sequence has hit a stop sequence), so the GPU is not stalled per step.

Every model call runs on the engine's own device thread
(:mod:`prover.engines.hf.device_thread`), whichever thread calls ``sample``.

Log-probabilities are the model's own (log-softmax of the raw logits), summed
over the tokens up to and including the one that completes the stop sequence
or the end-of-sequence token.
"""

from __future__ import annotations

import logging
import weakref
from collections import OrderedDict
from collections.abc import Callable
from functools import partial
from typing import Any

import torch
from transformers import DynamicCache, StaticCache

from prover.engines.base import Engine, GenerationCancelled, Request, Sample, SamplingParams
from prover.engines.hf.config import HFEngineConfig
from prover.engines.hf.decode import (
    DecodeBuffers,
    DecodePlan,
    DecodeSlot,
    StopWatch,
    advance_shared,
    advance_static,
    dynamic_stepper,
)
from prover.engines.hf.device_thread import DeviceThread
from prover.engines.hf.graphs import capture_step, new_pool
from prover.engines.hf.kv_arena import KVArena, round_up
from prover.engines.hf.loading import load_model, pad_id
from prover.engines.hf.outputs import all_stopped, collect_samples
from prover.engines.hf.prefix_cache import CommonPrefix, PrefixCache
from prover.engines.hf.sampling import sample_next
from prover.engines.hf.shared_prefix import SharedPrefixCache, choose_decode, enable_shared_prefix_attention

_log = logging.getLogger(__name__)


class HFEngine(Engine):
    """Batched sampling with a transformers causal LM (see the module docstring)."""

    name = "hf"

    def __init__(self, model: Any, tokenizer: Any, config: HFEngineConfig = HFEngineConfig()):
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.config = config
        self.device = next(model.parameters()).device
        on_cuda = self.device.type == "cuda"
        self.decode = choose_decode(config, model)
        if self.decode == "shared":
            enable_shared_prefix_attention(model)
        self.compiled = on_cuda if config.compile is None else config.compile
        self.cuda_graphs = on_cuda and self.compiled if config.cuda_graphs is None else config.cuda_graphs
        if self.cuda_graphs and not on_cuda:
            raise ValueError("cuda_graphs needs a CUDA device")
        self.stop_check_every = config.stop_check_every or (8 if on_cuda else 1)
        self.pad_id = pad_id(tokenizer)
        self.eos_id = tokenizer.eos_token_id
        self._advance: dict[str, Callable[..., None]] = {"shared": self._advance_shared, "static": self._advance_static}
        if self.compiled:
            self.compile_steps()
        #: One slot (cache, buffers, CUDA graphs) per shape; shared caches are views into one KV arena.
        self._shared_slots: dict[tuple[int, ...], DecodeSlot] = {}
        self._static_slots: OrderedDict[tuple[int, ...], DecodeSlot] = OrderedDict()
        self._arena: KVArena | None = None
        self._graph_pool: Any = None
        #: CUDA graphs captured so far (one per slot and sampling setting).
        self.graph_captures = 0
        self._generator = torch.Generator(device=self.device)
        if config.seed is not None:
            self._generator.manual_seed(config.seed)
            if on_cuda:
                torch.cuda.manual_seed(config.seed)  # compiled and captured steps draw from the device's RNG
        else:
            self._generator.seed()
        #: How many times a batch was halved because the device ran out of memory.
        self.oom_splits = 0
        #: How many times :meth:`cancel` was called: a call made before the latest one stops at its next step.
        self._cancels = 0
        #: KV of the prefix (few-shot examples) that prompts share, kept across calls.
        self.prefix_cache = PrefixCache(config.prefix_cache_config)
        # Neither the thread nor its initializer may refer to the engine: the thread ends when the engine goes.
        bind = partial(torch.cuda.set_device, self.device) if on_cuda else None
        self.device_thread = DeviceThread("hf-engine", initializer=bind)
        weakref.finalize(self, self.device_thread.stop)

    @classmethod
    def load(cls, path: str, config: HFEngineConfig = HFEngineConfig()) -> "HFEngine":
        """An engine for the model at ``path`` (hub id or local folder)."""
        model, tokenizer = load_model(path, config)
        return cls(model, tokenizer, config)

    @property
    def max_positions(self) -> int:
        """The longest sequence the model's position embeddings allow."""
        return int(getattr(self.model.config, "max_position_embeddings", 4096))

    def compile_steps(self, **options: Any) -> None:
        """Compile the fixed-shape decode steps with ``torch.compile(**options)``, one graph per shape.

        Not torch.compile's ``reduce-overhead`` mode: its CUDA-graph trees work only on the thread
        that imported them (torch 2.11), and the engine captures graphs itself (:mod:`.graphs`),
        as fast (measured in docs/benchmarks.md). Each shape gets its own specialised graph (``dynamic=False``: dynamo would otherwise switch
        to slower shape-generic kernels after the first recompile); more graphs than dynamo's
        default of 8 are allowed.
        """
        torch._dynamo.config.recompile_limit = max(torch._dynamo.config.recompile_limit, 64)
        self._advance = {
            "shared": torch.compile(self._advance_shared, dynamic=False, **options),
            "static": torch.compile(self._advance_static, dynamic=False, **options),
        }

    def sample(self, requests: list[Request], params: SamplingParams) -> list[list[Sample]]:
        """``request.n`` samples for every request, decoded in one batch on the device thread."""
        if not requests:
            return []
        if params.max_new_tokens < 1 or any(r.n < 1 for r in requests):
            raise ValueError(f"need max_new_tokens >= 1 and n >= 1, got {params.max_new_tokens} and {[r.n for r in requests]}")
        return self.device_thread.call(self._sample_on_device, requests, params, self._cancels)

    def cancel(self) -> None:
        """Cut short the calls made so far: each stops before its next decode step (see :meth:`Engine.cancel`)."""
        self._cancels += 1

    def close(self) -> None:
        """Drop the cached KV tensors and CUDA graphs (the model stays usable)."""
        self.device_thread.call(self._free_memory)

    # -- on the device thread -----------------------------------------------------------

    def _sample_on_device(self, requests: list[Request], params: SamplingParams, epoch: int) -> list[list[Sample]]:
        with torch.inference_mode():
            return self._sample_fitting(requests, params, epoch)

    def _sample_fitting(self, requests: list[Request], params: SamplingParams, epoch: int) -> list[list[Sample]]:
        """Decode ``requests`` as one batch; when the device runs out of memory, as two halves."""
        try:
            tokens, logps, owners = self._generate(requests, params, epoch)
        except torch.OutOfMemoryError:
            if not self.config.split_on_oom or sum(r.n for r in requests) <= 1:
                raise
            self.oom_splits += 1
            _log.warning("out of device memory for %d sequences: decoding the batch in halves", sum(r.n for r in requests))
            self._free_memory()
            if len(requests) > 1:
                half = len(requests) // 2
                return self._sample_fitting(requests[:half], params, epoch) + self._sample_fitting(requests[half:], params, epoch)
            (request,) = requests
            first = request.n // 2
            halves = [Request(request.prompt, first), Request(request.prompt, request.n - first)]
            return [[s for half in halves for s in self._sample_fitting([half], params, epoch)[0]]]
        return collect_samples(self.tokenizer, self.eos_id, requests, tokens, logps, owners, params)

    def _generate(
        self, requests: list[Request], params: SamplingParams, epoch: int
    ) -> tuple[torch.Tensor, torch.Tensor, list[int]]:
        """Token ids and log-probs, (samples, steps) on the host, and each sample's request index.

        Raises :class:`GenerationCancelled` at a decode step when :meth:`cancel` was called after
        the call was made (``epoch``: the count of cancels then).
        """
        if self._cancels != epoch:
            raise GenerationCancelled("cancelled before it started")
        limit = self.config.max_prompt_tokens or max(8, self.max_positions - params.max_new_tokens)
        prompts = [self.tokenizer(r.prompt, add_special_tokens=True)["input_ids"][-limit:] for r in requests]
        decode = self._decode_for(max(len(p) for p in prompts), params)
        common = self._common_prefix(prompts) if decode == "shared" and self.config.prefix_cache else None
        skip = len(common) if common is not None else 0
        prompts = [p[skip:] for p in prompts]  # each prompt's own tokens, after the shared prefix
        length = max(len(p) for p in prompts)
        ids = torch.full((len(prompts), length), self.pad_id, dtype=torch.long)
        mask = torch.zeros((len(prompts), length), dtype=torch.long)
        for i, p in enumerate(prompts):
            ids[i, length - len(p) :] = torch.tensor(p)
            mask[i, length - len(p) :] = 1
        ids, mask = ids.to(self.device), mask.to(self.device)

        prefill = DynamicCache(config=self.model.config)
        attention_mask = mask
        if common is not None:
            for index, (keys, values) in enumerate(common.layers):
                prefill.update(keys.expand(len(prompts), -1, -1, -1), values.expand(len(prompts), -1, -1, -1), index)
            attention_mask = torch.cat([mask.new_ones((len(prompts), skip)), mask], dim=-1)
        positions = skip + (mask.cumsum(-1) - 1).clamp(min=0)
        out = self.model(
            input_ids=ids, attention_mask=attention_mask, position_ids=positions, cache=prefill, use_cache=True,
            logits_to_keep=1,
        )  # fmt: skip
        plan = self._plan(decode, requests, prefill, mask, length, params, common)
        token, logp = sample_next(
            out.logits[:, -1].index_select(0, plan.prompt_of_row), params.temperature, params.top_p, self._generator
        )
        plan.buffers.start(token, logp, positions[:, -1:].index_select(0, plan.prompt_of_row) + 1, mask_column=length)
        keep = torch.tensor(plan.kept_rows, device=self.device)
        stopped = partial(all_stopped, self.tokenizer, self.eos_id, stop=params.stop)
        watch = StopWatch(stopped, keep, self.stop_check_every, lag=self.device.type == "cuda")
        produced = 1
        while produced < params.max_new_tokens and not watch.done(plan.buffers.tokens, produced):
            if self._cancels != epoch:
                raise GenerationCancelled(f"cancelled after {produced} of {params.max_new_tokens} new tokens")
            plan.step()
            produced += 1
        kept = lambda t: t.index_select(0, keep)[:, :produced].cpu()  # noqa: E731
        return kept(plan.buffers.tokens), kept(plan.buffers.logps), plan.owners

    def _decode_for(self, prompt_tokens: int, params: SamplingParams) -> str:
        """The engine's decode, or ``dynamic`` for a batch that could outgrow the model's attention window.

        The shared decode does not window its attention; its buckets span at most the prompt and the
        new tokens, each rounded up, plus one bucket where the shared prefix splits a prompt.
        """
        window = getattr(self.model.config, "sliding_window", None)
        if self.decode != "shared" or not isinstance(window, int):
            return self.decode
        bucket = self.config.cache_bucket
        span = round_up(prompt_tokens, bucket) + bucket + round_up(params.max_new_tokens, bucket)
        return "shared" if span <= window else "dynamic"  # transformers' cache windows attention itself

    def _plan(
        self, decode: str, requests: list[Request], prefill: DynamicCache, mask: torch.Tensor, length: int,
        params: SamplingParams, common: CommonPrefix | None = None,
    ) -> DecodePlan:  # fmt: skip
        """Lay the samples out in rows of a decode batch over a cache of this kind, loaded with the prompts."""
        owners = [i for i, r in enumerate(requests) for _ in range(r.n)]
        bucket = self.config.cache_bucket
        width = round_up(params.max_new_tokens, bucket)
        if decode == "shared":
            # k rows per prompt (the most any request asks for), prompts padded to a power of two
            k = max(r.n for r in requests)
            prompts = _next_power_of_two(len(requests))
            kept = [i * k + j for i, r in enumerate(requests) for j in range(r.n)]
            prompt_of_row = torch.arange(prompts, device=self.device).clamp(max=len(requests) - 1).repeat_interleave(k)
            shared = round_up(len(common), bucket) if common is not None else 0
            slot = self._shared_slot((prompts, k, round_up(length, bucket), width, shared), prefill)
            step = self._stepper(slot, "shared", params)  # may capture a graph: before the batch is loaded
            slot.cache.load_prefix(prefill, mask, common)
            return DecodePlan(prompt_of_row, kept, owners, slot.buffers, step)

        batch = len(owners)
        padded = batch if decode == "dynamic" else _next_power_of_two(batch)
        prompt_of_row = torch.tensor(owners + [0] * (padded - batch), device=self.device)
        if decode == "static":
            slot = self._static_slot(padded, round_up(length + width, bucket), width, prefill)
            step = self._stepper(slot, "static", params)
            self._load_static(slot, prefill, prompt_of_row, mask, length)
            return DecodePlan(prompt_of_row, list(range(batch)), owners, slot.buffers, step)
        prefill.batch_select_indices(prompt_of_row)
        buffers = DecodeBuffers.allocate(padded, width, self.device)
        full_mask = torch.zeros((padded, length + width), dtype=torch.long, device=self.device)
        full_mask[:, :length] = mask.index_select(0, prompt_of_row)
        step = dynamic_stepper(self.model, buffers, prefill, full_mask, length, params.temperature, params.top_p, self._generator)
        return DecodePlan(prompt_of_row, list(range(batch)), owners, buffers, step)

    def _advance_shared(self, buffers: DecodeBuffers, cache: Any, temperature: float, top_p: float, generator: Any) -> None:
        advance_shared(self.model, buffers, cache, temperature, top_p, generator)

    def _advance_static(
        self, buffers: DecodeBuffers, cache: Any, mask: torch.Tensor, temperature: float, top_p: float, generator: Any
    ) -> None:
        advance_static(self.model, buffers, cache, mask, temperature, top_p, generator)

    def _stepper(self, slot: DecodeSlot, decode: str, params: SamplingParams) -> Callable[[], None]:
        """One decode step over ``slot``: a replayed CUDA graph (captured now if new) or a call."""
        # compiled and captured steps draw from the device's default RNG (a graph cannot hold a generator object)
        generator = None if self.compiled or self.cuda_graphs else self._generator
        state = (slot.buffers, slot.cache) if decode == "shared" else (slot.buffers, slot.cache, slot.mask)
        advance = self._advance[decode]
        arguments = (*state, params.temperature, params.top_p, generator)

        def step() -> None:
            advance(*arguments)

        if not self.cuda_graphs:
            return step
        key = (params.temperature, params.top_p)
        if key not in slot.graphs:
            slot.reset_counters()
            if self._graph_pool is None:
                self._graph_pool = new_pool()
            try:
                slot.graphs[key] = capture_step(step, self._graph_pool)
            except Exception as error:
                raise RuntimeError(f"capturing the decode step as a CUDA graph failed ({error}); try cuda_graphs=False") from error
            self.graph_captures += 1
        return slot.graphs[key].replay

    def _shared_slot(self, key: tuple[int, int, int, int, int], prefill: DynamicCache) -> DecodeSlot:
        """The shared-prefix slot of this shape: views into the KV arena, the same ones every time."""
        prompts, k, prefix, suffix, common = key
        first = prefill.layers[0].keys
        if self._arena is None:
            self._arena = KVArena(first.dtype, self.device)
        slot = self._shared_slots.get(key)
        if slot is not None and slot.generation == self._arena.generation:
            return slot
        cache = SharedPrefixCache(len(prefill.layers), prompts, k, prefix, suffix, common)
        if KVArena.size_of(cache.tensor_shapes(first.shape[1], first.shape[-1])) > self._arena.capacity:
            self._shared_slots.clear()  # the arena grows: drop the views into its old block first
        cache.allocate(first.shape[1], first.shape[-1], first.dtype, self.device, self._arena)
        slot = DecodeSlot(cache, DecodeBuffers.allocate(prompts * k, suffix, self.device), generation=cache.generation)
        self._shared_slots[key] = slot
        return slot

    def _static_slot(self, batch: int, total: int, width: int, prefill: DynamicCache) -> DecodeSlot:
        """A reused static cache of ``batch`` rows of ``total`` tokens, its mask and its buffers."""
        key = (batch, total, width)
        slot = self._static_slots.pop(key, None)
        if slot is None:
            while len(self._static_slots) >= max(1, self.config.max_static_caches):
                self._static_slots.popitem(last=False)
            cache = StaticCache(config=self.model.config, max_cache_len=total)
            first = prefill.layers[0].keys
            cache.early_initialization(batch, first.shape[1], first.shape[-1], first.dtype, self.device)
            mask = torch.zeros((batch, total), dtype=torch.long, device=self.device)
            torch._dynamo.mark_static_address(mask)
            slot = DecodeSlot(cache, DecodeBuffers.allocate(batch, width, self.device), mask=mask)
        self._static_slots[key] = slot
        return slot

    def _load_static(self, slot: DecodeSlot, prefill: DynamicCache, index: torch.Tensor, mask: torch.Tensor, length: int) -> None:
        """Copy each row's prompt KV and mask into the static slot; empty the rest."""
        for static, dynamic in zip(slot.cache.layers, prefill.layers):
            static.keys[:, :, length:].zero_()
            static.values[:, :, length:].zero_()
            static.keys[:, :, :length].copy_(dynamic.keys.index_select(0, index))
            static.values[:, :, :length].copy_(dynamic.values.index_select(0, index))
            static.cumulative_length.fill_(length)
            if hasattr(static, "cumulative_length_int"):  # a sliding-window layer also counts in Python
                static.cumulative_length_int = length
        slot.mask.zero_()
        slot.mask[:, :length] = mask.index_select(0, index)

    def _common_prefix(self, prompts: list[list[int]]) -> CommonPrefix | None:
        """The cached prefix these prompts share, computed now if they share a new one (else ``None``)."""
        found = self.prefix_cache.lookup(prompts)
        if found is None:
            tokens = self.prefix_cache.candidate(prompts)
            if tokens is not None:
                cache = DynamicCache(config=self.model.config)
                ids = torch.tensor([tokens], device=self.device)
                self.model(input_ids=ids, position_ids=torch.arange(len(tokens), device=self.device)[None], cache=cache)
                found = CommonPrefix(tokens, tuple((layer.keys, layer.values) for layer in cache.layers))
                self.prefix_cache.add(found)
        self.prefix_cache.remember(prompts)
        return found

    def _free_memory(self) -> None:
        self._static_slots.clear()
        self._shared_slots.clear()
        self._graph_pool = None
        if self._arena is not None:
            self._arena.release()
        self.prefix_cache.clear()
        if self.device.type == "cuda":
            torch.cuda.empty_cache()


def _next_power_of_two(n: int) -> int:
    return 1 << max(0, (n - 1).bit_length())
