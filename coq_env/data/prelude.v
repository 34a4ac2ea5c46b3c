(* Loaded before every problem's own header, in the search and in the re-check
   alike, so that the automation tactics exist for every problem: lia, lra, nia,
   nra, ring, field, sauto (CoqHammer) and interval. The header comes after it,
   so the problem's own imports and scopes win; the re-check also compares the
   statement as Coq elaborates it with and without this prelude.

   It comes in layers. A header that Coq accepts alone but not after the whole
   prelude (a notation the prelude's libraries already declare at another level,
   ...) gets the prelude without its last layers, dropped one by one until the
   header and statement load; the results record names the prelude used and why. *)

(* layer: arithmetic *)
Require Import Lia Lra Psatz.
From Coq Require Import Ring Field ArithRing.

(* layer: hammer *)
From Hammer Require Import Tactics.

(* layer: interval *)
From Interval Require Import Tactic.
(* Interval's libraries turn on two global options that change what ordinary files
   mean (symmetric `exist _ x H` patterns stop parsing, bullets stop focusing):
   back to Coq's defaults. *)
Global Unset Asymmetric Patterns.
Global Set Bullet Behavior "Strict Subproofs".
