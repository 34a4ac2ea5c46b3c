"""``prove fill FILE``: prove the holes of your own file and write the proofs back.

    prove fill Lib.v                        # writes Lib_filled.v beside it
    prove fill Lib.v --in-place             # rewrites Lib.v, the old one kept as Lib.v.bak
    prove fill Lib.v --out Done.v --budget 20 --model PATH
    prove fill Demo.thy                     # an Isabelle theory: writes Demo_filled.thy

Each hole (Coq: a lemma closed with ``Admitted``; Isabelle: a lemma whose proof says
``sorry`` or ends with ``oops``) is searched in order, in the context
of the file before it, with the search options of a benchmark run; what is found
replaces the hole and nothing else, and the whole output is checked as you will check it
(see :mod:`prover.fill`). A table lists each hole: filled or not, the proof, the time.

Exit status: 0 done (whether or not every hole was filled; also a file with no holes),
1 the output could not be written or did not check, 2 bad options, a file that does
not compile before filling (the first error's line is named) or a missing prover, 130
interrupted (nothing written).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from prover.entrypoints.options import (add_generator_arguments, add_search_arguments, env_options_from_args,
                                       generator_config_from_args, search_config_from_args)
from prover.env import ProverNotInstalledError
from prover.fill import FillReport, FillStatus, HoleOutcome, fill_holes
from prover.generators.factory import build_generator
from prover.registry import FILE_BACKENDS, FILE_EXTENSIONS, file_backend, make_env

#: How much of a proof the table shows.
_PROOF_CHARS = 80


class FillError(Exception):
    """The fill cannot go on; ``status`` is the exit status."""

    def __init__(self, message: str, status: int = 2) -> None:
        super().__init__(message)
        self.status = status


def build_parser() -> argparse.ArgumentParser:
    """The ``prove fill`` argument parser; every option has a default and a help line."""
    parser = argparse.ArgumentParser(
        prog="prove fill",
        description="Search a proof for every hole of a file (Coq: each lemma closed with Admitted, admit tactics "
        "and all; Lean: each theorem whose proof holds sorry; Isabelle: each lemma whose proof says sorry or ends with "
        "oops), each in the context of the file before it, write the proofs found back, check the whole output with the "
        "proof assistant alone, and list what became of each hole.",
    )
    parser.add_argument("file", help="the source file to fill (Coq: FILE.v; Lean: FILE.lean, in the Lean project of `prove setup lean` "
                        "or $LLEMMA_PROVER_LEAN_REPL's; Isabelle: FILE.thy; it must check as it is)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--out", default=None, help="where to write the filled file (default: FILE_filled.v, FILE_filled.lean, ... beside FILE)")
    where.add_argument("--in-place", action="store_true", help="rewrite FILE itself, keeping the old one as FILE.bak")
    parser.add_argument("--backend", default=None, choices=sorted(FILE_BACKENDS), help="proof assistant (default: by the file's extension: " + ", ".join(f"{ext} {name}" for ext, name in FILE_EXTENSIONS.items()) + ")")
    parser.add_argument("--check-timeout", type=float, default=300.0, help="seconds each check of the whole file may take (default: %(default)s)")
    add_search_arguments(parser)
    add_generator_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print each hole's outcome as JSON on stdout as well")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``prove fill``."""
    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    console = Console(stderr=True)
    try:
        report, written = run(args, console)
    except FillError as error:
        console.print(f"[bold red]error:[/] {escape(str(error))}", highlight=False, soft_wrap=True)
        return error.status
    except KeyboardInterrupt:
        console.print("interrupted: nothing was written", highlight=False)
        return 130
    if report is None:
        return 0
    console.print(outcome_table(report.outcomes, args.file))
    console.print(escape(_summary(report, written)), highlight=False, soft_wrap=True)
    if args.json:
        print(json.dumps({"file": args.file, "out": written, "holes": [o.record() for o in report.outcomes]}))
    return 0


