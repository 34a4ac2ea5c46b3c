"""The report's figures as PNG files: pass rate against budget, and time per problem (matplotlib, Agg).

matplotlib comes with the ``report`` extra (``pip install .[report]``); it is imported only here.
"""

from __future__ import annotations

from pathlib import Path

from prover.comparison import Runs, largest_budget, run_budget, solved_within


def _pyplot():
    """pyplot on the Agg backend (files only, no display needed)."""
    try:
        import matplotlib
    except ImportError as error:
        raise ImportError("prove report draws its plots with matplotlib: pip install 'llemma-prover[report]'") from error
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_budget_curves(runs: Runs, path: Path) -> None:
    """Pass rate against budget, one step curve per run from budget 1 to its own, from each problem's expansions."""
    plt = _pyplot()
    from matplotlib.ticker import MaxNLocator

    figure, axes = plt.subplots(figsize=(9, 4.5))
    for label, records in runs.items():
        budgets = list(range(1, run_budget(records) + 1))
        rates = [100 * solved_within(records, b) / max(1, len(records)) for b in budgets]
        axes.step(budgets, rates, where="post", marker="." if len(budgets) == 1 else None, label=label)
    axes.set(xlabel="budget (expansions)", ylabel="verified (%)", title="Pass rate against budget")
    if largest_budget(runs) > 16:
        axes.set_xscale("log", base=2)
    else:
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.grid(alpha=0.3)
    # beside the axes, not over the curves' starts at small budgets
    axes.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def plot_time_histograms(runs: Runs, path: Path, bins: int = 20) -> None:
    """Wall time per attempted problem (skipped ones left out), one outlined histogram per run."""
    plt = _pyplot()
    times = {label: [r.get("wall_time", 0.0) for r in records if not r.get("skipped")] for label, records in runs.items()}
    longest = max([1e-3, *(t for values in times.values() for t in values)])
    figure, axes = plt.subplots(figsize=(7, 4.5))
    for label, values in times.items():
        axes.hist(values, bins=bins, range=(0, longest), histtype="step", linewidth=1.5, label=label)
    axes.set(xlabel="wall time per problem (s)", ylabel="problems", title="Time per problem")
    axes.legend(fontsize="small")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
