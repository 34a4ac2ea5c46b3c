"""Sweeps: one benchmark run per cell of a grid of options, each cell in a folder keyed by its configuration.

A sweep file (TOML) has a ``[base]`` table of ``prove`` options, a ``[grid]`` table whose values
are lists, and optionally ``[[variant]]`` tables, each a named set of options that go together
(``generator = "knn"`` with its ``steps``); each variant (or the base alone, without any) with each
combination of grid values is a *cell*, one :class:`RunConfig`.
A cell's results go to ``DIR/<key>/results.jsonl``, ``key`` a hash of :func:`cell_identity`:
the run's :func:`~prover.run_config.fingerprint`, the project's version and the prover's version.
Options that do not change what a run finds (the problems, ``workers``) are not in the key, so
the runner's resume reuses every problem a cell has done: a rerun computes nothing, an extended
grid or problem list only what is new. ``DIR/sweep.json`` lists the cells.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import tomllib
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any, Callable, Iterable

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

import prover
from prover.records import ResultRecord
from prover.registry import backend_class
from prover.reporting import summarize
from prover.run_config import RunConfig, fingerprint
from prover.runner import run_benchmark, select_entries

#: The index of a sweep folder.
INDEX = "sweep.json"
#: Options a sweep file may not set: the sweep decides where results go.
RESERVED = ("out", "json", "help")


@dataclass(frozen=True)
class SweepSpec:
    """A sweep file: the options every cell shares, and the grid of those that vary."""

    base: dict[str, Any]
    grid: dict[str, list[Any]]
    variants: tuple[dict[str, Any], ...] = ()  #: option sets over the base, each with an optional ``label``

    @classmethod
    def load(cls, path: str | Path) -> "SweepSpec":
        """Read and check a sweep file; ``ValueError`` names what is wrong."""
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as error:
            raise ValueError(f"cannot read the sweep file {path}: {error}") from None
        unknown = set(data) - {"base", "grid", "variant"}
        if unknown:
            raise ValueError(f"{path}: unknown tables {', '.join(sorted(unknown))}; a sweep file has [base], [grid] "
                             "and [[variant]]")
        variants = data.get("variant", [])
        if not isinstance(variants, list) or not all(isinstance(variant, dict) for variant in variants):
            raise ValueError(f"{path}: variants are [[variant]] tables")
        spec = cls(dict(data.get("base", {})), dict(data.get("grid", {})), tuple(dict(v) for v in variants))
        for key, values in spec.grid.items():
            if not isinstance(values, list) or not values:
                raise ValueError(f"{path}: grid.{key} must be a non-empty list of values, not {values!r}")
        variant_keys = [key for variant in spec.variants for key in variant if key != "label"]
        for key in [*spec.base, *spec.grid, *variant_keys]:
            if key.replace("-", "_") in RESERVED:
                raise ValueError(f"{path}: {key} cannot be set in a sweep file (each cell's results go to DIR/<key>/)")
        shared = set(spec.base) & set(spec.grid)
        if shared:
            raise ValueError(f"{path}: {', '.join(sorted(shared))} in both [base] and [grid]")
        shared = set(variant_keys) & set(spec.grid)
        if shared:
            raise ValueError(f"{path}: {', '.join(sorted(shared))} in both a [[variant]] and [grid]")
        labels = [_variant_label(variant) for variant in spec.variants]
        if len(set(labels)) != len(labels):
            raise ValueError(f"{path}: two variants are labelled alike ({', '.join(labels)}); give each its own label")
        return spec

    def settings(self) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        """Each cell's ``(options, settings)``, variant by variant, in grid order (the last key varies fastest).

        ``options`` are the cell's ``prove`` options: the base, overridden by the variant's, and the
        grid values. ``settings`` name the cell: a labelled variant's ``label``, or an unlabelled
        one's options, then the grid values.
        """
        combinations = [dict(zip(self.grid, values)) for values in itertools.product(*self.grid.values())]
        cells = []
        for variant in self.variants or ({},):
            options = {key: value for key, value in variant.items() if key != "label"}
            named = {"label": variant["label"]} if "label" in variant else options
            cells += [({**self.base, **options, **values}, {**named, **values}) for values in combinations]
        return cells


def _variant_label(variant: dict[str, Any]) -> str:
    """A variant's ``label``, or its options spelled out."""
    return str(variant.get("label") or ", ".join(f"{key}={_spelled(value)}" for key, value in variant.items()))


@dataclass(frozen=True)
class Cell:
    """One run of a sweep: its grid values, its configuration and its folder's key."""

    settings: dict[str, Any]
    config: RunConfig
    identity: dict[str, Any]  #: what the key hashes (:func:`cell_identity`)
    key: str
    problems: int = 0  #: how many problems its selection holds

    @property
    def label(self) -> str:
        """``knn, budget=4``: the cell's variant label (when it has one), then its other settings."""
        named = [str(self.settings["label"])] if "label" in self.settings else []
        values = [f"{name}={_spelled(value)}" for name, value in self.settings.items() if name != "label"]
        return ", ".join(named + values) or "base"


