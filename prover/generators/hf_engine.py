"""The ``hf`` engine: Hugging Face transformers, on the CPU or the GPU.

One call to :meth:`HFEngine.sample` serves a whole batch of requests:

1. **Prefill** each distinct prompt once (left-padded, one forward pass).
2. **Share** each prompt's KV cache with its ``n`` samples, so an expansion of
   ``k`` samples pays for one prefill. ``decode="shared"`` (the default)
   keeps the prompt's KV once and attends to it with the ``k`` queries
   together (:mod:`prover.generators.shared_prefix`), so a decode step reads
   it once; ``"static"`` and ``"dynamic"`` copy it into every sample's row.
3. **Decode** all sequences together one token per step. On the GPU the step
   runs on a fixed-shape cache (``shared`` or ``static``) under
   ``torch.compile(mode="reduce-overhead")``, i.e. the whole step, the choice
   of the next tokens included, replays as one CUDA graph; on the CPU it runs
   eagerly. The host looks at
   the tokens only every few steps (to stop early when every sequence has hit
   a stop sequence), so the GPU is not stalled per step.

Log-probabilities are the model's own (log-softmax of the raw logits), summed
over the tokens up to and including the one that completes the stop sequence
or the end-of-sequence token.
"""

from __future__ import annotations

import importlib.util
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, DynamicCache, StaticCache

from prover.generators.cleaning import Sample
from prover.generators.engine import DECODES, Engine, Request, SamplingParams
from prover.generators.kv_arena import KVArena, round_up
from prover.generators.prefix_cache import CommonPrefix, PrefixCache, PrefixCacheConfig
from prover.generators.sampling import sample_next
from prover.generators.shared_prefix import SharedPrefixCache, enable_shared_prefix_attention, unsupported_reason

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HFEngineConfig:
    """Where and how the model runs; ``None`` means "pick for the device".

    ``decode`` is one of :data:`DECODES`: ``"shared"`` (prompt KV stored once per
    prompt, the default), ``"static"`` (a static cache row per sample) or
    ``"dynamic"`` (a growing cache row per sample); ``compile`` turns on the
    compiled (CUDA-graph) decode step, default on CUDA. Fixed-shape caches are
    sized in multiples of ``cache_bucket`` tokens and their batch is padded to a
    power of two, so compiled graphs are reused. ``shared`` caches are views into
    one KV arena (:mod:`prover.generators.kv_arena`), the same addresses for the
    same shape, so a shape's CUDA graph is recorded once; for ``static`` the
    ``max_static_caches`` most recently used shapes keep their cache. With
    ``split_on_oom`` a batch that runs out of device memory is decoded in halves
    (recursively, down to single samples). ``prefix_cache`` (``shared`` decode
    only) keeps the KV of a prefix that prompts share across calls
    (:mod:`prover.generators.prefix_cache`).
    """

    device: str | None = None
    dtype: str | None = None
    attn_implementation: str | None = None
    decode: str | None = None
    compile: bool | None = None
    cache_bucket: int = 64
    max_static_caches: int = 2
    stop_check_every: int | None = None
    max_prompt_tokens: int | None = None
    seed: int | None = None
    split_on_oom: bool = True
    prefix_cache: bool = True
    prefix_cache_config: PrefixCacheConfig = PrefixCacheConfig()


def default_device() -> str:
    """``"cuda"`` when a GPU is visible, else ``"cpu"``."""
    return "cuda" if torch.cuda.is_available() else "cpu"


def default_attention(device: str, decode: str | None = None) -> str:
    """Flash-attention 2 for dynamic-cache decoding on CUDA when installed, else torch SDPA.

    The compiled fixed-shape steps keep SDPA (``shared`` wraps it), whose padded-mask path
    compiles into the graph.
    """
    if device.startswith("cuda") and decode == "dynamic" and importlib.util.find_spec("flash_attn") is not None:
        return "flash_attention_2"
    return "sdpa"


