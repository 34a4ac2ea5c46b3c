"""The Coq corpus and the proof steps replayed from it (live Coq)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from coq_env.corpus import build_corpus, library_root, split_of
from coq_env.steps import StepsConfig, extract
from tests.conftest import requires_coq

pytestmark = requires_coq

GOOD = """Require Import Arith.
(* a comment with a period. *)
Lemma add_zero : forall n : nat, n + 0 = n.
Proof.
  intros n. induction n as [|n IH].
  - reflexivity.
  - simpl. rewrite IH. reflexivity.
Qed.
"""
BROKEN = """Lemma wrong : forall n : nat, n = n + 1.
Proof.
  intros n. reflexivity.
Qed.

Lemma uses_wrong : 0 = 1.
Proof. apply wrong. Qed.

Lemma fine : True.
Proof. exact I. Qed.
"""


def test_the_corpus_has_a_manifest_a_stable_split_and_no_benchmark_statement(tmp_path) -> None:
    root = tmp_path / "coq"
    (root / "theories" / "Mini").mkdir(parents=True)
    (root / "theories" / "Mini" / "Clean.v").write_text(GOOD)
    # a file holding a miniF2F statement verbatim must be reported and left out
    statement = next(json.loads(l)["coq"]["statement"] for l in open("prover/data/minif2f.jsonl") if '"amc12b_2003_p17"' in l)
    (root / "theories" / "Mini" / "Leak.v").write_text(f"Require Import Reals.\n{statement}\nAdmitted.\n")
    manifest = build_corpus(tmp_path / "out", heldout_percent=50, ngram=20, root=root)
    assert [(e.path, e.contaminated_by) for e in manifest] == [
        ("theories/Mini/Clean.v", []), ("theories/Mini/Leak.v", ["amc12b_2003_p17"])]
    lines = [json.loads(l) for l in (tmp_path / "out" / "manifest.jsonl").read_text().splitlines()]
    assert [l["path"] for l in lines] == ["theories/Mini/Clean.v"] and lines[0]["tokens"] > 20
    assert (tmp_path / "out" / lines[0]["split"] / "theories" / "Mini" / "Clean.v").read_text() == GOOD
    assert not list((tmp_path / "out").rglob("Leak.v"))
    assert json.loads((tmp_path / "out" / "contamination.jsonl").read_text())["path"] == "theories/Mini/Leak.v"
    assert split_of("theories/Mini/Clean.v", 50) == lines[0]["split"] == split_of("theories/Mini/Clean.v", 50)


def test_library_files_name_their_debian_package_version_and_license(tmp_path) -> None:
    manifest = build_corpus(tmp_path / "out")
    by_path = {e.path: e for e in manifest}
    entry = by_path["theories/Lists/List.v"]
    assert entry.package == "libcoq-stdlib" and entry.license.startswith("LGPL") and entry.version[0].isdigit()
    assert 0.03 < sum(e.split == "heldout" for e in manifest) / len(manifest) < 0.2  # 10% of files by default
    assert (library_root() / entry.path).is_file()


def test_steps_are_recorded_broken_lemmas_skipped_with_a_reason_and_a_rerun_duplicates_nothing(tmp_path) -> None:
    files = tmp_path / "src"
    files.mkdir()
    (files / "Good.v").write_text(GOOD)
    (files / "Broken.v").write_text(BROKEN)
    config = StepsConfig(tmp_path / "out", (files,), workers=2)
    totals = extract(config, report=lambda _: None)
    steps = [json.loads(l) for l in (tmp_path / "out" / "steps.jsonl").read_text().splitlines()]
    failures = [json.loads(l) for l in (tmp_path / "out" / "failures.jsonl").read_text().splitlines()]
    good = [s for s in steps if s["lemma"] == "add_zero"]
    assert [s["tactic"] for s in good] == ["intros n.", "induction n as [|n IH].", "reflexivity.", "simpl.", "rewrite IH.", "reflexivity."]
    assert good[0]["goals"] == "============================\nforall n : nat, n + 0 = n" and good[-1]["finished"]
    assert "IH : n + 0 = n" in good[4]["goals"] and not any(s["finished"] for s in good[:-1])
    assert [(f["lemma"], "reflexivity" in f["reason"]) for f in failures] == [("wrong", True)]
    assert {s["lemma"] for s in steps} == {"add_zero", "uses_wrong", "fine"}  # later lemmas still replay
    assert totals["lemmas"] == 4 and totals["proved"] == 3 and totals["failures"] == 1
    # a stopped run resumes: one file's result gone, only it is replayed; nothing is duplicated
    next((tmp_path / "out" / "files").glob("Good-*.json")).unlink()
    replayed = []
    again = extract(config, report=replayed.append)
    assert "1 to replay" in replayed[0] and again["steps"] == totals["steps"]
    assert (tmp_path / "out" / "steps.jsonl").read_text().count('"add_zero"') == len(good)


def test_prove_data_steps_prints_its_totals(tmp_path) -> None:
    (tmp_path / "Good.v").write_text(GOOD)
    done = subprocess.run([sys.executable, "-m", "prover", "data", "steps", "--out", str(tmp_path / "out"), str(tmp_path / "Good.v")],
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "1 files, 1 lemmas (1 replayed, 100.0%), 6 steps, 0 failures" in done.stdout
    bad = subprocess.run([sys.executable, "-m", "prover", "data", "steps", "--out", str(tmp_path / "o2"), str(tmp_path / "nope.txt")],
                         capture_output=True, text=True, timeout=60)  # fmt: skip
    assert bad.returncode == 2 and "not a .v file" in bad.stderr
