"""Processes and sharding with PyTorch's own parts: ``torchrun``, FSDP2 (``fully_shard``) or DDP.

One process (no ``torchrun``) trains alone, on the CPU or one GPU. Under
``torchrun`` each process joins the group (NCCL on CUDA, gloo on the CPU) and
the model is sharded layer by layer with ``fully_shard`` or replicated with
DDP. Every rank draws the same global batch from the same deterministic data
stream and trains on its own rows of it.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass

import torch
import torch.distributed as dist

from train.config import DistributedConfig, TrainConfig

STRATEGIES = ("fsdp", "ddp", "none")


@dataclass(frozen=True)
class World:
    """This process's place: rank, how many, and its device."""

    rank: int
    size: int
    device: torch.device

    @property
    def main(self) -> bool:
        """Whether this is rank 0 (the one that logs and writes shared files)."""
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        """Whether a process group is running."""
        return self.size > 1 or dist.is_initialized()


def init_world(train: TrainConfig, config: DistributedConfig) -> World:
    """Join the ``torchrun`` group when there is one, and pick this process's device."""
    if config.strategy not in STRATEGIES:
        raise ValueError(f"[distributed] strategy must be one of {', '.join(STRATEGIES)}, got {config.strategy!r}")
    size = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local = int(os.environ.get("LOCAL_RANK", "0"))
    wanted = train.device or ("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(f"cuda:{local}") if wanted == "cuda" else torch.device(wanted)
    if device.type == "cuda":
        torch.cuda.set_device(device)
    if size > 1 and not dist.is_initialized():
        backend = config.backend or ("nccl" if device.type == "cuda" else "gloo")
        dist.init_process_group(backend, device_id=device if device.type == "cuda" else None)
    return World(rank, size, device)


def wrap(model: torch.nn.Module, world: World, config: DistributedConfig) -> torch.nn.Module:
    """Shard (FSDP2, each decoder layer then the whole) or replicate (DDP) ``model`` across the group."""
    if world.size == 1 or config.strategy == "none":
        return model
    if config.strategy == "ddp":
        ids = [world.device.index] if world.device.type == "cuda" else None
        return torch.nn.parallel.DistributedDataParallel(model, device_ids=ids)
    from torch.distributed.device_mesh import init_device_mesh
    from torch.distributed.fsdp import fully_shard

    mesh = init_device_mesh(world.device.type, (world.size,))
    for layer in decoder_layers(model):
        fully_shard(layer, mesh=mesh)
    fully_shard(model, mesh=mesh)
    return model


def decoder_layers(model: torch.nn.Module) -> list[torch.nn.Module]:
    """The repeated blocks of a transformers causal LM (``model.model.layers`` and kin)."""
    for path in ("model.layers", "transformer.h", "gpt_neox.layers", "model.decoder.layers"):
        module: object = model
        for part in path.split("."):
            module = getattr(module, part, None)
        if isinstance(module, torch.nn.ModuleList):
            return list(module)
    raise ValueError(f"cannot find the decoder layers of {type(model).__name__} to shard; use strategy = 'ddp'")


@contextlib.contextmanager
def gradient_sync(model: torch.nn.Module, sync: bool) -> Iterator[None]:
    """Accumulate gradients locally unless ``sync`` (the last micro-batch of a step)."""
    model = getattr(model, "_orig_mod", model)  # a torch.compile wrapper
    if isinstance(model, torch.nn.parallel.DistributedDataParallel) and not sync:
        with model.no_sync():
            yield
        return
    if hasattr(model, "set_requires_gradient_sync"):  # FSDP2
        model.set_requires_gradient_sync(sync)
    yield


def all_reduce_sum(value: torch.Tensor, world: World) -> torch.Tensor:
    """``value`` summed over the group (itself alone without one)."""
    if world.distributed:
        dist.all_reduce(value, op=dist.ReduceOp.SUM)
    return value


def barrier(world: World) -> None:
    """Wait for every rank."""
    if world.distributed:
        dist.barrier()


def shutdown(world: World) -> None:
    """Leave the group."""
    if world.distributed and dist.is_initialized():
        dist.destroy_process_group()
