#!/usr/bin/env bash
# Issue 15's model on one lent GPU, in one device command of about 7 minutes (docs/model.md):
# pretrain train/configs/coq_gpu.toml on the corpus, export, fine-tune coq_gpu_finetune.toml on the
# proof steps, export with the zero-shot prompt, and score both exports' held-out completion loss.
# The data comes as one pack made here (it unpacks into data/):
#   tar -czf .whl/coq-data.tar.gz data/corpus data/tokenizer data/pairs.jsonl data/pairs-heldout.jsonl
# (.whl/ is git-ignored and carried; data/pairs-heldout.jsonl: the first 512 held-out pairs). The
# fine-tuned model comes back as $OUT/$NAME.tar.part-* (rejoin: cat $NAME.tar.part-* | tar -x),
# with both runs' log.jsonl and config.toml; everything printed is in $OUT/run.log.
#   usage: bash benchmarks/coq_model_gpu.sh [extra `--section.field VALUE` overrides for both runs]
# Environment: NAME (the fine-tuned export's folder under models/, default coq-gpu), PRETRAIN_ARGS and
# FINETUNE_ARGS (overrides for one run only, e.g. "--train.steps 900"), PRETRAIN_S and FINETUNE_S
# (each run's time limit in seconds).
set -uo pipefail
source "$(dirname "$0")/device_env.sh"
exec > >(tee "$out/run.log") 2>&1
[ -f .whl/coq-data.tar.gz ] && tar -xzf .whl/coq-data.tar.gz
command -v nvidia-smi >/dev/null && nvidia-smi -L
name="${NAME:-coq-gpu}"
rm -rf runs/coq-gpu runs/coq-gpu-finetune "models/$name" models/coq-gpu-pretrained
stage() { echo "== $1 ($(date +%T))"; }

stage pretrain
timeout "${PRETRAIN_S:-120}" python3 -m train pretrain train/configs/coq_gpu.toml ${PRETRAIN_ARGS:-} "$@"
stage "export pretrained"
python3 -m train export runs/coq-gpu --out models/coq-gpu-pretrained || exit 1
stage finetune
timeout "${FINETUNE_S:-240}" python3 -m train finetune train/configs/coq_gpu_finetune.toml ${FINETUNE_ARGS:-} "$@"
stage "export fine-tuned"
python3 -m train export runs/coq-gpu-finetune --out "models/$name" --prompt-file prover/prompts/coq_zero_shot.json || exit 1
device=cpu; command -v nvidia-smi >/dev/null && device=cuda
for model in models/coq-gpu-pretrained "models/$name"; do
  stage "held-out loss of $model"
  python3 -m train eval "$model" --pairs data/pairs-heldout.jsonl --seq-len 512 --batch-size 64 --device "$device"
done
stage pack
for run in coq-gpu coq-gpu-finetune; do tail -n 2 "runs/$run/log.jsonl"; cp "runs/$run/log.jsonl" "models/$name/$run.log.jsonl"; cp "runs/$run/config.toml" "models/$name/$run.config.toml"; done
tar -cf - -C models "$name" | split -b 15M - "$out/$name.tar.part-"
ls -la "$out"
stage done
