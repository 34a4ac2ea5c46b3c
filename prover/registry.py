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
    from prover.proof_site import SiteBackend

#: name -> "module:Class". Third parties may add entries with :func:`register`.
BACKENDS: dict[str, str] = {
    "coq": "coq_env:CoqEnv",
    "lean": "lean_env:LeanEnv",
    "isabelle": "isabelle_env:IsabelleEnv",
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
    "lean": "lean_env.holes:LeanFiles",
    "isabelle": "isabelle_env.holes:IsabelleFiles",
}
#: Backends in whose files ``prove suggest`` and ``prove repl`` find a goal: name -> "module:Class" of a
#: :class:`prover.proof_site.SiteBackend`.
SITE_BACKENDS: dict[str, str] = {
    "coq": "coq_env.sites:CoqSites",
    "lean": "lean_env.sites:LeanSites",
    "isabelle": "isabelle_env.sites:IsabelleSites",
}
#: A source file's extension -> its backend (``prove fill``, ``suggest``, ``repl``) when ``--backend`` is not given.
FILE_EXTENSIONS: dict[str, str] = {".v": "coq", ".lean": "lean", ".thy": "isabelle"}

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
    return _made(FILE_BACKENDS, name, "prove fill", options)


def site_backend(name: str, **options: Any) -> SiteBackend:
    """The :class:`~prover.proof_site.SiteBackend` of backend ``name``, made with keyword ``options``."""
    return _made(SITE_BACKENDS, name, "prove suggest and prove repl", options)


def _made(table: dict[str, str], name: str, command: str, options: dict[str, Any]) -> Any:
    """An instance of ``table[name]`` made with ``options``; ``ValueError`` naming ``command`` if none."""
    if name not in table:
        raise ValueError(f"the {name} backend is not supported by {command} yet; supported: {', '.join(sorted(table))}")
    module_name, _, class_name = table[name].partition(":")
    return getattr(importlib.import_module(module_name), class_name)(**options)


def generated_benchmark_lines(name: str) -> list[str]:
    """The JSONL lines of the generated benchmark ``name`` (see :data:`GENERATED_BENCHMARKS`)."""
    module_name, _, function = GENERATED_BENCHMARKS[name].partition(":")
    return getattr(importlib.import_module(module_name), function)()
