#!/usr/bin/env bash
# Every GPU check of the hf engine in one device command, under 8 minutes (see docs/benchmarks.md):
#   1. the GPU tests: compiled decodes with and without the engine's CUDA graphs equal the eager
#      dynamic decode, graphs captured once per shape, calls from fresh threads (limit 150 s);
#   2. benchmarks/generation.py on the 7b shape: (a), (b), (c) with the engine's CUDA graphs, (d) at 32
#      and 128 searches, (c) with the compiled step called per token (no graph), then a kernel profile of
#      (c) (limit 400 s).
# Needs the wheels from benchmarks/device_wheels.sh under .whl/ (carried); logs go to $OUT (or ./gpu-logs).
#   usage: bash benchmarks/gpu_acceptance.sh [extra generation.py options]
set -uo pipefail
source "$(dirname "$0")/device_env.sh"
started=$SECONDS
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>&1 | tee "$out/device.txt"
python3 -c "import torch, transformers; print('torch', torch.__version__, 'transformers', transformers.__version__)" 2>&1 | tee -a "$out/device.txt"
timeout 150 python3 -m pytest -q -p no:cacheprovider tests/engines/test_device_thread.py \
  "tests/engines/test_hf_engine.py::test_compiled_decode_on_the_gpu_matches_dynamic" \
  "tests/engines/test_hf_engine.py::test_gpu_engine_called_from_new_threads_each_time" 2>&1 | tee "$out/tests.log"
tests=$?
echo "tests: exit $tests after $((SECONDS - started)) s" | tee -a "$out/tests.log"
timeout 400 python3 benchmarks/generation.py --cases abcd --d-searches 32 128 --also-no-graphs --repeats 2 \
  --profile "$@" 2>&1 | tee "$out/generation.log"
bench=$?
echo "benchmark: exit $bench after $((SECONDS - started)) s" | tee -a "$out/generation.log"
exit $(( tests != 0 || bench != 0 ))
