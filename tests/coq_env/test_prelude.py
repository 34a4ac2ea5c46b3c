"""The prelude must not change what a user's file means (issue 19, item 4), and how problems load after it."""

import re
import subprocess

from coq_env.prelude import Prelude, default_prelude
from prover.env import Proved
from tests.conftest import coq_problem, requires_coq

EXIST = """Definition first (s : {n : nat | n > 0}) : nat := match s with exist _ x H => x end.
Lemma first_pos : forall s, first s > 0.
Proof. intros [x H]. simpl. exact H. Qed.
"""


def test_layers_are_dropped_from_the_last():
    prelude = Prelude("(* intro *)\n(* layer: a *)\nRequire Import Lia.\n(* layer: b c *)\nRequire Import Lra.\n")
    choices = prelude.candidates()
    assert [(c.label, c.layers) for c in choices] == [("full", 2), ("without b c", 1), ("without a, b c", 0)]
    assert choices[0].text == prelude.text
    assert "Lia" in choices[1].text and "Lra" not in choices[1].text and choices[2].text.strip() == "(* intro *)"
    assert [c.label for c in Prelude("Require Import Lia.\n").candidates()] == ["full", "without prelude"]
    assert [c.label for c in Prelude("(* only a comment *)").candidates()] == ["full"]


def _options(source: str, tmp_path) -> dict[str, str]:
    path = tmp_path / "Options.v"
    path.write_text(source + "\nPrint Options.\n")
    output = subprocess.run(["coqc", "-q", path.name], cwd=tmp_path, capture_output=True, text=True, check=True).stdout
    return dict(re.findall(r"^  (\w[\w ]*?): (.*)$", output, re.M))


@requires_coq
def test_the_prelude_leaves_every_option_of_coq_as_it_was(tmp_path):
    # Interval's libraries turned on Asymmetric Patterns and Bullet Behavior "None" for every file.
    bare, after = _options("", tmp_path), _options(default_prelude(), tmp_path)
    changed = {name: (value, after[name]) for name, value in bare.items() if name != "Debug" and after[name] != value}
    assert not changed


@requires_coq
def test_a_header_with_exist_patterns_that_compiles_alone_works_after_the_prelude(coq_env):
    problem = coq_problem("f", "Theorem f : first (exist _ 2 (le_S _ _ (le_n 1))) = 2.", header=EXIST)
    root = coq_env.open(problem)
    assert coq_env.problem_setup() == {"prelude": "full"}
    assert isinstance(coq_env.step(root.id, "reflexivity"), Proved)
    assert coq_env.verify(problem, ["reflexivity"]).ok


LAYERED = """(* layer: arithmetic *)
Require Import Lia.
(* layer: noisy *)
Notation "x <+> y" := (x + y) (at level 50).
"""


@requires_coq
def test_a_header_refused_after_the_whole_prelude_gets_fewer_layers_in_search_and_check():
    from coq_env import CoqEnv

    env = CoqEnv(timeout=5.0, prelude=LAYERED)
    try:
        clash = coq_problem("clash", "Theorem clash : forall n : nat, n <+> 1 = n.",
                            header='Notation "x <+> y" := (x * y) (at level 40).\n')
        root = env.open(clash)
        setup = env.problem_setup()
        assert setup["prelude"] == "without noisy" and "<+>" in setup["prelude_reason"], setup
        assert isinstance(env.step(root.id, "lia"), Proved)  # the arithmetic layer stays
        verdict = env.verify(clash, ["lia"])
        assert verdict.ok and "(at level 50)" not in verdict.checked_file, verdict.reason
        plain = coq_problem("plain", "Theorem plain : forall n : nat, n + 0 = n.", header="")
        root = env.open(plain)
        assert env.problem_setup() == {"prelude": "full"}
        assert isinstance(env.step(root.id, "lia"), Proved)
        assert env.verify(plain, ["lia"]).ok
        env.open(clash)  # the refusal is remembered: no second try under the whole prelude
        assert env.problem_setup()["prelude"] == "without noisy"
    finally:
        env.close()


@requires_coq
def test_a_header_that_extends_the_last_one_loads_only_what_is_new(coq_env, monkeypatch):
    header = "Require Import Arith.\n" + "".join(f"Lemma l{i} : {i} = {i}. Proof. reflexivity. Qed.\n" for i in range(30))
    first = coq_problem("a", "Theorem a : 1 = 1.", header=header)
    coq_env.open(first)
    sent: list[str] = []
    run = coq_env.session.run
    monkeypatch.setattr(coq_env.session, "run", lambda sentence, timeout: sent.append(sentence) or run(sentence, timeout))
    root = coq_env.open(coq_problem("b", "Theorem b : l0 = l0.", header=header + "Definition extra := 2.\n"))
    assert [s for s in sent if not s.startswith(("BackTo", "Show"))] == ["Definition extra := 2.", "Theorem b : l0 = l0."]
    assert isinstance(coq_env.step(root.id, "reflexivity"), Proved)
