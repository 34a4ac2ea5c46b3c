(* Loaded before every problem's own header, in the search and in the re-check
   alike, so the automation tactics below exist (lia, lra, nia, nra, ring, field;
   sauto from
   CoqHammer; interval). The header comes after it, so the problem's own imports
   and scopes win; the re-check also compares the statement as Coq elaborates it
   with and without this prelude. *)
Require Import Lia Lra Psatz.
From Coq Require Import Ring Field ArithRing.
From Hammer Require Import Tactics.
From Interval Require Import Tactic.
