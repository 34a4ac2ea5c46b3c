"""``prove fill`` on Isabelle theories, the text side: holes, statements, spans, proofs written back."""

from __future__ import annotations

from isabelle_env import theory as thy
from isabelle_env.holes import IsabelleFiles, find_holes, proof_text
from isabelle_env.theory_text import read_theory, tokens
from prover.fill import splice
from prover.registry import FILE_BACKENDS, FILE_EXTENSIONS, file_backend

THEORY = '''(*  Title:      Demo.thy
    A comment does not hide a lemma from Isabelle, nor make one: lemma fake: "False" sorry
    (* nested: oops *) still a comment: lemma fake2: "False" sorry
*)
theory Demo
  imports Main
begin

text \u2039A lemma in a cartouche is none: lemma hidden: "True" sorry \u2039nested \u203a oops\u203a

lemma add_zero [simp]: "x + 0 = (x::nat)"
  sorry

lemma two_steps: "(a::nat) + b = b + a"
  apply (simp add: add.commute) \\<comment> \\<open>sorry in a formal comment\\<close>
  apply auto
  oops

theorem strings: "''sorry'' = ''oops''" by simp

lemma isar:
  assumes "A" and "B"
  shows "A \\<and> B"
proof -
  have "A" using assms by simp
  moreover have "B"
  proof (cases "A")
    case True
    then show ?thesis using assms by simp
  next
    case False
    then show ?thesis sorry
  qed
  ultimately show ?thesis by (rule conjI)
qed

lemma two_methods: "P \\<or> \\<not> P" by (cases P) auto

lemma one_line: "rev (rev xs) = xs" sorry
end
'''


def spans(text: str, stem: str = "Demo") -> list[tuple[str, int, str, str, str, str]]:
    """Each hole as (name, line, kind, statement, replaced text, why unsupported)."""
    return [(h.name, h.line, h.kind, h.statement, text[h.start:h.end], h.unsupported) for h in find_holes(text, stem)]


def test_holes_are_the_lemmas_with_sorry_or_oops_with_their_statement_and_the_proof_a_fill_replaces():
    isar_proof = THEORY[THEORY.index("proof -"):THEORY.index("by (rule conjI)\nqed") + len("by (rule conjI)\nqed")]
    assert spans(THEORY) == [
        ("Demo.add_zero", 11, "sorry", 'lemma add_zero [simp]: "x + 0 = (x::nat)"', "sorry", ""),
        ("Demo.two_steps", 14, "oops", 'lemma two_steps: "(a::nat) + b = b + a"',
         "apply (simp add: add.commute) \\<comment> \\<open>sorry in a formal comment\\<close>\n  apply auto\n  oops", ""),
        ("Demo.isar", 21, "sorry", 'lemma isar:\n  assumes "A" and "B"\n  shows "A \\<and> B"', isar_proof, ""),
        ("Demo.one_line", 39, "sorry", 'lemma one_line: "rev (rev xs) = xs"', "sorry", ""),
    ]


def test_comments_cartouches_and_strings_are_single_tokens():
    found = [(t.kind, t.text) for t in tokens('(* a (* b *) sorry *) \u2039x \u2039y\u203a oops\u203a "a\\"sorry" `oops` done')]
    assert found == [("comment", "(* a (* b *) sorry *)"), ("cartouche", "\u2039x \u2039y\u203a oops\u203a"),
                     ("string", '"a\\"sorry"'), ("string", "`oops`"), ("word", "done")]


def test_a_proof_ends_where_its_goal_closes_methods_included_and_the_theory_end_is_found():
    theory = read_theory(THEORY)
    ends = {lemma.name: THEORY[lemma.proof_start:lemma.proof_end] for lemma in theory.lemmas}
    assert ends["strings"] == "by simp" and ends["two_methods"] == "by (cases P) auto"
    assert all(lemma.ended for lemma in theory.lemmas)
    assert THEORY[theory.end:] == "end\n" and theory.stray == []


