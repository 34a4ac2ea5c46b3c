"""Backend registry: maps ``--backend NAME`` to an environment class, imported lazily.

Search, generation and benchmarks reach backends only through this module, so
``prover/`` never imports an env package directly and a missing optional
dependency only matters for the backend that needs it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from prover.env import ProofEnv

if TYPE_CHECKING:
    from prover.fill import FileBackend

#: name -> "module:Class". Third parties may add entries with :func:`register`.
BACKENDS: dict[str, str] = {
    "coq": "coq_env:CoqEnv",
    "lean": "lean_env:LeanEnv",
    "leandojo": "lean_env.leandojo_env:LeanDojoEnv",
}

#: Benchmarks a backend makes from what is installed (not vendored): name -> "module:function" returning
#: the problems as JSONL lines, imported when the benchmark is asked for.
GENERATED_BENCHMARKS: dict[str, str] = {
    "coq-stdlib-heldout": "coq_env.stdlib_heldout:benchmark_lines",
}

#: Backends whose files ``prove fill`` can fill: name -> "module:Class" of a :class:`prover.fill.FileBackend`.
FILE_BACKENDS: dict[str, str] = {
    "coq": "coq_env.holes:CoqFiles",
}
#: A source file's extension -> the backend of ``prove fill`` when ``--backend`` is not given.
FILE_EXTENSIONS: dict[str, str] = {".v": "coq", ".lean": "lean"}

#: The backend used when none is named: the one that installs from Debian.
DEFAULT_BACKEND = "coq"


def register(name: str, target: str) -> None:
    """Register ``target`` (``"module:Class"``) as backend ``name``."""
    if ":" not in target:
        raise ValueError(f"backend target must look like 'module:Class', got {target!r}")
    BACKENDS[name] = target


def backend_class(name: str) -> type[ProofEnv]:
    """The environment class registered as ``name``."""
    try:
        target = BACKENDS[name]
    except KeyError:
        known = ", ".join(sorted(BACKENDS))
        raise ValueError(f"unknown backend {name!r}; known backends: {known}") from None
    module_name, _, class_name = target.partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, class_name)


def make_env(name: str, **options: Any) -> ProofEnv:
    """Instantiate backend ``name`` with keyword ``options`` for its constructor."""
    return backend_class(name)(**options)


def file_backend(name: str, **options: Any) -> FileBackend:
    """The :class:`~prover.fill.FileBackend` of backend ``name``, made with keyword ``options``."""
    if name not in FILE_BACKENDS:
        known = ", ".join(sorted(FILE_BACKENDS))
        raise ValueError(f"prove fill does not support the {name} backend yet; it supports: {known}")
    module_name, _, class_name = FILE_BACKENDS[name].partition(":")
    return getattr(importlib.import_module(module_name), class_name)(**options)


def generated_benchmark_lines(name: str) -> list[str]:
    """The JSONL lines of the generated benchmark ``name`` (see :data:`GENERATED_BENCHMARKS`)."""
    module_name, _, function = GENERATED_BENCHMARKS[name].partition(":")
    return getattr(importlib.import_module(module_name), function)()
