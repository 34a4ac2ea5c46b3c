#!/usr/bin/env bash
# Issue 4's GPU acceptance in one command, on the lent GPU machine (see docs/benchmarks.md):
# the GPU tests of the hf engine, then benchmarks/generation.py on the 7b shape.
# Needs the wheels from benchmarks/device_wheels.sh under .whl/ (carried); logs go to $OUT (or ./gpu-logs).
#   usage: bash benchmarks/gpu_acceptance.sh [extra generation.py options]
set -uo pipefail
cd "$(dirname "$0")/.."
out="${OUT:-gpu-logs}"
mkdir -p "$out"
if compgen -G ".whl/*.whl" >/dev/null; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
  export PYTHONPATH="/tmp/site:$PWD"
else
  export PYTHONPATH="$PWD"
fi
export PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>&1 | tee "$out/device.txt"
python3 -c "import torch, transformers; print('torch', torch.__version__, 'transformers', transformers.__version__)" 2>&1 | tee -a "$out/device.txt"
python3 -m pytest -q -p no:cacheprovider tests/generators/test_hf_engine.py tests/generators/test_shared_prefix.py \
  tests/generators/test_sampling.py 2>&1 | tee "$out/tests.log"
python3 benchmarks/generation.py --also-decode static --max-searches 32 "$@" 2>&1 | tee "$out/generation.log"
