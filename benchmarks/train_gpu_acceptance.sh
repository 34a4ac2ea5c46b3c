#!/usr/bin/env bash
# Issue 14's GPU checks in one device command, under 8 minutes (see docs/benchmarks.md):
#   1. a real `python -m train pretrain` run on the GPU (bf16 autocast, fused AdamW, checkpoints) on
#      the repository's own text, stopped at step 20 and resumed to 30;
#   2. benchmarks/train_throughput.py on the 1b shape (our step against a plain Hugging Face loop).
# Needs the wheels from benchmarks/device_wheels.sh under .whl/ (carried); logs go to $OUT (or ./gpu-logs).
#   usage: bash benchmarks/train_gpu_acceptance.sh [extra train_throughput.py options]
set -uo pipefail
source "$(dirname "$0")/device_env.sh"
run="${TMPDIR:-/tmp}/llemma-train-check"
rm -rf "$run"
python3 - "$run" <<'EOF' 2>&1 | tee "$out/train_run.log"
import sys
from pathlib import Path
from tools.tiny_model import LlamaShape, TinyModelConfig, train_tokenizer
from train.config import SourceConfig, load_config, to_toml

run = Path(sys.argv[1])
shape = LlamaShape(vocab_size=2048, hidden_size=256, intermediate_size=688, num_layers=4, num_heads=4, num_kv_heads=4)
train_tokenizer(TinyModelConfig(shape=shape, coq_text_bytes=0)).save_pretrained(run / "tokenizer")
config = load_config(None, [
    "--model.tokenizer", str(run / "tokenizer"),
    "--model.config", "{hidden_size = 256, intermediate_size = 688, num_hidden_layers = 4, num_attention_heads = 4, max_position_embeddings = 512}",
    "--data.seq_len", "256", "--train.global_batch_tokens", "8192", "--train.micro_batch_size", "16", "--train.steps", "30",
    "--train.out_dir", str(run / "out"), "--optim.lr", "2e-3", "--optim.warmup_steps", "5", "--checkpoint.every", "10",
    "--log.every", "5", "--log.progress", "false", "--distributed.strategy", "none",
])
config.data.sources = [SourceConfig(name="docs", paths=["docs", "README.md"], extensions=[".md"]),
                       SourceConfig(name="minif2f", paths=["prover/data/minif2f.jsonl"], text_field="informal_statement")]
(run / "run.toml").write_text(to_toml(config))
print("config written")
EOF
timeout 120 python3 -m train pretrain "$run/run.toml" --train.steps 20 2>&1 | tee -a "$out/train_run.log"
timeout 120 python3 -m train pretrain "$run/run.toml" 2>&1 | tee -a "$out/train_run.log"
cp "$run/out/log.jsonl" "$out/train_log.jsonl" 2>/dev/null
python3 -c "
import json, math
records = [json.loads(l) for l in open('$run/out/log.jsonl')]
steps = [r for r in records if 'event' not in r]; events = [r['event'] for r in records if 'event' in r]
assert 'resume' in events and events[-1] == 'done', events
assert steps[-1]['step'] == 29 and all(math.isfinite(s['loss']) for s in steps), steps
print('training run: loss', round(steps[0]['loss'], 3), '->', round(steps[-1]['loss'], 3), '; events', events)
" 2>&1 | tee -a "$out/train_run.log"
check=$?
timeout 300 python3 benchmarks/train_throughput.py "$@" 2>&1 | tee "$out/train_throughput.log"
bench=$?
exit $(( check != 0 || bench != 0 ))
