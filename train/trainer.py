"""The training loop: one optimizer step per global batch, the same on one CPU and on many GPUs.

A step draws the global batch (``train.global_batch_tokens``, in whole
sequences) from the deterministic data stream; each process trains on its
share in micro-batches of ``train.micro_batch_size`` rows, accumulating
gradients, then the gradients are clipped and AdamW steps with the learning
rate of the warm-up + cosine schedule. The loss is the sum of the token losses
over the whole global batch divided by its number of scored tokens, so one
process with accumulation and N processes give the same step. Around that: the
NaN guard, checkpoints every ``checkpoint.every`` steps with exact resume, and
the run log.
"""

from __future__ import annotations

import math
import resource
import time
from pathlib import Path

import torch

from train import checkpoint
from train.config import RunConfig, to_toml
from train.data import Batch, FinetuneSampler, MixtureSampler
from train.distributed import World, all_reduce_sum, gradient_sync, init_world, shutdown, wrap
from train.model import build_model, flops_per_token, load_tokenizer, parameter_count
from train.nan_guard import Action, NanGuard
from train.optim import build_optimizer, lr_factor
from train.loss import token_loss_sum
from train.run_log import RunLog, peak_tflops

MODES = ("pretrain", "finetune")


class Trainer:
    """A training run of ``config`` (``mode``: packed pretraining text, or prompt/completion pairs)."""

    def __init__(self, config: RunConfig, mode: str = "pretrain"):
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
        if not config.data.sources:
            raise ValueError("[[data.sources]] is empty: name at least one source to train on")
        self.config, self.mode = config, mode
        self.out_dir = Path(config.train.out_dir)
        #: The global loss of each step this process ran (skipped steps included, as their non-finite value).
        self.losses: list[float] = []
        self.step = 0

    def run(self, until: int | None = None) -> list[float]:
        """Train (resuming from the run's newest checkpoint) up to ``train.steps``, or stop before ``until``."""
        self._setup()
        try:
            self._loop(self.config.train.steps if until is None else min(until, self.config.train.steps))
        finally:
            self.log.close()
            shutdown(self.world)
        return self.losses

    # -- setup ------------------------------------------------------------------------------

    def _setup(self) -> None:
        config = self.config
        self.world: World = init_world(config.train, config.distributed)
        torch.manual_seed(config.train.seed)  # the same initial weights on every rank
        self.tokenizer = load_tokenizer(config.model)
        model = build_model(config.model, self.tokenizer, self.world.device)
        self.model_config, self.parameters = model.config, parameter_count(model)
        model = wrap(model, self.world, config.distributed)
        self.model = torch.compile(model) if config.model.compile else model
        self.optimizer = build_optimizer(self.model, config.optim)
        sampler_class = MixtureSampler if self.mode == "pretrain" else FinetuneSampler
        self.sampler = sampler_class(config.data.sources, self.tokenizer, config.data.seq_len, config.data.seed)
        self.guard = NanGuard(config.nan_guard)
        self.rows = config.train.global_batch_tokens // config.data.seq_len
        per_process = self.world.size * config.train.micro_batch_size
        if self.rows < 1 or self.rows % per_process:
            raise ValueError(
                f"a global batch of {config.train.global_batch_tokens} tokens is {self.rows} sequences of {config.data.seq_len}: "
                f"it must be a positive multiple of processes x micro_batch_size = {per_process}"
            )
        self.accumulation = self.rows // per_process
        if self.world.main:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            (self.out_dir / "config.toml").write_text(to_toml(config), encoding="utf-8")
        latest = checkpoint.latest(self.out_dir)
        if latest is not None:
            state = checkpoint.load(latest, self.model, self.optimizer, self.world)
            self.step = state["step"]
            self.sampler.load_state_dict(state["sampler"])
            self.guard.load_state_dict(state["guard"])
        self.log = RunLog(self.out_dir, config.log, self.world.main, config.train.steps, self.step)
        if latest is not None:
            self.log.event("resume", checkpoint=str(latest), step=self.step)
        device_name = torch.cuda.get_device_name(self.world.device) if self.world.device.type == "cuda" else "cpu"
        self.peak_flops = peak_tflops(device_name, config.log.peak_tflops) * 1e12

    # -- the loop ---------------------------------------------------------------------------

    def _loop(self, stop: int) -> None:
        config = self.config
        while self.step < stop:
            step, started = self.step, time.perf_counter()
            loss, grad_norm, tokens = self._forward_backward(self.sampler.next_batch(self.rows))
            action = self.guard.judge(step, loss, grad_norm)
            lr = config.optim.lr * lr_factor(step, config.optim.warmup_steps, config.train.steps, config.optim.min_lr_ratio)
            if action is Action.APPLY:
                for group in self.optimizer.param_groups:
                    group["lr"] = lr
                self.optimizer.step()
            self.optimizer.zero_grad(set_to_none=True)
            if action is not Action.APPLY:
                self._recover(step, action, loss, grad_norm)
            if self.world.device.type == "cuda":
                torch.cuda.synchronize(self.world.device)
            seconds = time.perf_counter() - started
            self.losses.append(loss)
            self.step = step + 1
            self.log.step(step, self._metrics(loss, grad_norm, lr, tokens, seconds, last=self.step == config.train.steps))
            if self.step % max(1, config.checkpoint.every) == 0 or self.step == config.train.steps:
                self._save()
        if self.step == config.train.steps:
            self.log.event("done", step=self.step, skipped=self.guard.skipped, rollbacks=self.guard.rollbacks)

    def _forward_backward(self, batch: Batch) -> tuple[float, float, int]:
        """Gradients of this process's share of ``batch``; the global loss, gradient norm and tokens."""
        scored = int((batch.labels[:, 1:] != -100).sum())  # over the whole global batch: every rank drew it
        share = self.rows // self.world.size
        mine = slice(self.world.rank * share, (self.world.rank + 1) * share)
        micro = self.config.train.micro_batch_size
        total = torch.zeros((), device=self.world.device)
        for index in range(self.accumulation):
            rows = slice(mine.start + index * micro, mine.start + (index + 1) * micro)
            with gradient_sync(self.model, sync=index == self.accumulation - 1):
                loss_sum = self._token_loss_sum(batch.input_ids[rows], batch.labels[rows])
                # gradients are averaged over processes: scale so the step is the mean over all scored tokens
                (loss_sum * (self.world.size / max(1, scored))).backward()
            total += loss_sum.detach()
        loss = float(all_reduce_sum(total, self.world)) / max(1, scored)
        clip = self.config.optim.grad_clip if self.config.optim.grad_clip > 0 else math.inf
        norm = torch.nn.utils.clip_grad_norm_(self.model.parameters(), clip)
        norm = norm.full_tensor() if hasattr(norm, "full_tensor") else norm
        return loss, float(norm), self.rows * self.config.data.seq_len

    def _token_loss_sum(self, input_ids: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Summed next-token cross-entropy of one micro-batch (see :func:`token_loss_sum`)."""
        return token_loss_sum(self.model, input_ids, labels, self.world.device, self.config.train.bf16)

    def _recover(self, step: int, action: Action, loss: float, grad_norm: float) -> None:
        """Log a skipped step; on a rollback, restore the model and optimizer of the last checkpoint."""
        self.log.event("skip", step=step, loss=loss, grad_norm=grad_norm)
        if action is not Action.ROLLBACK:
            return
        latest = checkpoint.latest(self.out_dir)
        if latest is None:
            self.log.event("rollback", step=step, checkpoint=None, note="no checkpoint yet: the steps are skipped")
            return
        checkpoint.load(latest, self.model, self.optimizer, self.world, rng=False)  # the data stream goes on
        self.guard.rolled_back()
        self.log.event("rollback", step=step, checkpoint=str(latest))

    def _metrics(self, loss: float, grad_norm: float, lr: float, tokens: int, seconds: float, last: bool) -> dict[str, float]:
        tokens_per_s = tokens / seconds
        metrics = {"loss": loss, "grad_norm": grad_norm, "lr": lr, "tokens_per_s": tokens_per_s, "seconds": seconds, "last": last}
        if self.peak_flops:
            flops = flops_per_token(self.model_config, self.parameters, self.config.data.seq_len) * tokens_per_s
            metrics["mfu"] = flops / (self.peak_flops * self.world.size)
        if self.world.device.type == "cuda":
            metrics["memory_gb"] = torch.cuda.max_memory_allocated(self.world.device) / 2**30
        else:  # the process's peak resident memory (Linux reports KiB)
            metrics["memory_gb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
        return metrics

    def _save(self) -> None:
        state = {"step": self.step, "sampler": self.sampler.state_dict(), "guard": self.guard.state_dict(), "mode": self.mode}
        path = checkpoint.save(self.out_dir, self.step, self.model, self.optimizer, state, self.world, self.config.checkpoint.keep)
        self.log.event("checkpoint", step=self.step, path=str(path))

