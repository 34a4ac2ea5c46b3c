"""``prove train``: continued pretraining, fine-tuning, the mixture ablation, and export.

    prove train pretrain CONFIG.toml [--section.field VALUE ...]
    prove train finetune CONFIG.toml [--section.field VALUE ...]
    prove train ablate-mixture CONFIG.toml [--section.field VALUE ...]
    prove train export CKPT --out DIR [--dtype bfloat16] [--prompt-file P]
    prove train tokenizer CONFIG.toml --out DIR [--vocab 8000]
    prove train eval MODEL --pairs F [--rows 512]  # held-out completion loss of an exported model

Under ``torchrun`` (``torchrun --nproc_per_node 8 -m train pretrain CONFIG.toml``)
every process runs the same command. A run resumes from the newest checkpoint
in its ``train.out_dir``.
"""

from __future__ import annotations

import argparse
import sys

from rich.console import Console
from rich.markup import escape

from train.config import load_config


def build_parser() -> argparse.ArgumentParser:
    """The ``prove train`` parser; overrides (``--optim.lr 3e-4``) are taken apart from it."""
    parser = argparse.ArgumentParser(prog="prove train", description="Train the prover model: the Llemma recipe at any scale.")
    commands = parser.add_subparsers(dest="command", required=True)
    for name, text in (
        ("pretrain", "continued pretraining on a weighted mixture of text sources, packed into fixed-length sequences"),
        ("finetune", "fine-tuning on prompt/completion pairs, the loss on the completion only"),
        ("ablate-mixture", "short runs over several mixture weight sets, compared by held-out perplexity"),
    ):
        command = commands.add_parser(name, help=text, description=text + ". Any field: --section.field VALUE.")
        command.add_argument("config", help="the run's TOML file (sections model, data, optim, train, checkpoint, ...)")
    tokenizer = commands.add_parser("tokenizer", help="train a byte-level BPE tokenizer on the config's data sources")
    tokenizer.add_argument("config", help="the run's TOML file (its [[data.sources]] are read)")
    tokenizer.add_argument("--out", required=True, help="folder for the tokenizer ([model] tokenizer = this folder)")
    tokenizer.add_argument("--vocab", type=int, default=8000, help="vocabulary size (default: %(default)s)")
    export = commands.add_parser("export", help="write a checkpoint in the Hugging Face format `prove --model DIR` loads")
    export.add_argument("checkpoint", help="a run's checkpoints/step-N folder, or the run folder (its newest checkpoint)")
    export.add_argument("--out", required=True, help="folder for the model and tokenizer")
    export.add_argument("--dtype", default="bfloat16", help="dtype of the saved weights (default: %(default)s)")
    export.add_argument("--prompt-file", default=None, help="the prompt JSON the model was fine-tuned on, saved with it for prove --model (default: none)")
    evaluate = commands.add_parser("eval", help="held-out completion loss of an exported model on prompt/completion pairs")
    evaluate.add_argument("model", help="an exported model folder (prove train export) or a hub id")
    evaluate.add_argument("--pairs", required=True, help="prompt/completion JSONL (prove data pairs), scored in file order")
    evaluate.add_argument("--rows", type=int, default=512, help="how many pairs, from the first (default: %(default)s)")
    evaluate.add_argument("--seq-len", type=int, default=768, help="tokens per example, as in fine-tuning (default: %(default)s)")
    evaluate.add_argument("--batch-size", type=int, default=8, help="examples per forward pass (default: %(default)s)")
    evaluate.add_argument("--device", default="cpu", help="torch device (default: %(default)s)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``prove train`` (and ``python -m train``)."""
    args, overrides = build_parser().parse_known_args(sys.argv[1:] if argv is None else argv)
    console = Console(stderr=True)
    try:
        if args.command == "export":
            if overrides:
                raise ValueError(f"unknown options for export: {' '.join(overrides)}")
            from train.export import export

            console.print(f"exported to {export(args.checkpoint, args.out, args.dtype, args.prompt_file)}", highlight=False)
            return 0
        if args.command == "eval":
            if overrides:
                raise ValueError(f"unknown options for eval: {' '.join(overrides)}")
            from train.evaluate import completion_loss

            result = completion_loss(args.model, args.pairs, args.rows, args.seq_len, args.batch_size, args.device)
            print(f"{result.model}: held-out completion loss {result.loss:.4f} nats/token (perplexity {result.perplexity:.2f}) "
                  f"over {result.pairs} pairs, {result.tokens} tokens")
            return 0
        config = load_config(args.config, overrides)
        if args.command == "tokenizer":
            from train.tokenizer import train_tokenizer

            console.print(f"tokenizer saved in {train_tokenizer(config.data.sources, args.out, args.vocab)}", highlight=False)
            return 0
        if args.command == "ablate-mixture":
            from train.ablation import ablate_mixture

            console.print(f"report: {ablate_mixture(config)}", highlight=False)
            return 0
        from train.trainer import Trainer

        Trainer(config, mode=args.command).run()
        return 0
    except (ValueError, OSError, ImportError) as error:
        console.print(f"[bold red]error:[/] {escape(str(error))}", highlight=False, soft_wrap=True)
        return 2


if __name__ == "__main__":
    sys.exit(main())