def test_what_cannot_be_filled_is_listed_with_why_never_dropped():
    text = '''theory Odd imports Main begin
lemma "True" sorry
lemma [simp]: "x = x" oops
lemma (in group) inv_inv: "inv (inv x) = x" sorry
context fixes n :: nat begin
lemma in_context: "n = n" sorry
end
fun f :: "nat \\<Rightarrow> nat" where "f n = (if n = 0 then 0 else f (n - 1))"
termination sorry
instance proof oops
lemma unfinished: "A" proof -
  have "A" sorry
'''
    found = [(h.lemma, h.line, h.kind, h.unsupported.split(":")[0]) for h in find_holes(text, "Odd")]
    assert found == [
        ("lemma", 2, "sorry", "an unnamed lemma"), ("lemma", 3, "oops", "an unnamed lemma"),
        ("inv_inv", 4, "sorry", "stated in the locale group"),
        ("in_context", 6, "sorry", "inside a context, locale or other begin ... end block"),
        ("termination", 9, "sorry", "'sorry' in the proof of `termination`, not of a lemma"),
        ("instance", 10, "oops", "'oops' in the proof of `instance`, not of a lemma"),
        ("unfinished", 11, "sorry", "the end of its proof was not found"),
    ]


def test_each_supported_hole_gives_a_problem_the_env_accepts():
    for hole in find_holes(THEORY, "Demo"):
        assert thy.header_problem(THEORY[:hole.statement_start]) is None, hole.name
        assert thy.statement_problem(hole.statement) is None, hole.name


def test_a_header_after_a_comment_is_a_header_and_renaming_keeps_every_line():
    header = THEORY[:THEORY.index("begin") + len("begin")]
    assert thy.header_problem(header) is None and thy.header_name(header) == "Demo"
    renamed = thy.rename_theory(THEORY, "Fill_1")
    assert renamed.split("\n")[4] == "theory Fill_1" and renamed.count("\n") == THEORY.count("\n")
    assert renamed.replace("theory Fill_1", "theory Demo") == THEORY


def test_a_found_proof_is_written_like_the_hole():
    holes = {h.lemma: h for h in find_holes(THEORY, "Demo")}
    assert proof_text(THEORY, holes["one_line"], ["apply simp"]) == "apply simp done"
    assert proof_text(THEORY, holes["add_zero"], ["by simp"]) == "by simp"
    assert proof_text(THEORY, holes["two_steps"], ["apply (simp add: ac_simps)", "apply auto"]) == \
        "apply (simp add: ac_simps)\n  apply auto\n  done"
    assert proof_text(THEORY, holes["isar"], ["using assms", "by blast"]) == "using assms\nby blast"
    inline = 'theory T imports Main begin\n  lemma x: "A \\<Longrightarrow> A" proof -\n    show ?thesis sorry\n  qed\nend\n'
    (hole,) = find_holes(inline, "T")
    assert proof_text(inline, hole, ["apply assumption"]) == "\n    apply assumption\n    done"


def test_filling_changes_the_holes_spans_and_not_one_byte_else_crlf_included():
    text = THEORY.replace("\n", "\r\n")
    holes = [h for h in find_holes(text, "Demo") if h.lemma in ("two_steps", "one_line")]
    edits = [(hole, proof_text(text, hole, ["apply simp"])) for hole in holes]
    output, starts = splice(text, edits)
    assert output.count("apply simp\r\n  done") == 1 and "\n" not in output.replace("\r\n", "")
    assert [output[s:].startswith(h.statement) for s, h in zip(starts, holes)] == [True, True]
    kept = text[:holes[0].start] + text[holes[0].end:holes[1].start] + text[holes[1].end:]
    filled = output.replace("apply simp\r\n  done", "", 1).replace("apply simp done", "", 1)
    assert filled == kept
    left = {h.lemma for h in find_holes(output, "Demo")}
    assert left == {"add_zero", "isar"}


def test_isabelle_files_are_registered_for_fill_by_backend_and_extension():
    assert FILE_EXTENSIONS[".thy"] == "isabelle"
    files = file_backend("isabelle", timeout=12.0)
    assert isinstance(files, IsabelleFiles) and FILE_BACKENDS["isabelle"] == "isabelle_env.holes:IsabelleFiles"
    assert files.env_options["check_timeout"] == 12.0 and files.find_holes(THEORY, "Demo")[0].lemma == "add_zero"
