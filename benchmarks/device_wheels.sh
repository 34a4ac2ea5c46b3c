#!/usr/bin/env bash
# Wheels the lent GPU machine lacks, saved under .whl/ (git-ignored) to be carried there.
#
# The machine's image has torch, tokenizers 0.23, huggingface_hub 1.33, safetensors and rich,
# but transformers 5.17; the engine needs >= 5.24 (the `cache=` keyword, StaticLayer's
# cumulative_length). On the machine, before running anything:
#   python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
#     --target /tmp/site .whl/*.whl && export PYTHONPATH=/tmp/site:$PWD
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .whl
python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
  --platform manylinux_2_28_x86_64 --platform manylinux2014_x86_64 --platform any \
  -d .whl "transformers==5.24.0"
ls -la .whl
