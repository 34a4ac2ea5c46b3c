"""The vendored few-shot prompts and their rendering."""

from __future__ import annotations

import json

import pytest

from prover.env import Goal, State
from prover.generators.prompting import PROMPT_DIR, PromptTemplate


@pytest.mark.parametrize("backend", ["coq", "lean", "isabelle"])
def test_every_backend_has_a_prompt_in_llemma_format(backend: str) -> None:
    template = PromptTemplate.for_backend(backend)
    assert template.backend == backend
    assert len(template.examples) >= 3
    prompt = template.render("x : nat\n⊢ x = x")
    assert prompt.startswith(template.instruction)
    assert prompt.endswith("Tactic state:\n---\nx : nat\n⊢ x = x\n---\nNext tactic:\n---\n")
    for example in template.examples:
        assert f"{example.state}\n---\nNext tactic:\n---\n{example.tactic}\n---\n" in prompt
    assert "\n---" in template.stop


def test_lean_prompt_is_llemmas_four_shot_prompt() -> None:
    prompt = PromptTemplate.for_backend("lean").render("m n : ℕ\n⊢ m + n = n + m")
    assert prompt.startswith("Given the Lean 4 tactic state, suggest a next tactic.\nHere are some examples:\n\n")
    assert "rw [← h.gcd_eq_one]\n---\n\nTactic state:\n---\nm n : ℕ" in prompt


def test_coq_prompt_renders_the_envs_goal_text() -> None:
    state = State(id=0, goals=(Goal(("x : R", "h : x = 1"), "x + 1 = 2"),))
    prompt = PromptTemplate.for_backend("coq").render(state.render())
    assert prompt.endswith("x : R\nh : x = 1\n" + "=" * 28 + "\nx + 1 = 2\n---\nNext tactic:\n---\n")
    assert all(e.tactic.endswith(".") for e in PromptTemplate.for_backend("coq").examples)


def test_completion_is_what_follows_the_prompt() -> None:
    template = PromptTemplate.for_backend("coq")
    assert template.completion("lia.") == "lia.\n---"


def test_unknown_backend_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match="coq"):
        PromptTemplate.for_backend("agda")


def test_prompt_files_are_plain_json_data() -> None:
    for path in PROMPT_DIR.glob("*.json"):
        assert isinstance(json.loads(path.read_text(encoding="utf-8")), dict), path


def test_custom_prompt_file(tmp_path) -> None:
    path = tmp_path / "mine.json"
    path.write_text(json.dumps({"backend": "coq", "instruction": "Prove it.", "examples": [], "stop": ["\n\n"]}))
    template = PromptTemplate.from_file(path)
    assert template.render("⊢ True") == "Prove it.\n\nTactic state:\n---\n⊢ True\n---\nNext tactic:\n---\n"
    assert template.stop == ("\n\n",)
