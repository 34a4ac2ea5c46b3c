#!/usr/bin/env bash
# Set up llemma-prover on a Debian/Ubuntu machine with Python >= 3.10:
#   Coq 8.16 and its automation libraries from Debian (the default backend),
#   then a virtual environment in .venv with the package installed.
#
#   ./setup.sh           # the prover
#   ./setup.sh --test    # the prover, the model engines (CPU torch), training, the server, report plots, Ray and the test tools
#   ./setup.sh --corpus  # the prover, and more Coq libraries whose sources `prove data corpus` collects
set -euo pipefail
cd "$(dirname "$0")"

COQ_PACKAGES=(coq libcoq-stdlib libcoq-hammer libcoq-interval libcoq-coquelicot libcoq-mathcomp-ssreflect)
# The tests also compile the hf engine's decode step with torch.compile, whose CPU backend needs g++.
[ "${1:-}" = "--test" ] && COQ_PACKAGES+=(g++)
# More Debian Coq libraries with sources, for the training corpus (the list in coq_env/corpus.py).
[ "${1:-}" = "--corpus" ] && COQ_PACKAGES+=(libcoq-flocq libcoq-bignums libcoq-mathcomp-algebra libcoq-mathcomp-fingroup libcoq-mathcomp-field libcoq-stdpp libcoq-math-classes libcoq-coqprime)
missing=()
for package in "${COQ_PACKAGES[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]} from Debian" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
if [ "${1:-}" = "--test" ]; then
  # The CPU build of torch first, so that the hf extra does not pull a CUDA build.
  .venv/bin/python -m pip install -q "torch==2.13.0"
  .venv/bin/python -m pip install -q -e ".[hf,train,knn,serve,report,ray,test]"
else
  .venv/bin/python -m pip install -q -e .
fi
echo "setup: ready ($(coqc --version | head -n 1); $(.venv/bin/python --version))" >&2
