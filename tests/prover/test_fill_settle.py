"""Filling a file's holes, backend-agnostic: the splice and the whole-file check that puts proofs back."""

from typing import Sequence

from prover.fill import FileBackend, FileCheck, FillStatus, Hole, HoleOutcome, settle, splice

TEXT = "a: ?\nb: ?\nc: ?\n"


def _hole(name: str) -> Hole:
    start = TEXT.index(f"{name}:")
    return Hole(name, name, TEXT.count("\n", 0, start) + 1, "hole", f"{name}:", start, start + 3, start + 4)


A, B, C = (_hole(name) for name in "abc")


class FakeFiles(FileBackend):
    """Fails the file at ``error_line`` while it holds ``breaker``'s proof; refuses a lemma whose
    proof says ``uses X`` while ``X`` is not filled."""

    def __init__(self, breaker: str = "", error_line: int = 0) -> None:
        self.breaker, self.error_line, self.checks = breaker, error_line, 0

    def find_holes(self, text: str, stem: str) -> list[Hole]:
        return [A, B, C]

    def proof_text(self, text: str, hole: Hole, proof: list[str]) -> str:
        return " ".join(proof)

    def check_file(self, text: str, lemmas: Sequence[tuple[int, Hole]] = ()) -> FileCheck:
        self.checks += 1
        if self.breaker and f"{self.breaker}: !" in text:
            return FileCheck((self.error_line, "Error: broken"))
        refusals = []
        for offset, hole in lemmas:
            line = text[offset : text.index("\n", offset)]
            used = line.split("uses ")[-1] if "uses " in line else ""
            refusals.append(f"depends on {used}" if used and f"{used}: ?" in text else "")
        return FileCheck(None, tuple(refusals))


def _filled(hole: Hole, proof: str) -> HoleOutcome:
    return HoleOutcome(hole, FillStatus.FILLED, [proof], proof)


def test_splice_replaces_each_span_and_says_where_each_statement_moved():
    text, starts = splice(TEXT, [(A, "! long proof"), (C, "!")])
    assert text == "a: ! long proof\nb: ?\nc: !\n"
    assert [text[start : start + 2] for start in starts] == ["a:", "c:"]


def test_a_proof_that_breaks_the_file_later_is_put_back_and_those_that_used_it_follow():
    outcomes = [_filled(A, "!"), _filled(B, "! uses a"), HoleOutcome(C, FillStatus.NOT_FOUND)]
    files = FakeFiles(breaker="a", error_line=1)
    text, check = settle(TEXT, outcomes, files)
    assert [o.status for o in outcomes] == [FillStatus.REVERTED, FillStatus.REVERTED, FillStatus.NOT_FOUND]
    assert "line 1: Error: broken" in outcomes[0].detail and "depends on a" in outcomes[1].detail
    assert text == TEXT and check.error is None and files.checks == 3


def test_the_culprit_is_the_last_filled_hole_before_the_error():
    outcomes = [_filled(A, "!"), _filled(B, "!"), _filled(C, "!")]
    text, check = settle(TEXT, outcomes, FakeFiles(breaker="b", error_line=2))
    assert [o.status for o in outcomes] == [FillStatus.FILLED, FillStatus.REVERTED, FillStatus.FILLED]
    assert text == "a: !\nb: ?\nc: !\n" and check.refusals == ("", "")
