"""Fine-tuning pairs from proof steps: each step's goals as the model generator's prompt, its tactic as the completion.

``prove data pairs --steps steps.jsonl --out pairs.jsonl`` writes one
``{"prompt", "completion"}`` record per step, rendered by the backend's
:class:`~prover.generators.prompting.PromptTemplate` exactly as the ``--model``
generator renders a search's goals, so a model fine-tuned on them answers in
the format the search reads. ``prove train finetune`` takes the file as a
source (``prompt_field``/``completion_field``).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from pathlib import Path

from prover.generators.prompting import PromptTemplate


def split_files(manifest: Path, split: str) -> set[str]:
    """The files of ``split`` in a ``prove data corpus`` manifest (paths relative to ``coqc -where``)."""
    with manifest.open(encoding="utf-8") as handle:
        return {record["path"] for record in map(json.loads, filter(str.strip, handle)) if record["split"] == split}


def step_pairs(steps: Path, template: PromptTemplate, files: set[str] | None = None) -> Iterator[dict[str, str]]:
    """The pair of each step record in ``steps`` (of ``files`` only, when given; tactics over the
    template's limit are left out)."""
    with steps.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                goals, tactic = record["goals"], record["tactic"]
            except (json.JSONDecodeError, KeyError, TypeError) as error:
                raise ValueError(f"{steps}:{number}: not a proof-step record ({error})") from None
            if len(tactic) <= template.max_tactic_chars and (files is None or record.get("file") in files):
                yield {"prompt": template.render(goals), "completion": template.completion(tactic)}


def main(argv: list[str] | None = None) -> int:
    """``prove data pairs --steps FILE --out FILE [--backend coq]``."""
    parser = argparse.ArgumentParser(prog="prove data pairs", description=__doc__.splitlines()[0])
    parser.add_argument("--steps", required=True, type=Path, help="steps.jsonl from `prove data steps`")
    parser.add_argument("--out", required=True, type=Path, help="the pairs file (JSONL) to write")
    parser.add_argument("--backend", default="coq", help="whose prompt renders the goals (default: %(default)s)")
    parser.add_argument("--prompt-file", default=None, help="a prompt JSON instead of the backend's (default: the backend's)")
    parser.add_argument("--manifest", type=Path, default=None, help="a corpus manifest: keep only the steps of files of --split (default: all steps)")
    parser.add_argument("--split", default="train", help="the corpus split kept with --manifest (default: %(default)s)")
    args = parser.parse_args(argv)
    template = PromptTemplate.from_file(args.prompt_file) if args.prompt_file else PromptTemplate.for_backend(args.backend)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with args.out.open("w", encoding="utf-8") as out:
        for pair in step_pairs(args.steps, template, split_files(args.manifest, args.split) if args.manifest else None):
            out.write(json.dumps(pair, ensure_ascii=False) + "\n")
            count += 1
    print(f"{count} pairs written to {args.out}")
    return 0
