"""Comparing runs: the figures of results files side by side, as markdown tables.

A run is the records of one results file (``prove --out``, or a sweep's cell), read as plain
JSON objects, the last record of each problem (a retried error replaces the error). Only a
``verified`` problem is solved; rates are over every problem of the run, skipped included, as
in :func:`prover.reporting.summarize`. ``benchmarks/tactic_sources.py`` prints :func:`row`'s table.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Iterable, Mapping

#: miniF2F's problem families, by name prefix; the first that matches names a problem's category.
CATEGORIES = ("mathd_algebra", "mathd_numbertheory", "amc12", "aime", "imo", "induction", "algebra", "numbertheory")
OTHERS = "others"

#: :func:`row`'s columns.
ROW_HEADER = ["source", "problems", "verified", "errors", "mean expansions", "mean expansions (unproved)",
              "unproved ended", "wall (min, summed)", "proofs naming their own lemma"]  # fmt: skip

Runs = Mapping[str, list[dict]]


def load(path: str | Path) -> list[dict]:
    """The records of a results file, the last one of each problem (a retried error replaces the error)."""
    records = (json.loads(line) for line in Path(path).read_text("utf-8").splitlines() if line.strip())
    return list({(r["split"], r["name"]): r for r in records}.values())


def own_name_used(record: dict) -> bool:
    """Whether a verified proof names the lemma it proves (its copy in an installed library is reachable)."""
    short = record["name"].rsplit(".", 1)[-1]
    return any(re.search(rf"(?<![\w.']){re.escape(short)}(?![\w'])", tactic) for tactic in record.get("proof") or [])


def verified_names(records: Iterable[dict]) -> set[str]:
    """The names of the problems a run verified."""
    return {r["name"] for r in records if r.get("verified")}


def row(label: str, records: list[dict], baseline: set[str] | None) -> list[str]:
    """One run's cells under :data:`ROW_HEADER`, and with ``baseline`` whether it verified all the baseline did.

    The comparison with the baseline counts only the problems the run has (a run still going
    is compared on what it has done). A run with errors is flagged: its figures undercount.
    """
    verified = verified_names(records)
    unproved = [r for r in records if not r.get("verified") and not r.get("skipped") and not r.get("error")]
    ends = Counter(r.get("stop_reason") or "?" for r in unproved)
    errors = sum(bool(r.get("error")) for r in records)
    mean = sum(r.get("expansions", 0) for r in records) / max(1, len(records))
    mean_unproved = sum(r.get("expansions", 0) for r in unproved) / max(1, len(unproved))
    cells = [label, str(len(records)), f"{len(verified)} ({len(verified) / max(1, len(records)):.1%})",
             f"{errors}" + (" (undercounts)" if errors else ""), f"{mean:.1f}", f"{mean_unproved:.1f}",
             ", ".join(f"{k} {v}" for k, v in ends.most_common()), f"{sum(r.get('wall_time', 0) for r in records) / 60:.0f}",
             str(sum(own_name_used(r) for r in records if r.get("verified")))]  # fmt: skip
    if baseline is not None:
        missing = {name for name in baseline if name in {r["name"] for r in records}} - verified
        shown = ", ".join(sorted(missing)[:3]) + (", ..." if len(missing) > 3 else "")
        cells.append(f"yes, +{len(verified - baseline)}" if not missing
                     else f"no: +{len(verified - baseline)}, -{len(missing)} ({shown})")
    return cells


def markdown_table(header: list[str], rows: Iterable[list[str]]) -> str:
    """A markdown table (pipes in cells escaped)."""
    lines = [header, *rows]
    text = ["| " + " | ".join(cell.replace("|", "\\|") for cell in line) + " |" for line in lines]
    text.insert(1, "|" + "---|" * len(header))
    return "\n".join(text) + "\n"


def runs_table(runs: Runs, baseline: str | None = None) -> str:
    """:func:`row` for each run; with ``baseline`` (a label of ``runs``), the superset column too."""
    base = verified_names(runs[baseline]) if baseline is not None else None
    header = ROW_HEADER + ([f"superset of {baseline}"] if baseline is not None else [])
    return markdown_table(header, [row(label, records, base) for label, records in runs.items()])


def category(name: str) -> str:
    """The miniF2F family of a problem (:data:`CATEGORIES`), or ``others``."""
    return next((prefix for prefix in CATEGORIES if name.startswith(prefix)), OTHERS)


def rate(solved: int, total: int) -> str:
    """``3/4 (75.0%)``; ``-`` for none."""
    return f"{solved}/{total} ({solved / total:.1%})" if total else "-"


def categories_table(runs: Runs) -> str:
    """Verified over problems per category (the columns the runs have), and in all, per run."""
    present = {category(r["name"]) for records in runs.values() for r in records}
    columns = [c for c in (*CATEGORIES, OTHERS) if c in present]
    rows = []
    for label, records in runs.items():
        cells = [label]
        for column in columns:
            members = [r for r in records if category(r["name"]) == column]
            cells.append(rate(len(verified_names(members)), len(members)))
        rows.append(cells + [rate(len(verified_names(records)), len(records))])
    return markdown_table(["run", *columns, "all"], rows)


def solved_within(records: list[dict], budget: int) -> int:
    """Problems verified with at most ``budget`` expansions: what a run with that budget would have verified.

    A search expands in the same order whatever its budget, so a problem verified after e
    expansions is verified by every budget of at least e.
    """
    return sum(1 for r in records if r.get("verified") and r.get("expansions", 0) <= budget)


def run_budget(records: list[dict]) -> int:
    """The budget a run had (recorded, or the most expansions spent), at least 1: its curve ends there."""
    return max([1, *(max(r.get("budget", 0), r.get("expansions", 0)) for r in records)])


def largest_budget(runs: Runs) -> int:
    """The largest budget of any of the runs."""
    return max(run_budget(records) for records in runs.values())


def budget_points(largest: int) -> list[int]:
    """1, 2, 4, ... up to ``largest``, and ``largest``."""
    points = [2**i for i in range(largest.bit_length()) if 2**i <= largest]
    return points + ([largest] if points[-1] != largest else [])


def budget_table(runs: Runs) -> str:
    """Pass rate at budgets 1, 2, 4, ... per run, from each problem's expansions (:func:`solved_within`).

    Past a run's own budget its rate is unknown: ``-``.
    """
    points = budget_points(largest_budget(runs))
    rows = [[label] + [rate(solved_within(records, b), len(records)) if b <= run_budget(records) else "-" for b in points]
            for label, records in runs.items()]
    return markdown_table(["run", *(f"budget {b}" for b in points)], rows)


def only_solved_by(first: list[dict], second: list[dict]) -> list[str]:
    """Problems ``first`` verified and ``second`` did not, of those both runs have, sorted."""
    common = {r["name"] for r in first} & {r["name"] for r in second}
    return sorted((verified_names(first) - verified_names(second)) & common)


def differences_table(runs: Runs) -> str:
    """For each ordered pair of runs, how many problems the row's run verified and the column's did not."""
    labels = list(runs)
    rows = [[a] + ["-" if a == b else str(len(only_solved_by(runs[a], runs[b]))) for b in labels] for a in labels]
    return markdown_table(["solved by \\ not by", *labels], rows)


def differences_lists(runs: Runs, shown: int = 20) -> str:
    """The problems behind :func:`differences_table`, up to ``shown`` names a pair."""
    lines = []
    for a in runs:
        for b in runs:
            names = only_solved_by(runs[a], runs[b]) if a != b else []
            if names:
                more = f", ... ({len(names) - shown} more)" if len(names) > shown else ""
                lines.append(f"- **{a}** and not **{b}** ({len(names)}): {', '.join(names[:shown])}{more}")
    return "\n".join(lines) + "\n" if lines else "No problem is solved by one run and not another.\n"
