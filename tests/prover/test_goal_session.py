"""`prove suggest` and `prove repl`, backend-agnostic: a toy prover through the registry, no proof assistant needed."""

from __future__ import annotations

import io
from typing import Sequence

import pytest

from prover.entrypoints import repl
from prover.entrypoints.cli import main
from prover.env import Goal, Problem, ProofEnv, Progress, Proved, ProverCrashError, State, StepResult, TacticError, Verdict
from prover.proof_session import ProofSession
from prover.proof_site import NoGoalThere, ProofSite, ReplayStep, SiteBackend
from prover.registry import BACKENDS, FILE_EXTENSIONS, SITE_BACKENDS
from prover.search import SearchConfig
from prover.suggest import Effect, Tried, rank


class CountDown(ProofEnv):
    """A toy prover: the goal is a number; ``dec`` lowers it by one, ``done`` proves 0, ``same`` changes nothing,
    ``crash`` kills the prover; anything else is an error."""

    name = "toy"
    default_timeout = 1.0

    def __init__(self, **options: object) -> None:
        self.states: dict[int, int] = {}
        self.verified: list[list[str]] = []

    def _state(self, n: int) -> State:
        self.states[len(self.states)] = n
        return State(len(self.states) - 1, (Goal((), str(n)),) if n >= 0 else ())

    def open(self, problem: Problem) -> State:
        self.states.clear()
        return self._state(int(problem.statement))

    def step(self, state_id: int, tactic: str) -> StepResult:
        n = self.states[state_id]
        if tactic == "crash":
            raise ProverCrashError("the toy prover died")
        if tactic == "dec" and n > 0:
            return Progress(self._state(n - 1))
        if tactic == "same":
            return Progress(self._state(n))
        if tactic == "done" and n == 0:
            return Proved(self._state(-1))
        return TacticError(f"Error: {tactic} does not apply to {n}")

    def verify(self, problem: Problem, proof: list[str]) -> Verdict:
        self.verified.append(proof)
        return Verdict(True, "toy check")

    def close(self) -> None:
        pass


class ToySites(SiteBackend):
    """A toy file: line 1 is the goal's number, each later line one step; the goal at line L follows lines 2..L-1."""

    def proof_site(self, text: str, line: int, file: str) -> ProofSite:
        lines = text.splitlines()
        if not 2 <= line <= len(lines) + 1:
            raise NoGoalThere(f"line {line} is not inside a proof")
        steps = tuple(ReplayStep(tactic, number) for number, tactic in enumerate(lines[1 : line - 1], 2))
        return ProofSite(Problem("toy", "site", "", lines[0]), steps, "", f"{file}:{line}")

    def proof_script(self, proof: Sequence[str], opener: str = "", finished: bool = True) -> str:
        return " ".join(["begin", *proof, "end" if finished else "sorry"])


@pytest.fixture
def toy(monkeypatch, tmp_path):
    """The toy backend registered for ``.toy`` files, and a replay generator file of every toy tactic."""
    monkeypatch.setitem(BACKENDS, "toy", f"{__name__}:CountDown")
    monkeypatch.setitem(SITE_BACKENDS, "toy", f"{__name__}:ToySites")
    monkeypatch.setitem(FILE_EXTENSIONS, ".toy", "toy")
    tactics = tmp_path / "tactics.txt"
    tactics.write_text("same\nbogus\ndec\ndone\n")
    return ["--generator", "replay", "--tactics", str(tactics)]


def _tried(tactic: str, logprob: float, effect: Effect) -> Tried:
    return Tried(tactic, logprob, TacticError("x"), 0.0, effect)


def test_suggestions_rank_by_what_they_did_then_by_score():
    tried = [_tried("e", -0.1, Effect.FAILED), _tried("u", -0.1, Effect.UNCHANGED), _tried("p2", -2, Effect.PROGRESS),
             _tried("p1", -1, Effect.PROGRESS), _tried("s", -5, Effect.SOLVED), _tried("q", -9, Effect.PROVED)]
    assert [t.tactic for t in rank(tried)] == ["q", "s", "p1", "p2", "u", "e"]


