"""The ``hf`` engine: Hugging Face transformers, on the CPU or the GPU.

One call to :meth:`HFEngine.sample` serves a whole batch of requests:

1. **Prefill** each distinct prompt once (left-padded, one forward pass).
2. **Share** each prompt's KV cache with its ``n`` samples by copying rows,
   so an expansion of ``k`` samples pays for one prefill.
3. **Decode** all sequences together one token per step. On the GPU the step
   runs on a static KV cache under ``torch.compile(mode="reduce-overhead")``,
   i.e. the whole step replays as a CUDA graph; elsewhere a dynamic cache is
   used. The host looks at the tokens only every few steps (to stop early when
   every sequence has hit a stop sequence), so the GPU is not stalled per step.

Log-probabilities are the model's own (log-softmax of the raw logits), summed
over the tokens up to and including the one that completes the stop sequence
or the end-of-sequence token.
"""

from __future__ import annotations

import importlib.util
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, DynamicCache, StaticCache

from prover.generators.cleaning import Sample
from prover.generators.engine import Engine, Request, SamplingParams


@dataclass(frozen=True)
class HFEngineConfig:
    """Where and how the model runs; ``None`` means "pick for the device".

    ``decode`` is ``"static"`` (static cache, the GPU default) or ``"dynamic"``;
    ``compile`` turns on the compiled (CUDA-graph) decode step, default on CUDA.
    Static caches are sized in multiples of ``cache_bucket`` tokens and the
    decode batch is padded to a power of two, so compiled graphs are reused;
    the ``max_static_caches`` most recently used shapes keep their cache.
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


def default_device() -> str:
    """``"cuda"`` when a GPU is visible, else ``"cpu"``."""
    return "cuda" if torch.cuda.is_available() else "cpu"


def default_attention(device: str, decode: str | None = None) -> str:
    """Flash-attention 2 for dynamic-cache decoding on CUDA when installed, else torch SDPA.

    The compiled static-cache step keeps SDPA, whose padded-mask path compiles into the graph.
    """
    dynamic = decode == "dynamic" or (decode is None and not device.startswith("cuda"))
    if device.startswith("cuda") and dynamic and importlib.util.find_spec("flash_attn") is not None:
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
        self.decode = config.decode or ("static" if on_cuda else "dynamic")
        if self.decode not in ("static", "dynamic"):
            raise ValueError(f"decode must be 'static' or 'dynamic', got {self.decode!r}")
        use_compile = on_cuda if config.compile is None else config.compile
        self.stop_check_every = config.stop_check_every or (8 if on_cuda else 1)
        self.pad_id = _pad_id(tokenizer)
        self.eos_id = tokenizer.eos_token_id
        self._compiled = use_compile
        self._step = self._forward_step
        if use_compile:
            # One graph per (padded batch, cache bucket): allow more than dynamo's default of 8.
            torch._dynamo.config.recompile_limit = max(torch._dynamo.config.recompile_limit, 64)
            self._step = torch.compile(self._forward_step, mode="reduce-overhead")
        self._static_caches: OrderedDict[tuple[int, int], StaticCache] = OrderedDict()
        self._generator = torch.Generator(device=self.device)
        if config.seed is not None:
            self._generator.manual_seed(config.seed)
        else:
            self._generator.seed()
        self._lock = threading.Lock()

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
        """``request.n`` samples for every request, decoded in one batch."""
        if not requests:
            return []
        with self._lock, torch.inference_mode():  # the lock also guards the (stateful) fast tokenizer
            tokens, logps, rows = self._generate(requests, params)
            return self._collect(requests, tokens, logps, rows, params)

    # -- the decode loop ----------------------------------------------------------------

    def _generate(
        self, requests: list[Request], params: SamplingParams
    ) -> tuple[torch.Tensor, torch.Tensor, list[int]]:
        """Token ids and log-probs, (batch, steps), for the expanded batch."""
        limit = self.config.max_prompt_tokens or max(8, self.max_positions - params.max_new_tokens)
        prompts = [self.tokenizer(r.prompt, add_special_tokens=True)["input_ids"][-limit:] for r in requests]
        length = max(len(p) for p in prompts)
        ids = torch.full((len(prompts), length), self.pad_id, dtype=torch.long)
        mask = torch.zeros((len(prompts), length), dtype=torch.long)
        for i, p in enumerate(prompts):
            ids[i, length - len(p) :] = torch.tensor(p)
            mask[i, length - len(p) :] = 1
        ids, mask = ids.to(self.device), mask.to(self.device)

        rows = [i for i, r in enumerate(requests) for _ in range(r.n)]
        batch = len(rows)
        padded = batch if self.decode == "dynamic" else _next_power_of_two(batch)
        index = torch.tensor(rows + [0] * (padded - batch), device=self.device)

        prefill = DynamicCache(config=self.model.config)
        positions = (mask.cumsum(-1) - 1).clamp(min=0)
        out = self.model(
            input_ids=ids, attention_mask=mask, position_ids=positions, cache=prefill, use_cache=True, logits_to_keep=1
        )
        logits = out.logits[:, -1].float().index_select(0, index)
        total = length + params.max_new_tokens
        if self.decode == "static":
            total = -(-total // self.config.cache_bucket) * self.config.cache_bucket
            cache = self._static_cache(prefill, index, padded, total, length)
        else:
            prefill.batch_select_indices(index)
            cache = prefill
        full_mask = torch.zeros((padded, total), dtype=torch.long, device=self.device)
        full_mask[:, :length] = mask.index_select(0, index)
        next_pos = positions[:, -1:].index_select(0, index) + 1

        tokens = torch.full((padded, params.max_new_tokens), self.pad_id, dtype=torch.long, device=self.device)
        logps = torch.zeros((padded, params.max_new_tokens), dtype=torch.float32, device=self.device)
        steps = 0
        for t in range(params.max_new_tokens):
            token, logp = self._choose(logits, params)
            tokens[:, t], logps[:, t] = token, logp
            steps = t + 1
            if steps == params.max_new_tokens:
                break
            if steps % self.stop_check_every == 0 and self._all_stopped(tokens[:batch, :steps], params):
                break
            full_mask[:, length + t] = 1
            step_mask = full_mask if self.decode == "static" else full_mask[:, : length + t + 1]
            if self._compiled:
                torch.compiler.cudagraph_mark_step_begin()  # the previous step's outputs are consumed
            logits = self._step(token[:, None], step_mask, next_pos + t, cache).float()
        return tokens[:batch, :steps].cpu(), logps[:batch, :steps].cpu(), rows

    def _forward_step(self, token: torch.Tensor, mask: torch.Tensor, positions: torch.Tensor, cache: Any) -> torch.Tensor:
        """One decode step for the whole batch: next-token logits (batch, vocab)."""
        out = self.model(input_ids=token, attention_mask=mask, position_ids=positions, cache=cache, use_cache=True)
        return out.logits[:, -1]

    def _static_cache(self, prefill: DynamicCache, index: torch.Tensor, batch: int, total: int, length: int) -> StaticCache:
        """A reused static cache of shape (batch, total) holding each row's prompt KV."""
        key = (batch, total)
        cache = self._static_caches.pop(key, None)
        if cache is None:
            while len(self._static_caches) >= max(1, self.config.max_static_caches):
                self._static_caches.popitem(last=False)
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
        return cache

    def _choose(self, logits: torch.Tensor, params: SamplingParams) -> tuple[torch.Tensor, torch.Tensor]:
        """Sample the next token of every row and its log-probability under the model."""
        logp = torch.log_softmax(logits, dim=-1)
        if params.temperature <= 0:
            token = logits.argmax(dim=-1)
        else:
            probs = torch.softmax(logits / params.temperature, dim=-1)
            if params.top_p < 1.0:
                probs = _nucleus(probs, params.top_p)
            token = torch.multinomial(probs, 1, generator=self._generator).squeeze(-1)
        return token, logp.gather(-1, token[:, None]).squeeze(-1)

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
        """Drop the model and cached KV tensors."""
        self._static_caches.clear()
        if self.device.type == "cuda":
            torch.cuda.empty_cache()


def _nucleus(probs: torch.Tensor, top_p: float) -> torch.Tensor:
    """``probs`` with everything outside the top-``top_p`` nucleus zeroed."""
    sorted_probs, order = probs.sort(dim=-1, descending=True)
    outside = sorted_probs.cumsum(-1) - sorted_probs > top_p
    sorted_probs = sorted_probs.masked_fill(outside, 0.0)
    return torch.zeros_like(probs).scatter(-1, order, sorted_probs)


def _next_power_of_two(n: int) -> int:
    return 1 << max(0, (n - 1).bit_length())


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
