"""``prove sweep``: cells from a grid through the ``prove`` parser, keyed folders, reuse of finished work."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import prover.runner
from prover.entrypoints.report import main as report_main
from prover.entrypoints.sweep import configure, main
from prover.sweep import SweepSpec, cell_identity, cell_key, plan
from tests.conftest import requires_coq
from tests.prover.runs import write_problems

PROBLEMS = {"easy_0": "Theorem easy_0 : forall x : R, x > 0 -> x + 1 > 1.",
            "proj": "Theorem proj : forall A B : Prop, A /\\ B -> B."}


def write_sweep(tmp_path: Path, grid: str) -> Path:
    """A sweep file over :data:`PROBLEMS` with the replay generator (``intros``, ``lra``) and ``grid``."""
    problems = write_problems(tmp_path / "problems.jsonl", PROBLEMS)
    tactics = tmp_path / "tactics.txt"
    tactics.write_text("intros\nlra\n")
    path = tmp_path / "sweep.toml"
    path.write_text(f'[base]\nbenchmark = "{problems}"\ngenerator = "replay"\ntactics = "{tactics}"\n'
                    f"workers = 1\nautomation_first = false\n\n[grid]\n{grid}\n")
    return path


def test_cells_are_configured_as_prove_configures_them(tmp_path) -> None:
    config = configure({"budget": 7, "max_depth": 3, "strategy": "beam", "beam-width": 2, "automation_first": True,
                        "retry_errors": True, "problems": ["a", "b"], "split": "all"})
    assert (config.search.budget, config.search.max_depth, config.search.strategy, config.search.beam_width) == (7, 3, "beam", 2)
    assert config.search.automation_first and config.retry_errors and config.problems == ("a", "b") and config.split is None
    with pytest.raises(ValueError, match="--budget must be at least 1"):
        configure({"budget": 0})
    with pytest.raises(ValueError, match="invalid choice: 'sideways'"):
        configure({"strategy": "sideways"})
    with pytest.raises(ValueError, match="no prove option"):
        configure({"bugdet": 4})
    with pytest.raises(ValueError, match="a switch"):
        configure({"automation_first": "yes"})


def test_a_sweep_file_is_checked_and_expanded(tmp_path) -> None:
    path = write_sweep(tmp_path, 'budget = [1, 4]\nstrategy = ["best-first", "beam"]')
    spec = SweepSpec.load(path)
    assert [settings for _, settings in spec.settings()] == [
        {"budget": 1, "strategy": "best-first"}, {"budget": 1, "strategy": "beam"},
        {"budget": 4, "strategy": "best-first"}, {"budget": 4, "strategy": "beam"}]
    assert all(options["generator"] == "replay" and options["budget"] == settings["budget"]
               for options, settings in spec.settings())
    for bad, message in [("budget = 4", "non-empty list"), ("out = ['x']", "cannot be set"),
                         ("workers = [1, 2]", "both"), ("budget = []", "non-empty list")]:
        path.write_text(path.read_text().split("[grid]")[0] + f"[grid]\n{bad}\n")
        with pytest.raises(ValueError, match=message):
            SweepSpec.load(path)


def test_variants_are_option_sets_over_the_base_each_with_every_grid_value(tmp_path) -> None:
    path = write_sweep(tmp_path, "budget = [1, 4]")
    variants = ('\n[[variant]]\nlabel = "goals"\ngenerator = "goals"\n'
                '\n[[variant]]\ngenerator = "portfolio"\nautomation_first = true\nwiden = 2\n')
    path.write_text(path.read_text() + variants)
    cells = SweepSpec.load(path).settings()
    assert [settings for _, settings in cells] == [
        {"label": "goals", "budget": 1}, {"label": "goals", "budget": 4},
        {"generator": "portfolio", "automation_first": True, "widen": 2, "budget": 1},
        {"generator": "portfolio", "automation_first": True, "widen": 2, "budget": 4}]
    options = cells[2][0]
    assert (options["generator"], options["automation_first"], options["widen"], options["budget"]) == ("portfolio", True, 2, 1)
    assert "label" not in cells[0][0] and cells[0][0]["generator"] == "goals" and cells[0][0]["workers"] == 1
    planned = plan(SweepSpec.load(path), tmp_path / "out", configure)
    assert [cell.label for cell in planned] == ["goals, budget=1", "goals, budget=4",
                                                "generator=portfolio, automation_first=True, widen=2, budget=1",
                                                "generator=portfolio, automation_first=True, widen=2, budget=4"]
    assert planned[2].config.search.widen == 2 and planned[2].config.search.automation_first
    assert planned[0].config.generator.name == "goals" and not planned[0].config.search.automation_first
    base = path.read_text().split("\n[[variant]]")[0]
    for bad, message in [('[[variant]]\nbudget = 3\n', "both a \\[\\[variant\\]\\] and \\[grid\\]"),
                         ('[[variant]]\nout = "x"\n', "cannot be set"),
                         ('[[variant]]\nlabel = "a"\n\n[[variant]]\nlabel = "a"\n', "labelled alike")]:
        path.write_text(f"{base}\n{bad}")
        with pytest.raises(ValueError, match=message):
            SweepSpec.load(path)


def test_cells_that_differ_only_in_their_problems_are_refused(tmp_path) -> None:
    with pytest.raises(ValueError, match="differ only in their problems"):
        plan(SweepSpec({}, {"split": ["test", "valid"]}), tmp_path / "out", configure)
    cells = plan(SweepSpec({"split": "all"}, {"workers": [1, 2]}), tmp_path / "out", configure)  # same problems: run once
    assert len(cells) == 1 and cells[0].problems == 488


def test_the_key_follows_what_decides_results_only(tmp_path) -> None:
    def key(**options) -> str:
        return cell_key(cell_identity(configure({"benchmark": str(tmp_path / "p.jsonl"), **options})))

    assert key(budget=4) == key(budget=4, workers=3, problems=["x"])  # how fast, and which problems: not the key
    assert len({key(budget=4), key(budget=8), key(budget=4, strategy="beam"), key(budget=4, generator="goals")}) == 4
    identity = cell_identity(configure({"budget": 4}))
    assert identity["fingerprint"]["search"]["budget"] == 4 and identity["version"]
    assert "backend_version" in identity
    cells = plan(SweepSpec({"split": "valid"}, {"budget": [4, 4, 8]}), tmp_path / "out", configure)  # equal cells run once
    assert [cell.settings for cell in cells] == [{"budget": 4}, {"budget": 8}]
    assert cells[0].config.out == str(tmp_path / "out" / cells[0].key / "results.jsonl")
    with pytest.raises(ValueError, match="no_such_problem"):  # a bad selection stops the sweep before any cell
        plan(SweepSpec({"split": "valid"}, {"problems": [["mathd_algebra_10"], ["no_such_problem"]]}), tmp_path, configure)


@pytest.fixture
def searched(monkeypatch) -> list[str]:
    """The names of the problems this process searches from now on (the runner's calls of ``search``)."""
    names: list[str] = []
    search = prover.runner.search

    def counting(problem, *args, **kwargs):
        names.append(problem.name)
        return search(problem, *args, **kwargs)

    monkeypatch.setattr(prover.runner, "search", counting)
    return names


@requires_coq
def test_a_sweep_runs_each_cell_once_and_an_extended_grid_only_the_new_cells(tmp_path, searched) -> None:
    out = tmp_path / "out"
    grid = 'budget = [1, 4]\nstrategy = ["best-first", "breadth-first"]'
    assert main([str(write_sweep(tmp_path, grid)), "--out", str(out)]) == 0
    assert len(searched) == 4 * len(PROBLEMS)
    index = json.loads((out / "sweep.json").read_text())["cells"]
    assert [cell["settings"] for cell in index] == [{"budget": b, "strategy": s} for b in (1, 4)
                                                    for s in ("best-first", "breadth-first")]
    for cell in index:
        config = json.loads((out / cell["key"] / "config.json").read_text())
        assert config["fingerprint"]["search"]["budget"] == cell["settings"]["budget"]
        assert config["backend_version"].startswith("The Coq Proof Assistant")
        results = [json.loads(line) for line in (out / cell["results"]).read_text().splitlines()]
        assert sorted(r["name"] for r in results) == sorted(PROBLEMS)
        # easy_0 needs intros then lra: two expansions, so budget 1 never proves it; proj is not lra's
        assert cell["summary"]["verified"] == (cell["settings"]["budget"] == 4)
    files = {path: (path.read_bytes(), path.stat().st_mtime_ns) for path in out.glob("*/results.jsonl")}

    searched.clear()
    assert main([str(write_sweep(tmp_path, grid)), "--out", str(out)]) == 0
    assert searched == []
    assert {path: (path.read_bytes(), path.stat().st_mtime_ns) for path in out.glob("*/results.jsonl")} == files

    grid = 'budget = [1, 4, 8]\nstrategy = ["best-first", "breadth-first"]'
    assert main([str(write_sweep(tmp_path, grid)), "--out", str(out)]) == 0
    assert len(searched) == 2 * len(PROBLEMS)  # budget 8's two cells
    assert {path: (path.read_bytes(), path.stat().st_mtime_ns) for path in files} == files
    index = json.loads((out / "sweep.json").read_text())["cells"]
    assert len(index) == 6 and len(list(out.glob("*/results.jsonl"))) == 6

    pytest.importorskip("matplotlib", reason="prove report's plots need matplotlib (pip install .[report])")
    assert report_main([str(out), "--out", str(tmp_path / "report")]) == 0
    budget = (tmp_path / "report" / "budget.md").read_text()
    assert "| budget=8, strategy=breadth-first | 0/2 (0.0%) | 1/2 (50.0%) | 1/2 (50.0%) | 1/2 (50.0%) |" in budget


@requires_coq
def test_cells_run_as_ray_tasks_land_where_a_local_sweep_reuses_them(tmp_path, searched, monkeypatch) -> None:
    pytest.importorskip("ray", reason="prove sweep --ray needs Ray (pip install .[ray])")
    monkeypatch.chdir(tmp_path)  # the tasks run in the driver's folder: "out" below is relative
    sweep = write_sweep(tmp_path, "budget = [1, 4]")
    assert main([str(sweep), "--out", "out", "--ray"]) == 0
    assert searched == []  # every search ran in a Ray worker process, none here
    index = json.loads((tmp_path / "out" / "sweep.json").read_text())["cells"]
    assert [(cell["settings"]["budget"], cell["summary"]["verified"]) for cell in index] == [(1, 0), (4, 1)]
    files = {path: path.read_bytes() for path in (tmp_path / "out").glob("*/results.jsonl")}
    assert len(files) == 2 and all(len(data.splitlines()) == len(PROBLEMS) for data in files.values())
    assert main([str(sweep), "--out", "out"]) == 0
    assert searched == [] and {path: path.read_bytes() for path in files} == files
