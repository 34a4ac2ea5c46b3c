"""``--benchmark coq-stdlib-heldout``: the lemmas of the standard library files that training never saw.

The in-library setting of CoqGym and Tactician: each lemma that a held-out file
of the installed Coq standard library proves, stated with the file's text before
it as its header (:mod:`coq_env.problem_files`), so the same runner, search,
re-check and results format serve. The held-out files are the corpus' own
held-out split (:func:`coq_env.corpus.split_of`, 10% of paths by hash), so the
``knn`` index and a model trained on the ``train`` split never saw them; files
that share a 20-gram with a miniF2F statement are left out as the corpus leaves
them out.

Splits: ``test`` is a fixed sample of :data:`SAMPLE` lemmas (the lowest SHA-256 of
their names, spread over the files), ``rest`` the others; ``--split all`` runs
both. With Coq 8.16.1 from Debian the held-out files give 712 problems.
"""

from __future__ import annotations

import hashlib
import json

from coq_env.corpus import contaminated_by, library_root, minif2f_ngrams, split_of, tokens
from coq_env.problem_files import problems_from_files

SAMPLE = 240  #: lemmas in the ``test`` split
HELDOUT_PERCENT = 10.0  #: as ``prove data corpus``' default
NGRAM = 20  #: as ``prove data corpus``' default


def heldout_files() -> list[str]:
    """The held-out ``.v`` files of the standard library (``theories/``), minus those sharing an n-gram with miniF2F."""
    root = library_root()
    grams = minif2f_ngrams(NGRAM)
    files = []
    for path in sorted((root / "theories").rglob("*.v")):
        if split_of(str(path.relative_to(root)), HELDOUT_PERCENT) != "heldout":
            continue
        if contaminated_by(tokens(path.read_text("utf-8", errors="replace")), grams, NGRAM):
            continue
        files.append(str(path))
    return files


def benchmark_lines() -> list[str]:
    """The benchmark as JSONL lines: every problem of the held-out files, the sample in split ``test``."""
    problems, _ = problems_from_files(heldout_files())
    ranked = sorted(problems, key=lambda p: hashlib.sha256(p.name.encode("utf-8")).hexdigest())
    sample = {p.name for p in ranked[:SAMPLE]}
    return [json.dumps(p.record("test" if p.name in sample else "rest")) for p in problems]
