"""``prove report``'s pages: the runs to compare, found from paths, and the folder of tables and plots.

The report folder holds ``index.md`` (linking everything), ``runs.md`` (pass rate and search
figures per run), ``categories.md`` (pass rate per miniF2F family), ``budget.md`` and
``budget.png`` (pass rate against budget from each problem's expansions), ``time.png`` (time
per problem) and ``differences.md`` (problems one run verified and another did not).
"""

from __future__ import annotations

from pathlib import Path

from prover.comparison import (Runs, budget_table, categories_table, differences_lists, differences_table, load,
                               runs_table)
from prover.report_plots import plot_budget_curves, plot_time_histograms
from prover.sweep import INDEX, read_index

#: (file, title, what it shows) of each page and figure, in the order ``index.md`` lists them.
PAGES = [
    ("runs.md", "Runs", "problems, verified (the pass rate), errors, expansions, how unproved searches ended, time"),
    ("categories.md", "Pass rate per category", "verified over problems per miniF2F family (the name's prefix)"),
    ("budget.md", "Pass rate against budget", "a problem verified after e expansions counts at every budget from e"),
    ("budget.png", "Pass rate against budget (plot)", "the same, at every budget"),
    ("time.png", "Time per problem", "histograms of each attempted problem's wall time"),
    ("differences.md", "Solved by one run, not another", "per pair of runs, on the problems both have"),
]


def collect_runs(paths: list[str]) -> dict[str, list[dict]]:
    """The runs ``paths`` name: results files (``LABEL=FILE`` or ``FILE``) and sweep folders (one run per cell).

    A sweep's cells are labelled by their grid values; a folder without ``sweep.json`` counts as
    its ``results.jsonl``. Raises ``ValueError`` for a path that is none of these.
    """
    runs: dict[str, list[dict]] = {}
    for item in paths:
        label, _, path = ("", "", item) if Path(item).exists() else item.rpartition("=")
        where = Path(path)
        if where.is_dir() and (where / INDEX).is_file():
            found = [(cell.get("label") or cell["key"], where / cell["results"]) for cell in read_index(where)]
            found = [(f"{label}: {name}" if label else name, file) for name, file in found if file.is_file()]
        elif where.is_dir() and (where / "results.jsonl").is_file():
            found = [(label or path, where / "results.jsonl")]
        elif where.is_file():
            found = [(label or path, where)]
        else:
            raise ValueError(f"{path} is no results file, sweep folder or folder with a results.jsonl")
        for name, file in found:
            unique, number = name, 2
            while unique in runs:
                unique, number = f"{name} #{number}", number + 1
            runs[unique] = load(file)
    if not runs:
        raise ValueError("no runs to report: the sweep folders list no cells with results yet")
    return runs


def write_report(runs: Runs, out_dir: str | Path) -> list[Path]:
    """Write every page and figure of :data:`PAGES` and ``index.md`` into ``out_dir``; their paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    pages = {
        "runs.md": runs_table(runs),
        "categories.md": categories_table(runs),
        "budget.md": budget_table(runs) + "\n![pass rate against budget](budget.png)\n",
        "differences.md": differences_table(runs) + "\n" + differences_lists(runs),
    }
    for name, text in pages.items():
        title = next(title for file, title, _ in PAGES if file == name)
        (out / name).write_text(f"# {title}\n\n{text}", encoding="utf-8")
    plot_budget_curves(runs, out / "budget.png")
    plot_time_histograms(runs, out / "time.png")
    (out / "index.md").write_text(_index(runs), encoding="utf-8")
    return [out / "index.md", *(out / file for file, _, _ in PAGES)]


def _index(runs: Runs) -> str:
    """The report's front page: the runs, a link to each page, and the figures inline."""
    lines = ["# Report", "", f"{len(runs)} runs: " + ", ".join(f"**{label}**" for label in runs), ""]
    lines += [f"- [{title}]({file}): {what}" for file, title, what in PAGES]
    lines += ["", "![pass rate against budget](budget.png)", "", "![time per problem](time.png)", ""]
    return "\n".join(lines)
