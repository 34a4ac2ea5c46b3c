(* Loaded before every problem's own header, in the search and in the re-check
   alike, so that the automation tactics exist for every problem: lia, lra, nia,
   nra, ring, field, sauto (CoqHammer) and interval. The header comes after it,
   so the problem's own imports and scopes win; the re-check also compares the
   statement as Coq elaborates it with and without this prelude. *)
Require Import Lia Lra Psatz.
From Coq Require Import Ring Field ArithRing.
From Hammer Require Import Tactics.
From Interval Require Import Tactic.