def load_model(path: str, config: HFEngineConfig = HFEngineConfig()) -> tuple[Any, Any]:
    """Model and tokenizer from a hub id or a local HF-format folder."""
    device = config.device or default_device()
    dtype = _dtype(config.dtype, device)
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModelForCausalLM.from_pretrained(
        path, dtype=dtype, attn_implementation=config.attn_implementation or default_attention(device, config.decode)
    )
    return model.to(device).eval(), tokenizer


class HFEngine(Engine):
    """Batched sampling with a transformers causal LM (see the module docstring)."""

    name = "hf"

    def __init__(self, model: Any, tokenizer: Any, config: HFEngineConfig = HFEngineConfig()):
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.config = config
        self.device = next(model.parameters()).device
        on_cuda = self.device.type == "cuda"
        self.decode = config.decode or "shared"
        if self.decode not in DECODES:
            raise ValueError(f"decode must be one of {', '.join(DECODES)}, got {self.decode!r}")
        if self.decode == "shared" and (reason := unsupported_reason(model.config)) is not None:
            if config.decode == "shared":
                raise ValueError(f"decode='shared' does not support this model ({reason}); use 'dynamic'")
            _log.info("this model has %s: decoding with transformers' own (dynamic) cache", reason)
            self.decode = "dynamic"
        if self.decode == "shared":
            enable_shared_prefix_attention(model)
        use_compile = on_cuda if config.compile is None else config.compile
        self.stop_check_every = config.stop_check_every or (8 if on_cuda else 1)
        self.pad_id = _pad_id(tokenizer)
        self.eos_id = tokenizer.eos_token_id
        self._compiled = use_compile
        self._step = self._decode_step
        self._step_shared = self._decode_shared
        if use_compile:
            # One graph per (padded batch, cache bucket), each specialised to its shapes (dynamic=False:
            # dynamo would otherwise switch to slower shape-generic kernels after the first recompile);
            # allow more graphs than dynamo's default of 8.
            torch._dynamo.config.recompile_limit = max(torch._dynamo.config.recompile_limit, 64)
            self._step = torch.compile(self._decode_step, mode="reduce-overhead", dynamic=False)
            self._step_shared = torch.compile(self._decode_shared, mode="reduce-overhead", dynamic=False)
        self._static_caches: OrderedDict[tuple[int, int], StaticCache] = OrderedDict()
        #: Shared-prefix caches by shape; their KV tensors are views into one arena.
        self._shared_caches: dict[tuple[int, ...], SharedPrefixCache] = {}
        self._arena: KVArena | None = None
        self._generator = torch.Generator(device=self.device)
        if config.seed is not None:
            self._generator.manual_seed(config.seed)
            if use_compile and on_cuda:
                torch.cuda.manual_seed(config.seed)  # compiled steps sample from the device's default RNG
        else:
            self._generator.seed()
        self._lock = threading.Lock()
        #: How many times a batch was halved because the device ran out of memory.
        self.oom_splits = 0
        #: KV of the prefix (few-shot examples) that prompts share, kept across calls.
        self.prefix_cache = PrefixCache(config.prefix_cache_config)

    @classmethod
    def load(cls, path: str, config: HFEngineConfig = HFEngineConfig()) -> "HFEngine":
        """An engine for the model at ``path`` (hub id or local folder)."""
        model, tokenizer = load_model(path, config)
        return cls(model, tokenizer, config)

    @property
    def max_positions(self) -> int:
        """The longest sequence the model's position embeddings allow."""
        return int(getattr(self.model.config, "max_position_embeddings", 4096))

    def sample(self, requests: list[Request], params: SamplingParams) -> list[list[Sample]]:
        """``request.n`` samples for every request, decoded in one batch (halved while it does not fit)."""
        if not requests:
            return []
        with self._lock, torch.inference_mode():  # the lock also guards the (stateful) fast tokenizer
            return self._sample_fitting(requests, params)

    def _sample_fitting(self, requests: list[Request], params: SamplingParams) -> list[list[Sample]]:
        """Decode ``requests`` as one batch; when the device runs out of memory, as two halves."""
        try:
            tokens, logps, owners = self._generate(requests, params)
        except torch.OutOfMemoryError:
            if not self.config.split_on_oom or sum(r.n for r in requests) <= 1:
                raise
            self.oom_splits += 1
            _log.warning("out of device memory for %d sequences: decoding the batch in halves", sum(r.n for r in requests))
            self._free_memory()
            if len(requests) > 1:
                half = len(requests) // 2
                return self._sample_fitting(requests[:half], params) + self._sample_fitting(requests[half:], params)
            (request,) = requests
            first = request.n // 2
            halves = [Request(request.prompt, first), Request(request.prompt, request.n - first)]
            return [[s for half in halves for s in self._sample_fitting([half], params)[0]]]
        return self._collect(requests, tokens, logps, owners, params)

    # -- the decode loop ----------------------------------------------------------------

    def _generate(
        self, requests: list[Request], params: SamplingParams
    ) -> tuple[torch.Tensor, torch.Tensor, list[int]]:
        """Token ids and log-probs, (samples, steps), and each sample's request index."""
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
            input_ids=ids,
            attention_mask=attention_mask,
            position_ids=positions,
            cache=prefill,
            use_cache=True,
            logits_to_keep=1,
        )
        plan = self._plan(decode, requests, prefill, mask, length, params, common)
        logits = out.logits[:, -1].index_select(0, plan.prompt_of_row)
        next_pos = positions[:, -1:].index_select(0, plan.prompt_of_row) + 1
        keep = torch.tensor(plan.kept_rows, device=self.device)

        batch = plan.prompt_of_row.shape[0]
        tokens = torch.full((batch, params.max_new_tokens), self.pad_id, dtype=torch.long, device=self.device)
        logps = torch.zeros((batch, params.max_new_tokens), dtype=torch.float32, device=self.device)
        token, logp = sample_next(logits, params.temperature, params.top_p, self._generator)
        steps = 0
        for t in range(params.max_new_tokens):
            tokens[:, t], logps[:, t] = token, logp
            steps = t + 1
            if steps == params.max_new_tokens:
                break
            if steps % self.stop_check_every == 0 and self._all_stopped(tokens[keep, :steps], params):
                break
            if self._compiled:
                torch.compiler.cudagraph_mark_step_begin()  # the previous step's outputs are consumed
            # the input is our copy of the token, not the graph's output buffer that the step overwrites
            token, logp = plan.step(tokens[:, t : t + 1], next_pos + t, t)
        return tokens[keep, :steps].cpu(), logps[keep, :steps].cpu(), plan.owners

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
        self,
        decode: str,
        requests: list[Request],
        prefill: DynamicCache,
        mask: torch.Tensor,
        length: int,
        params: SamplingParams,
        common: CommonPrefix | None = None,
    ) -> _DecodePlan:
        """Lay the samples out in rows of a decode batch over a cache of this engine's kind."""
        generator = None if self._compiled else self._generator  # compiled steps draw from the device's RNG
        owners = [i for i, r in enumerate(requests) for _ in range(r.n)]
        if decode == "shared":
            # k rows per prompt (the most any request asks for), prompts padded to a power of two
            k = max(r.n for r in requests)
            prompts = _next_power_of_two(len(requests))
            kept = [i * k + j for i, r in enumerate(requests) for j in range(r.n)]
            prompt_of_row = torch.arange(prompts, device=self.device).clamp(max=len(requests) - 1).repeat_interleave(k)
            prefix = round_up(length, self.config.cache_bucket)
            suffix = round_up(params.max_new_tokens, self.config.cache_bucket)
            shared = round_up(len(common), self.config.cache_bucket) if common is not None else 0
            cache = self._shared_cache(prompts, k, prefix, suffix, shared, prefill)
            cache.load_prefix(prefill, mask, common)

            def shared_step(token: torch.Tensor, positions: torch.Tensor, t: int) -> tuple[torch.Tensor, torch.Tensor]:
                return self._step_shared(token, positions, cache, params.temperature, params.top_p, generator)

            return _DecodePlan(prompt_of_row, kept, owners, shared_step)

        batch = len(owners)
        padded = batch if decode == "dynamic" else _next_power_of_two(batch)
        prompt_of_row = torch.tensor(owners + [0] * (padded - batch), device=self.device)
        total = length + params.max_new_tokens
        if decode == "static":
            total = round_up(total, self.config.cache_bucket)
            cache = self._static_cache(prefill, prompt_of_row, padded, total, length)
        else:
            prefill.batch_select_indices(prompt_of_row)
            cache = prefill
        full_mask = torch.zeros((padded, total), dtype=torch.long, device=self.device)
        full_mask[:, :length] = mask.index_select(0, prompt_of_row)

        def step(token: torch.Tensor, positions: torch.Tensor, t: int) -> tuple[torch.Tensor, torch.Tensor]:
            full_mask[:, length + t] = 1
            step_mask = full_mask if decode == "static" else full_mask[:, : length + t + 1]
            return self._step(token, step_mask, positions, cache, params.temperature, params.top_p, generator)

        return _DecodePlan(prompt_of_row, list(range(batch)), owners, step)

    def _decode_step(
        self, token: torch.Tensor, mask: torch.Tensor, positions: torch.Tensor, cache: Any, temperature: float,
        top_p: float, generator: torch.Generator | None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """One decode step and the choice of the next tokens (one graph when compiled)."""
        return sample_next(self._forward_step(token, mask, positions, cache), temperature, top_p, generator)

    def _decode_shared(
        self, token: torch.Tensor, positions: torch.Tensor, cache: SharedPrefixCache, temperature: float,
        top_p: float, generator: torch.Generator | None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """One decode step over a shared-prefix cache and the choice of the next tokens."""
        return sample_next(self._forward_shared(token, positions, cache), temperature, top_p, generator)

    def _forward_step(self, token: torch.Tensor, mask: torch.Tensor, positions: torch.Tensor, cache: Any) -> torch.Tensor:
        """One decode step for the whole batch: next-token logits (batch, vocab)."""
        out = self.model(input_ids=token, attention_mask=mask, position_ids=positions, cache=cache, use_cache=True)
        return out.logits[:, -1]

    def _forward_shared(self, token: torch.Tensor, positions: torch.Tensor, cache: SharedPrefixCache) -> torch.Tensor:
        """One decode step over a shared-prefix cache: next-token logits (rows, vocab)."""
        out = self.model(
            input_ids=token,
            attention_mask=cache.prefix_mask,  # 4D, so transformers passes it through untouched
            position_ids=positions,
            cache=cache,
            use_cache=True,
            shared_prefix=cache,
        )
        return out.logits[:, -1]

    def _shared_cache(
        self, prompts: int, k: int, prefix: int, suffix: int, common: int, prefill: DynamicCache
    ) -> SharedPrefixCache:
        """The shared-prefix cache of this shape: views into the KV arena, the same ones every time."""
        key = (prompts, k, prefix, suffix, common)
        first = prefill.layers[0].keys
        if self._arena is None:
            self._arena = KVArena(first.dtype, self.device)
        cache = self._shared_caches.get(key)
        if cache is None or cache.generation != self._arena.generation:
            cache = SharedPrefixCache(len(prefill.layers), prompts, k, prefix, suffix, common)
            cache.allocate(first.shape[1], first.shape[-1], first.dtype, self.device, self._arena)
            if any(other.generation != cache.generation for other in self._shared_caches.values()):
                self._shared_caches.clear()  # the arena grew: their views point into the old block
            self._shared_caches[key] = cache
        return cache

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

    def _evict(self) -> None:
        while len(self._static_caches) >= max(1, self.config.max_static_caches):
            self._static_caches.popitem(last=False)

    def _static_cache(self, prefill: DynamicCache, index: torch.Tensor, batch: int, total: int, length: int) -> StaticCache:
        """A reused static cache of shape (batch, total) holding each row's prompt KV."""
        key = (batch, total)
        cache = self._static_caches.pop(key, None)
        if cache is None:
            self._evict()
            cache = StaticCache(config=self.model.config, max_cache_len=total)
            first = prefill.layers[0].keys
            cache.early_initialization(batch, first.shape[1], first.shape[-1], first.dtype, self.device)
        self._static_caches[key] = cache
        for static, dynamic in zip(cache.layers, prefill.layers):
            static.keys[:, :, length:].zero_()
            static.values[:, :, length:].zero_()
            static.keys[:, :, :length].copy_(dynamic.keys.index_select(0, index))
            static.values[:, :, :length].copy_(dynamic.values.index_select(0, index))
            static.cumulative_length.fill_(length)
            if hasattr(static, "cumulative_length_int"):  # a sliding-window layer also counts in Python
                static.cumulative_length_int = length
        return cache

    def _all_stopped(self, tokens: torch.Tensor, params: SamplingParams) -> bool:
        """Whether every row has produced an end-of-sequence token or a stop sequence."""
        host = tokens.cpu()
        texts = self.tokenizer.batch_decode(host, skip_special_tokens=True)
        return all(
            (self.eos_id is not None and self.eos_id in row) or any(s in text for s in params.stop)
            for row, text in zip(host.tolist(), texts)
        )

    # -- from tokens to samples ---------------------------------------------------------------

    def _collect(
        self, requests: list[Request], tokens: torch.Tensor, logps: torch.Tensor, rows: list[int], params: SamplingParams
    ) -> list[list[Sample]]:
        """Samples grouped per request, each cut at its stop and scored up to it."""
        grouped: list[list[Sample]] = [[] for _ in requests]
        for row, request_index in enumerate(rows):
            ids = tokens[row].tolist()
            end, finished = self._end_of_completion(ids, params.stop)
            token_logprobs = tuple(logps[row, :end].tolist())
            grouped[request_index].append(
                Sample(
                    text=self.tokenizer.decode(ids[:end], skip_special_tokens=True),
                    logprob=float(sum(token_logprobs)),
                    tokens=tuple(self.tokenizer.convert_ids_to_tokens(ids[:end])),
                    token_logprobs=token_logprobs,
                    finished=finished,
                )
            )
        return grouped

    def _end_of_completion(self, ids: list[int], stop: tuple[str, ...]) -> tuple[int, bool]:
        """How many tokens the completion spans (through its EOS or first stop), and whether it stopped."""
        end = len(ids)
        finished = self.eos_id is not None and self.eos_id in ids
        if finished:
            end = ids.index(self.eos_id) + 1
        text = self.tokenizer.decode(ids[:end], skip_special_tokens=True)
        if not any(s in text for s in stop):
            return end, finished
        low, high = 1, end  # smallest prefix whose text holds a stop sequence
        while low < high:
            mid = (low + high) // 2
            prefix = self.tokenizer.decode(ids[:mid], skip_special_tokens=True)
            if any(s in prefix for s in stop):
                high = mid
            else:
                low = mid + 1
        return low, True

    def close(self) -> None:
        """Drop the cached KV tensors (the model stays usable)."""
        self._free_memory()

    def _free_memory(self) -> None:
        self._static_caches.clear()
        self._shared_caches.clear()
        if self._arena is not None:
            self._arena.release()
        self.prefix_cache.clear()
        if self.device.type == "cuda":
            torch.cuda.empty_cache()


def _next_power_of_two(n: int) -> int:
    return 1 << max(0, (n - 1).bit_length())


@dataclass(frozen=True)
class _DecodePlan:
    """How one batch decodes: the prompt behind each row, the rows kept, their requests, and the step."""

    prompt_of_row: torch.Tensor
    kept_rows: list[int]
    owners: list[int]
    step: Callable[[torch.Tensor, torch.Tensor, int], torch.Tensor]


def _pad_id(tokenizer: Any) -> int:
    for candidate in (tokenizer.pad_token_id, tokenizer.eos_token_id, tokenizer.unk_token_id):
        if candidate is not None:
            return int(candidate)
    return 0


def _dtype(name: str | None, device: str) -> torch.dtype:
    if name is None:
        return torch.bfloat16 if device.startswith("cuda") else torch.float32
    dtype = getattr(torch, name, None)
    if not isinstance(dtype, torch.dtype):
        raise ValueError(f"unknown dtype {name!r}")
    return dtype