def _spelled(value: Any) -> str:
    return ",".join(map(str, value)) if isinstance(value, list) else str(value)


@cache
def _tool_version(backend: str) -> str:
    return backend_class(backend).tool_version()


def cell_identity(config: RunConfig) -> dict[str, Any]:
    """What decides a cell's results: the run's fingerprint, this project's version, the prover's version."""
    return {"fingerprint": fingerprint(config), "version": prover.__version__, "backend_version": _tool_version(config.backend)}


def cell_key(identity: dict[str, Any]) -> str:
    """A short hash of ``identity`` (its JSON with sorted keys)."""
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode("utf-8")).hexdigest()[:16]


def plan(spec: SweepSpec, out_dir: str | Path, configure: Callable[[dict[str, Any]], RunConfig]) -> list[Cell]:
    """Every cell of ``spec``; ``configure`` turns options into a RunConfig (the ``prove`` parser's path).

    All cells are configured, and their problems selected, before any runs, so a bad value or
    problem name stops the sweep before it starts. Cells with equal keys (a grid value equal to
    the default, twice) are run once. Cells that differ only in their problems (a grid over
    ``split``) would share one folder, so they are refused: ``split = "all"`` runs both splits in
    one cell, and the reports take a split apart.
    """
    cells: dict[str, Cell] = {}
    selections: dict[str, list[str]] = {}
    for options, settings in spec.settings():
        config = configure(options)
        names = [entry.problem.name for entry in select_entries(config)]
        selected = len(names)
        identity = cell_identity(config)
        key = cell_key(identity)
        folder = Path(out_dir) / key
        graphs = str(Path(config.graphs_dir) / key) if config.graphs_dir else None
        config = replace(config, out=str(folder / "results.jsonl"), graphs_dir=graphs)
        if selections.setdefault(key, names) != names:
            raise ValueError(f"cells {cells[key].label!r} and {Cell(settings, config, identity, key).label!r} differ only "
                             "in their problems, so they would share one results folder; select the union in one cell "
                             "(split = \"all\") or run one sweep per selection")
        cells.setdefault(key, Cell(settings, config, identity, key, selected))
    return list(cells.values())


#: Called with each cell and its records as it finishes.
CellDone = Callable[["Cell", list[ResultRecord]], None]
#: Runs ``cells`` (in any order, any number at a time), calling ``done`` as each finishes.
Executor = Callable[[list["Cell"], CellDone], None]


def run_sweep(cells: list[Cell], out_dir: str | Path, console: Console, execute: Executor | None = None) -> list[dict[str, Any]]:
    """Run each cell (the runner resumes what it has), keep ``sweep.json`` current; return its entries.

    ``execute`` runs the cells (:func:`prover.sweep_ray.ray_executor`: as Ray tasks); by default
    they run here one after another, the runner's bar of the cell's problems below. Progress
    shows the cells finished and the problems of finished cells.
    """
    out_dir = Path(out_dir)
    for cell in cells:
        (out_dir / cell.key).mkdir(parents=True, exist_ok=True)
        _write_json(out_dir / cell.key / "config.json", {"key": cell.key, "settings": cell.settings, **cell.identity})
    entries: dict[str, dict[str, Any]] = {}
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task(f"cells of {out_dir}", total=len(cells))
        problems = progress.add_task("problems of finished cells", total=sum(cell.problems for cell in cells))

        def done(cell: Cell, records: list[ResultRecord]) -> None:
            entries[cell.key] = {"key": cell.key, "label": cell.label, "settings": cell.settings,
                                 "results": f"{cell.key}/results.jsonl", "summary": summarize(records)}
            write_index(out_dir, [entries[c.key] for c in cells if c.key in entries])
            progress.update(task, advance=1)
            progress.update(problems, advance=len(records))

        def one_by_one(cells: list[Cell], done: CellDone) -> None:
            for number, cell in enumerate(cells, 1):
                progress.update(task, description=f"cell {number}/{len(cells)}: {cell.label}")
                done(cell, run_benchmark(cell.config, console))

        (execute or one_by_one)(cells, done)
    return [entries[cell.key] for cell in cells]


def write_index(out_dir: Path, entries: Iterable[dict[str, Any]]) -> None:
    """``sweep.json``: ``entries`` first, then the cells an earlier sweep into this folder listed."""
    entries = list(entries)
    keys = {entry["key"] for entry in entries}
    earlier = [entry for entry in read_index(out_dir) if entry["key"] not in keys]
    _write_json(out_dir / INDEX, {"cells": entries + earlier})


def read_index(out_dir: str | Path) -> list[dict[str, Any]]:
    """The cells ``sweep.json`` lists (none when there is no index yet)."""
    path = Path(out_dir) / INDEX
    return json.loads(path.read_text(encoding="utf-8"))["cells"] if path.is_file() else []


def _write_json(path: Path, data: Any) -> None:
    """Write ``data`` whole or not at all (a stopped sweep never leaves half an index)."""
    partial = path.with_suffix(path.suffix + ".partial")
    partial.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    partial.replace(path)
