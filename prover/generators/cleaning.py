"""Output cleaning: raw model samples in, distinct usable tactics out.

Samples are cut at the first stop sequence, stripped, trimmed to one sentence
where the language has a sentence terminator (Coq's ``.``), and dropped when
empty or over-long. Duplicates keep the highest log-probability, and the
result is ordered best first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from prover.engines.base import Sample, cut_at_stop
from prover.generators.base import Suggestion
from prover.generators.prompting import PromptTemplate


# A Coq sentence ends at a "." followed by whitespace or the end of the text;
# "1.5" or "Nat.add" do not end a sentence.
_SENTENCE_END = re.compile(r"\.(?=\s|$)")


def clean_tactic(text: str, template: PromptTemplate) -> str | None:
    """The tactic in one raw sample, or ``None`` when nothing usable is left."""
    tactic = cut_at_stop(text, template.stop).strip()
    if template.sentence_end == ".":
        match = _SENTENCE_END.search(tactic)
        if match:
            tactic = tactic[: match.end()]
        elif tactic:
            tactic += "."
        if tactic == ".":
            return None
    tactic = " ".join(tactic.split()) if "\n" in tactic and template.sentence_end else tactic
    if not tactic or len(tactic) > template.max_tactic_chars:
        return None
    return tactic


def clean_samples(samples: Iterable[Sample], template: PromptTemplate, k: int) -> list[Suggestion]:
    """Up to ``k`` distinct cleaned tactics from ``samples``, best log-probability first."""
    best: dict[str, float] = {}
    for sample in samples:
        tactic = clean_tactic(sample.text, template)
        if tactic is not None and sample.logprob > best.get(tactic, float("-inf")):
            best[tactic] = sample.logprob
    ranked = sorted(best.items(), key=lambda item: item[1], reverse=True)
    return [Suggestion(tactic, logprob) for tactic, logprob in ranked[:k]]
