"""Llemma's data-mixture study: short runs over several weight sets, compared by held-out perplexity.

``prove train ablate-mixture CONFIG.toml`` trains one run of ``ablation.steps``
steps per entry of ``ablation.weight_sets`` (one weight per ``data.sources``
entry), each in its own folder under ``train.out_dir``, then measures the
perplexity of each final model on the first ``ablation.eval_rows`` packed
sequences of ``data.held_out``. It writes ``report.md`` (a table) and
``report.png`` (training loss per run, held-out perplexity per weight set).
Finished runs are reused, so a rerun only computes what is missing.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path

import torch
import torch.nn.functional as F

from train import checkpoint
from train.config import RunConfig
from train.data import held_out_batches
from train.distributed import World
from train.model import build_model, load_tokenizer
from train.run_log import read_log


def ablate_mixture(config: RunConfig) -> Path:
    """Run the study of ``config.ablation``; return the report's path (written by rank 0)."""
    from train.trainer import Trainer

    study, sources = config.ablation, config.data.sources
    if not study.weight_sets:
        raise ValueError("[ablation] weight_sets is empty: give one list of weights per run")
    if not config.data.held_out:
        raise ValueError("[[data.held_out]] is empty: name the source the perplexity is measured on")
    for weights in study.weight_sets:
        if len(weights) != len(sources) or min(weights) <= 0:
            raise ValueError(f"weight set {weights}: need {len(sources)} positive weights, one per [[data.sources]]")
    root = Path(config.train.out_dir)
    rows = []
    for weights in study.weight_sets:
        cell = copy.deepcopy(config)
        for source, weight in zip(cell.data.sources, weights):
            source.weight = weight
        cell.train.steps = study.steps
        cell.train.out_dir = str(root / ("mix-" + "-".join(f"{w:g}" for w in weights)))
        trainer = Trainer(cell)
        trainer.run()
        if trainer.world.main:
            steps, _ = read_log(cell.train.out_dir)
            rows.append((weights, held_out_perplexity(cell, study.eval_rows), steps))
    if not rows:  # another rank: rank 0 writes the report
        return root / "report.md"
    return write_report(root, [s.name for s in sources], rows)


def held_out_perplexity(config: RunConfig, eval_rows: int) -> float:
    """exp(mean token loss) of the run's newest checkpoint on the first ``eval_rows`` held-out sequences."""
    path = checkpoint.latest(config.train.out_dir)
    if path is None:
        raise ValueError(f"{config.train.out_dir} has no checkpoint to evaluate")
    device = torch.device(config.train.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    tokenizer = load_tokenizer(config.model)
    model = build_model(config.model, tokenizer, device)
    checkpoint.load(path, model, None, World(0, 1, device), rng=False)
    model.eval()
    total, count = 0.0, 0
    batches = held_out_batches(config.data.held_out, tokenizer, config.data.seq_len, eval_rows, config.train.micro_batch_size)
    with torch.no_grad():
        for batch in batches:
            logits = model(input_ids=batch.input_ids.to(device)).logits[:, :-1].float()
            targets = batch.labels[:, 1:].to(device)
            total += float(F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=-100, reduction="sum"))
            count += int((targets != -100).sum())
    return math.exp(total / max(1, count))


def write_report(root: Path, names: list[str], rows: list[tuple[list[float], float, list[dict]]]) -> Path:
    """``report.md`` and ``report.png`` under ``root``; return the markdown's path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    lines = ["# Mixture ablation", "", "| " + " | ".join(names) + " | final train loss | held-out perplexity |",
             "|" + "---:|" * (len(names) + 2)]  # fmt: skip
    best = min(ppl for _, ppl, _ in rows)
    for weights, ppl, steps in rows:
        final = f"{steps[-1]['loss']:.4f}" if steps else "n/a"
        shown = f"**{ppl:.3f}**" if ppl == best else f"{ppl:.3f}"
        lines.append("| " + " | ".join(f"{w:g}" for w in weights) + f" | {final} | {shown} |")
    lines += ["", "![training loss and held-out perplexity](report.png)", ""]
    report = root / "report.md"
    report.write_text("\n".join(lines), encoding="utf-8")
    figure, (curves, bars) = plt.subplots(1, 2, figsize=(11, 4))
    labels = ["/".join(f"{w:g}" for w in weights) for weights, _, _ in rows]
    for label, (_, _, steps) in zip(labels, rows):
        curves.plot([s["step"] for s in steps], [s["loss"] for s in steps], label=label)
    curves.set(xlabel="step", ylabel="training loss", title="training loss")
    curves.legend(title=" / ".join(names), fontsize="small")
    bars.bar(labels, [ppl for _, ppl, _ in rows])
    bars.set(ylabel="perplexity", title="held-out perplexity")
    bars.tick_params(axis="x", labelrotation=30)
    figure.tight_layout()
    figure.savefig(root / "report.png", dpi=120)
    plt.close(figure)
    return report
