# Sourced by the GPU acceptance scripts: the repository root as working folder, $out for logs
# ($OUT on the device machine, else ./gpu-logs), and the carried wheels (benchmarks/device_wheels.sh,
# under .whl/) installed into /tmp/site and put on PYTHONPATH ahead of the repository.
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out="${OUT:-gpu-logs}"
mkdir -p "$out"
if compgen -G ".whl/*.whl" >/dev/null; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
  export PYTHONPATH="/tmp/site:$PWD"
else
  export PYTHONPATH="$PWD"
fi
export PYTHONUNBUFFERED=1
