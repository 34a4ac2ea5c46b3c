"""Draft, Sketch, Prove on Isabelle: a ``proof ... qed`` sketch's gaps, against recorded server replies.

The recordings answer whatever theory is sent, and their messages point at line 5. So the
sketch here is a one-line block on line 5 (header lines 1-3, statement line 4): a gap's probe
``done`` then stands on line 5 too, and the recorded "Failed to finish proof" there gives the
gap's goal; on a gap's own step it is that step's error. What the tests check is what was sent
(every gap ``sorry`` but the one being worked on) and how each reply was read.
"""

from __future__ import annotations

import pytest

from isabelle_env import IsabelleEnv
from isabelle_env.sketches import gap_proof_text, gap_spans, replace_gaps, sketch_steps
from isabelle_env.sledgehammer import gap_tactics
from prover.dsp import SketchStatus, prove_sketch
from prover.search import SearchConfig
from tests.isabelle_env.conftest import EXAMPLE, checks, session_script
from tests.isabelle_env.replay import Answer

BLOCK = "proof - show ?thesis sorry qed"


def _theories(server) -> list[list[str]]:
    return [r.theory.split("\n") for r in server.replay.requests if r.command == "use_theories"]


def test_a_block_s_gap_is_shown_by_the_probe_closed_by_a_gap_tactic_and_the_proof_verified(replay_env):
    searching = [Answer("session_start", "session_start"),
                 *checks("use_theories.Fail",  # open: the statement's goals
                         "use_theories",  # the block with its gap `sorry` checks
                         "use_theories.Fail",  # the probe in the gap: its goal
                         "use_theories.Fail",  # `by auto` fails there
                         "use_theories")]  # `by simp` closes it
    # Then the re-check in a session of its own; the sketch's session stops when the env is closed.
    env, server = replay_env(searching + session_script(*checks("use_theories")) + [Answer("session_stop", "session_stop")])
    attempt = prove_sketch(EXAMPLE, env, f"{EXAMPLE.statement}\n{BLOCK}", gap_search=SearchConfig(budget=0))
    assert attempt.status is SketchStatus.VERIFIED, attempt.detail
    assert [(g.closed_by, g.proof) for g in attempt.gaps] == [("tactic", ["by simp"])]
    assert attempt.gaps[0].goal.endswith("x = y")
    assert attempt.proof == ["proof - show ?thesis by simp qed"]
    sent = [theory[4] for theory in _theories(server)]  # line 5
    assert sent[1:] == [BLOCK, "proof - show ?thesis done qed", "proof - show ?thesis by auto qed",
                        "proof - show ?thesis by simp qed", "proof - show ?thesis by simp qed"]
    env.close()
    assert server.replay.unexpected == []


def test_a_gap_no_gap_tactic_closes_leaves_the_sketch_open_and_names_it(replay_env):
    listed = [tactic for tactic in gap_tactics() if tactic != "sledgehammer"]
    script = session_script(*checks("use_theories.Fail", "use_theories", "use_theories.Fail",
                                    *["use_theories.Fail"] * len(listed),
                                    "use_theories.Sledgehammer",  # sledgehammer in the gap offers 6 proofs,
                                    *["use_theories.Fail"] * 2))  # 2 not tried yet (fast, metis); neither checks
    env, server = replay_env(script)
    attempt = prove_sketch(EXAMPLE, env, BLOCK, gap_search=SearchConfig(budget=0))
    assert attempt.status is SketchStatus.GAP_OPEN and "in step 1" in attempt.detail and "x = y" in attempt.detail
    sent = [theory[4] for theory in _theories(server)]  # line 5
    tried = sent[3:3 + len(listed)]
    assert tried == [f"proof - show ?thesis {tactic} qed" for tactic in listed]
    assert sent[3 + len(listed):] == ["proof - show ?thesis sledgehammer", "proof - show ?thesis by fast qed",
                                      "proof - show ?thesis by metis qed"]
    assert server.replay.unexpected == []


def test_a_block_isabelle_rejects_with_its_gaps_sorry_is_a_failed_step(replay_env):
    env, _ = replay_env(session_script(*checks("use_theories.Fail", "use_theories.Fail")))
    attempt = prove_sketch(EXAMPLE, env, BLOCK)
    assert attempt.status is SketchStatus.STEP_FAILED and "Failed to finish proof" in attempt.detail


@pytest.mark.parametrize("sketch, why", [
    ('lemma "False"\nproof - show ?thesis sorry qed', "states another theorem"),
    ("proof - show ?thesis sorry\n", "must end with `qed`"),
    ("proof - show ?thesis oops qed", "oops"),
    ("proof -\n  have False by (tactic \\<open>Skip_Proof.cheat_tac @{context} 1\\<close>)\n  then show ?thesis by simp\nqed", "tactic"),
    ("", "no proof steps"),
])
def test_a_sketch_that_states_another_theorem_or_cheats_is_refused(sketch, why):
    steps, refusal = sketch_steps(EXAMPLE.statement, sketch)
    assert steps == [] and why in refusal


def test_sketch_steps_take_a_block_whole_and_an_apply_script_a_step_a_line():
    block = f'{EXAMPLE.statement}\nproof -\n  have "x = x" sledgehammer\n  then show ?thesis sorry\nqed'
    assert sketch_steps(EXAMPLE.statement, block) == (['proof -\n  have "x = x" sledgehammer\n  then show ?thesis sorry\nqed'], "")
    assert sketch_steps(EXAMPLE.statement, "apply (induct n)\n  apply simp\nsorry\ndone")[0] == [
        "apply (induct n)", "apply simp", "sorry", "done"]


def test_gaps_in_strings_cartouches_and_comments_are_no_gaps():
    text = 'have "sorry = x" (* sorry *) \\<open>sledgehammer\\<close> sorry'
    assert [text[a:b] for a, b in gap_spans(text)] == ["sorry"]
    assert replace_gaps(text, ["by simp"]).endswith("\\<close> by simp")
    assert gap_proof_text(["apply simp", "apply auto"]) == "apply simp\napply auto\ndone"


def test_fill_gaps_writes_each_gap_s_proof_where_its_marker_stood():
    step = 'proof -\n  have h: "x = y" sledgehammer\n  then show ?thesis sorry\nqed'
    filled = IsabelleEnv.fill_gaps(step, [["by (metis h)"], ["apply simp", "done"]])
    assert filled == 'proof -\n  have h: "x = y" by (metis h)\n  then show ?thesis apply simp\ndone\nqed'


def test_the_few_shot_sketches_are_refused_by_nothing_and_have_gaps():
    from prover.sketchers import SketchPrompt
    prompt = SketchPrompt.for_backend("isabelle")
    for example in prompt.examples:
        steps, refusal = sketch_steps(example["statement"], example["statement"] + "\n" + example["sketch"])
        assert refusal == "" and len(steps) == 1 and gap_spans(steps[0]), example["statement"]
