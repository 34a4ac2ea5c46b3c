"""``fill_holes`` on an Isabelle theory end to end, against recorded server replies.

The theory is laid out as the recordings' ``Example.thy``: the hole's statement on line 4, so
the search's probe and its proof's step are on line 5, where the recorded messages point.
"""

from __future__ import annotations

from isabelle_env import IsabelleEnv
from isabelle_env.holes import IsabelleFiles
from prover.fill import FillStatus, fill_holes
from prover.generators.portfolio import PortfolioGenerator
from prover.search import SearchConfig
from tests.isabelle_env.conftest import checks, session_script
from tests.isabelle_env.replay import Answer, ReplayServer

THEORY = 'theory Example\nimports Main\nbegin\nlemma foo: "\\<forall>x y. x = y"\n  sorry\nend\n'


def test_a_hole_is_searched_in_the_files_context_verified_written_back_and_the_file_checked():
    # The search's session: open (goals at the probe), "by auto" fails, "by simp" checks; then
    # verify's own session; then the whole-file check's own session; the search's session stops last.
    script = [Answer("session_start", "session_start"), *checks("use_theories.Fail", "use_theories.Fail", "use_theories"),
              *session_script(*checks("use_theories")), *session_script(*checks("use_theories")),
              Answer("session_stop", "session_stop")]
    with ReplayServer(script) as server:
        files = IsabelleFiles(timeout=30.0, server=server.info_line)
        env = IsabelleEnv(**files.env_options)
        generator = PortfolioGenerator([("by auto", -0.1), ("by simp", -0.2)])
        try:
            report = fill_holes(THEORY, files.find_holes(THEORY, "Example"), files, env, generator,
                                SearchConfig(budget=1, samples=2))
        finally:
            env.close()
    (outcome,) = report.outcomes
    assert outcome.status is FillStatus.FILLED and outcome.proof == ["by simp"] and outcome.replacement == "by simp"
    assert report.text == THEORY.replace("  sorry", "  by simp") and report.check is not None
    assert report.check.error is None and report.check.refusals == ("",)
    theories = [r.theory for r in server.replay.requests if r.command == "use_theories"]
    assert theories[0].split("\n")[1:5] == ["imports Main", "begin", 'lemma foo: "\\<forall>x y. x = y"', "done"]
    assert theories[-1].split("\n")[1:] == ["imports Main", "begin", 'lemma foo: "\\<forall>x y. x = y"', "  by simp",
                                            "thm_oracles foo", "end", ""]
    assert server.replay.unexpected == []
