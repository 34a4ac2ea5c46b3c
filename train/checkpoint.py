"""Checkpoints: model, optimizer, scheduler, data position, NaN-guard and RNG states, written atomically.

A checkpoint is a folder ``<out>/checkpoints/step-NNNNNNN/``: the model and
optimizer as a ``torch.distributed.checkpoint`` (each rank writes its own
shards, so FSDP2 never gathers a whole model), ``trainer.pt`` (rank 0: step,
scheduler, data sampler, NaN guard) and ``rng-<rank>.pt``. Everything is
written into ``.step-NNNNNNN.tmp`` first and renamed when complete; a rename
within a folder is atomic, so a crash mid-write leaves the previous checkpoints
as they were and only a ``.tmp`` folder behind, which the next write removes.
"""

from __future__ import annotations

import os
import random
import shutil
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.distributed.checkpoint as dcp
from torch.distributed.checkpoint.state_dict import get_model_state_dict, get_state_dict, set_model_state_dict, set_state_dict

from train.distributed import World, barrier

PREFIX = "step-"
# One process without a process group is a supported way to use torch.distributed.checkpoint.
warnings.filterwarnings("ignore", message="torch.distributed is disabled, unavailable or uninitialized")


def folder(out_dir: str | Path) -> Path:
    """Where a run's checkpoints live."""
    return Path(out_dir) / "checkpoints"


def latest(out_dir: str | Path) -> Path | None:
    """The newest complete checkpoint of a run (``None`` if it has none)."""
    complete = sorted(p for p in folder(out_dir).glob(f"{PREFIX}*") if p.is_dir() and _step_of(p) is not None)
    return complete[-1] if complete else None


def save(
    out_dir: str | Path, step: int, model: torch.nn.Module, optimizer: torch.optim.Optimizer, trainer_state: dict[str, Any],
    world: World, keep: int = 3,
) -> Path:  # fmt: skip
    """Write the checkpoint of ``step`` atomically and keep the ``keep`` newest; return its folder."""
    final = folder(out_dir) / f"{PREFIX}{step:07d}"
    staging = final.with_name(f".{final.name}.tmp")
    if world.main:
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
    barrier(world)
    model_state, optim_state = get_state_dict(model, optimizer)
    dcp.save({"model": model_state, "optim": optim_state}, checkpoint_id=str(staging))
    torch.save(rng_state(), staging / f"rng-{world.rank}.pt")
    if world.main:
        torch.save(trainer_state, staging / "trainer.pt")
    barrier(world)
    if world.main:
        _fsync_tree(staging)
        shutil.rmtree(final, ignore_errors=True)
        os.replace(staging, final)
        _fsync_dir(final.parent)
        for old in sorted(p for p in folder(out_dir).glob(f"{PREFIX}*") if _step_of(p) is not None)[:-max(1, keep)]:
            shutil.rmtree(old, ignore_errors=True)
    barrier(world)
    return final


def load(path: Path, model: torch.nn.Module, optimizer: torch.optim.Optimizer | None, world: World, rng: bool = True) -> dict[str, Any]:
    """Restore the model (and optimizer, and this rank's RNG) from ``path``; return its trainer state."""
    if optimizer is None:
        state = {"model": get_model_state_dict(model)}
        dcp.load(state, checkpoint_id=str(path))
        set_model_state_dict(model, state["model"])
    else:
        model_state, optim_state = get_state_dict(model, optimizer)
        state = {"model": model_state, "optim": optim_state}
        dcp.load(state, checkpoint_id=str(path))
        set_state_dict(model, optimizer, model_state_dict=state["model"], optim_state_dict=state["optim"])
    rng_file = path / f"rng-{world.rank}.pt"
    if rng and rng_file.exists():
        set_rng_state(torch.load(rng_file, weights_only=False))
    return torch.load(path / "trainer.pt", weights_only=False)


def rng_state() -> dict[str, Any]:
    """Every random generator a step may draw from: Python's, NumPy's, torch's CPU and CUDA ones."""
    state = {"python": random.getstate(), "numpy": np.random.get_state(), "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    """Restore what :func:`rng_state` saved."""
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def _step_of(path: Path) -> int | None:
    name = path.name
    return int(name[len(PREFIX):]) if name.startswith(PREFIX) and name[len(PREFIX):].isdigit() else None


def _fsync_tree(root: Path) -> None:
    for path in root.rglob("*"):
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
    _fsync_dir(root)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