def run(args: argparse.Namespace, console: Console) -> tuple[FillReport | None, str]:
    """Fill ``args.file`` and write the result; the report (None for a file with no holes) and where it went."""
    path = Path(args.file)
    backend = args.backend or FILE_EXTENSIONS.get(path.suffix)
    if backend is None:
        raise FillError(f"cannot tell the proof assistant of {path} from its extension; give --backend")
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise FillError(f"cannot read {path}: {error}") from None
    out = _output_path(args, path)
    try:
        files = file_backend(backend, timeout=args.check_timeout)
        search_config, generator_config = search_config_from_args(args), generator_config_from_args(args)
        check = files.check_file(text)
        if check.error is not None:
            line, message = check.error
            raise FillError(f"{path} does not compile before filling: line {line}: {message}")
        holes = files.find_holes(text, path.stem)
        if not holes:
            console.print(f"{escape(str(path))} has no holes (no lemma left unproved): nothing to fill", highlight=False,
                          soft_wrap=True)
            return None, ""
        env = make_env(backend, **files.env_options, **env_options_from_args(args))
        try:
            generator = build_generator(generator_config, backend)
            try:
                report = fill_holes(text, holes, files, env, generator, search_config,
                                    on_outcome=lambda outcome: _progress(console, outcome))
            finally:
                generator.close()
        finally:
            env.close()
    except (ValueError, ImportError, ProverNotInstalledError) as error:
        raise FillError(str(error)) from None
    if report.check is not None and report.check.error is not None:
        line, message = report.check.error
        raise FillError(f"the filled file does not compile even with every proof put back (line {line}: {message}); "
                        "nothing was written", 1)
    return report, _write(report, path, out, args.in_place)


def _output_path(args: argparse.Namespace, path: Path) -> Path:
    if args.in_place:
        return path
    out = Path(args.out) if args.out else path.with_name(f"{path.stem}_filled{path.suffix}")
    if out.resolve() == path.resolve():
        raise FillError(f"--out {out} is the file being filled: use --in-place to rewrite it (a backup is kept)")
    return out


def _write(report: FillReport, path: Path, out: Path, in_place: bool) -> str:
    """Write the filled text to ``out`` (for ``--in-place``, keep ``FILE.bak`` first); where it went, "" if nowhere."""
    if in_place and not report.filled:
        return ""
    try:
        if in_place:
            backup = path.with_name(path.name + ".bak")
            _write_bytes(backup, path.read_bytes())
        _write_bytes(out, report.text.encode("utf-8"))
    except OSError as error:
        raise FillError(f"cannot write {out}: {error}", 1) from None
    return str(out)


def _write_bytes(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` at once (a reader never sees half a file)."""
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(data)
    os.replace(partial, path)


def _progress(console: Console, outcome: HoleOutcome) -> None:
    hole = outcome.hole
    console.print(f"{escape(hole.name)} (line {hole.line}): {outcome.status.value} in {outcome.seconds:.1f} s",
                  highlight=False, soft_wrap=True)


def outcome_table(outcomes: list[HoleOutcome], title: str) -> Table:
    """The table of holes: hole, lemma, line, result (and why not filled), proof, time."""
    table = Table(title=title)
    for column in ("#", "hole", "lemma", "line", "result", "proof", "time"):
        table.add_column(column, justify="right" if column in ("#", "line", "time") else "left")
    for number, outcome in enumerate(outcomes, 1):
        hole = outcome.hole
        result = outcome.status.value if outcome.status is FillStatus.FILLED else f"{outcome.status.value}: {outcome.detail}"
        proof = " ".join(outcome.proof) if outcome.status is FillStatus.FILLED else ""
        if len(proof) > _PROOF_CHARS:
            proof = proof[: _PROOF_CHARS - 1] + "…"
        time_text = f"{outcome.seconds:.1f} s" if outcome.status is not FillStatus.UNSUPPORTED else ""
        table.add_row(str(number), hole.kind, hole.lemma, str(hole.line), escape(result), escape(proof), time_text)
    return table


def _summary(report: FillReport, written: str) -> str:
    filled, total = len(report.filled), len(report.outcomes)
    where = f"wrote {written}" if written else "the file was left as it was"
    checked = "; the whole file checked alone, with every filled lemma's assumptions" if report.check is not None else ""
    return f"filled {filled} of {total} holes; {where}{checked}"
