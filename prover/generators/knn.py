"""kNN tactics (``--generator knn``), in the manner of Tactician: what was done on the most similar goals.

An index over proof steps (``prove data steps``: each record a goal state as
the search renders it and the tactic applied to it) represents each state by
TF-IDF weights of its features: the identifiers and symbols of the target and
of the hypotheses' types, and their bigrams (hypothesis names are left out:
they are arbitrary). For a goal, the tactics of the ``neighbours`` most
similar states are proposed, scored by cosine similarity (as a
log-probability, ``log(similarity)``), with the neighbour's hypothesis names
mapped onto the goal's: each name goes to the goal's hypothesis whose type is
most alike. CPU only; an index of the standard library's steps builds in
seconds.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

from prover.generators.base import Suggestion, TacticGenerator

_TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_'.]*[A-Za-z0-9_']|[A-Za-z_]|\d+|[^\sA-Za-z0-9_]+")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_']*")
_RULE = "=" * 28


@dataclass(frozen=True)
class IndexedStep:
    """One step of the index: the state it was taken from and its tactic."""

    goals: str
    tactic: str


def hypotheses(rendered: str) -> dict[str, str]:
    """The first goal's hypotheses, name to type (``x, y : R`` gives both names the type)."""
    first = rendered.split("\n\n", 1)[0]
    head = first.split(_RULE, 1)[0] if _RULE in first else ""
    found: dict[str, str] = {}
    for line in head.splitlines():
        names, sep, kind = line.partition(" : ")
        if not sep:
            continue
        for name in names.split(","):
            name = name.strip()
            if _NAME.fullmatch(name):
                found[name] = kind.strip()
    return found


def features(rendered: str) -> list[str]:
    """The state's features: tokens of hypothesis types and targets, and their bigrams."""
    parts = []
    for goal in rendered.split("\n\n"):
        head, _, target = goal.rpartition(_RULE)
        types = [line.partition(" : ")[2] or line for line in head.splitlines()]
        parts.append(" ".join([*types, target]))
    words = _TOKEN.findall(" ".join(parts))
    return words + [f"{a} {b}" for a, b in zip(words, words[1:])]


def rename(tactic: str, source: str, target: str) -> str:
    """``tactic`` (taken on state ``source``) with its hypothesis names mapped onto those of ``target``."""
    theirs, ours = hypotheses(source), hypotheses(target)
    used = set(_NAME.findall(tactic)) & set(theirs)
    if not used or not ours:
        return tactic
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for name in sorted(used, key=lambda n: list(theirs).index(n)):
        best = max((n for n in ours if n not in taken), key=lambda n: _alike(name, theirs[name], n, ours[n]), default=None)
        if best is not None and _alike(name, theirs[name], best, ours[best]) > 0:
            mapping[name] = best
            taken.add(best)
    return _NAME.sub(lambda m: mapping.get(m.group(0), m.group(0)), tactic)


def _alike(name: str, kind: str, other: str, other_kind: str) -> float:
    """How well hypothesis ``other : other_kind`` stands in for ``name : kind``: same type best, then shared
    type tokens, with a nudge for names of the same family (``H0`` for ``H``, ``IHl`` for ``IHn``)."""
    family = 0.25 if name.rstrip("0123456789'")[:2] == other.rstrip("0123456789'")[:2] else 0.0
    if kind == other_kind:
        return 2.0 + family
    x, y = set(_TOKEN.findall(kind)), set(_TOKEN.findall(other_kind))
    overlap = len(x & y) / len(x | y) if x | y else 0.0
    return overlap + family if overlap else 0.0


class StepIndex:
    """TF-IDF vectors of indexed states; nearest neighbours by cosine similarity."""

    def __init__(self, steps: list[IndexedStep]):
        if not steps:
            raise ValueError("the kNN index needs at least one proof step")
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.steps = steps
        self._vectorizer = TfidfVectorizer(analyzer=features, sublinear_tf=True)
        self._matrix = self._vectorizer.fit_transform([s.goals for s in steps])

    @classmethod
    def from_jsonl(cls, path: str | Path, max_tactic_chars: int = 400) -> "StepIndex":
        """An index of the steps in a ``prove data steps`` file (tactics longer than ``max_tactic_chars`` left out)."""
        steps = []
        with open(path, encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                    step = IndexedStep(record["goals"], record["tactic"])
                except (json.JSONDecodeError, KeyError, TypeError) as error:
                    raise ValueError(f"{path}:{number}: not a proof-step record ({error})") from None
                if len(step.tactic) <= max_tactic_chars:
                    steps.append(step)
        return cls(steps)

    def neighbours(self, rendered: str, n: int) -> list[tuple[float, IndexedStep]]:
        """The ``n`` most similar indexed states (similarity > 0), most similar first."""
        import numpy as np

        scores = (self._matrix @ self._vectorizer.transform([rendered]).T).toarray().ravel()
        n = min(n, len(scores))
        top = np.argpartition(-scores, n - 1)[:n]
        ranked = sorted(top, key=lambda i: -scores[i])
        return [(float(scores[i]), self.steps[i]) for i in ranked if scores[i] > 0]


class KnnGenerator(TacticGenerator):
    """Tactics of the most similar indexed goals, renamed to the goal's hypotheses, best first."""

    def __init__(self, index: StepIndex, neighbours: int = 100):
        self.index, self.neighbours = index, neighbours

    @classmethod
    def from_steps(cls, path: str | Path, neighbours: int = 100) -> "KnnGenerator":
        """A generator over the steps in ``path`` (a ``prove data steps`` ``steps.jsonl``)."""
        return cls(StepIndex.from_jsonl(path), neighbours)

    def generate(self, goal: str, k: int) -> list[Suggestion]:
        """Up to ``k`` distinct tactics, each scored by its most similar neighbour (``log`` of the cosine)."""
        best: dict[str, float] = {}
        for similarity, step in self.index.neighbours(goal, max(self.neighbours, k)):
            tactic = rename(step.tactic, step.goals, goal)
            best[tactic] = max(best.get(tactic, 0.0), similarity)
        ranked = sorted(best.items(), key=lambda item: -item[1])[:k]
        return [Suggestion(tactic, math.log(min(similarity, 1.0))) for tactic, similarity in ranked]
