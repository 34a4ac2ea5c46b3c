"""A sweep's cells as Ray tasks (``prove sweep --ray``): many cells at a time, on one machine or a cluster.

Each cell is one task asking for as many CPUs as its ``workers``; it runs the same
:func:`~prover.runner.run_benchmark` a local sweep runs, in the driver's working folder, so
relative paths mean the same and the results land in the same cell folders (a sweep run with
Ray and one without share their finished work). On a cluster every machine must see those paths
(a shared filesystem) and have this project and its prover installed. Ray comes with the ``ray``
extra (``pip install .[ray]``) and is imported only here.
"""

from __future__ import annotations

import os

from rich.console import Console

from prover.ray_pool import LOCAL, import_ray, init_ray
from prover.records import ResultRecord
from prover.run_config import RunConfig
from prover.runner import run_benchmark
from prover.sweep import Cell, CellDone, Executor


def run_cell(config: RunConfig, cwd: str) -> list[ResultRecord]:
    """A cell's run in a Ray worker: in ``cwd`` (the driver's), its progress bar silenced."""
    os.chdir(cwd)
    return run_benchmark(config, Console(stderr=True, quiet=True))


def ray_executor(address: str = LOCAL) -> Executor:
    """An executor of :func:`prover.sweep.run_sweep` that runs the cells as Ray tasks.

    ``address``: :data:`LOCAL` starts a Ray instance on this machine whose workers import this
    very ``prover``; anything else is passed to ``ray.init`` (``auto``: the cluster this machine
    is part of; ``ray://HOST:10001``).
    """

    def execute(cells: list[Cell], done: CellDone) -> None:
        ray = import_ray("prove sweep")
        owned = init_ray(ray, address, max(cell.config.workers for cell in cells))  # every cell fits
        try:
            task = ray.remote(run_cell)
            cwd = os.getcwd()
            pending = {task.options(num_cpus=cell.config.workers).remote(cell.config, cwd): cell for cell in cells}
            while pending:
                finished, _ = ray.wait(list(pending), num_returns=1)
                for ref in finished:
                    done(pending.pop(ref), ray.get(ref))
        finally:
            if owned:
                ray.shutdown()

    return execute