def test_a_session_replays_the_site_runs_and_undoes_down_to_the_statement():
    env = CountDown()
    session = ProofSession(env, ProofSite(Problem("t", "s", "", "2"), (ReplayStep("dec", 3),)))
    assert session.open().goals[0].target == "1" and session.tactics == ["dec"]
    assert isinstance(session.run("bogus"), TacticError) and session.tactics == ["dec"]
    assert session.undo() and session.current.goals[0].target == "2" and not session.undo()
    result = session.search(_Replay(["dec", "done"]), SearchConfig(budget=5))
    assert result.verified and session.finished and session.tactics == ["dec", "dec", "done"]
    assert env.verified == [["dec", "dec", "done"]]  # the re-check sees the whole proof, not just the search's part
    with pytest.raises(NoGoalThere, match="line 7: the step 'bogus'"):
        ProofSession(env, ProofSite(Problem("t", "s", "", "2"), (ReplayStep("bogus", 7),))).open()


class _Replay:
    def __init__(self, tactics: list[str]) -> None:
        self.tactics = tactics

    def generate(self, goal: str, k: int):
        from prover.generators.base import Suggestion

        return [Suggestion(tactic, -1.0) for tactic in self.tactics]


def test_suggest_tries_each_tactic_and_lists_the_finishing_one_first(toy, tmp_path, capsys):
    source = tmp_path / "a.toy"
    source.write_text("1\ndec\n")
    assert main(["suggest", f"{source}:3", *toy]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("│ ")]
    assert [row.split("│")[2].strip() for row in rows] == ["done", "same", "bogus", "dec"]
    assert "proves it" in rows[0] and "no change" in rows[1] and "error: bogus does not apply to 0" in rows[2]


def test_bad_places_are_one_error_line_with_status_2(toy, tmp_path, capsys):
    source = tmp_path / "a.toy"
    source.write_text("1\ndec\n")
    for argv in (["suggest", f"{source}:9"], ["suggest", str(source)], ["suggest", f"{source}:2", "--statement", "1"],
                 ["repl", "--header-file", str(source), f"{source}:2"], ["suggest", f"{tmp_path}/missing.toy:2"],
                 ["suggest", f"{tmp_path}/a.unknown:2"]):
        assert main([*argv, *toy]) == 2, argv
        err = capsys.readouterr().err
        assert err.startswith("error: ") and err.count("\n") == 1, (argv, err)


def test_a_crashing_prover_is_a_clear_error_with_status_1(toy, tmp_path, capsys):
    source = tmp_path / "a.toy"
    source.write_text("1\ncrash\n")
    assert main(["suggest", f"{source}:3", *toy]) == 1
    assert capsys.readouterr().err == "error: the prover failed: the toy prover died\n"


def test_the_shell_runs_tactics_suggestions_undo_and_prints_the_finished_proof(toy, tmp_path, capsys):
    source = tmp_path / "a.toy"
    source.write_text("2\ndec\n")
    args = repl.build_parser().parse_args([f"{source}:3", *toy])
    typed = "bogus\ndec\nundo\nundo\nundo\n?\n7\n!1\nproof\ndec\ndone\n"
    assert repl.run_session(args, _console(), io.StringIO(typed)) == 0
    out = capsys.readouterr().out
    assert "bogus does not apply to 1" in out and "nothing to undo" in out and "no suggestion 7" in out
    assert "> dec\n" in out and "begin dec sorry" in out  # suggestion 1 from the statement's 2, then `proof`
    assert out.rstrip().endswith("re-checked in a fresh process: toy check\nbegin dec dec done end")


def test_the_shell_ends_unfinished_with_status_1_and_the_proof_so_far(toy, tmp_path, capsys):
    source = tmp_path / "a.toy"
    source.write_text("2\n")
    args = repl.build_parser().parse_args([f"{source}:2", *toy])
    assert repl.run_session(args, _console(), io.StringIO("dec\nsearch x\nsearch 1\n")) == 1
    out = capsys.readouterr().out
    assert "search takes a number" in out and "no proof found (budget after 1 expansions)" in out
    assert out.rstrip().endswith("unfinished; the proof so far:\nbegin dec sorry")
    with pytest.raises(ProverCrashError):  # main() makes it one error line, status 1
        repl.run_session(args, _console(), io.StringIO("dec\ncrash\n"))
    assert capsys.readouterr().out.rstrip().endswith("the prover failed; the proof so far:\nbegin dec sorry")


def _console():
    from rich.console import Console

    return Console(width=100)
