#!/usr/bin/env bash
# Python-side CI checks (run by .ci/run after the Swift tests):
#   1. the evaluation tool's self-tests and the training tool's unit tests,
#   2. Earshot's interpreter is byte-exact with TFLite's reference kernels on the shipped models and
#      on the MLPerf Tiny DS-CNN (random inputs and sliding windows, the streaming model streamed,
#      through LiteRT BUILTIN_REF and `earshot run-model`),
#   3. the training pipeline's smoke runs (tiny subset, one epoch, int8 export, bit-exact in Earshot), for the
#      shipped recipe e2 (tiny teachers, then the student) and for recipes a3, a3t and d3.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="$(realpath -m "${EARSHOT_VENV:-.venv}")"
PY="$VENV/bin/python"
export EARSHOT_VENV="$VENV"
export EARSHOT_BIN="${EARSHOT_BIN:-$PWD/.build/debug/earshot}"

# Small offline TTS engines and sentence text for the smoke run's synthetic clips.
if [ "$(id -u)" = 0 ]; then
  missing=()
  for p in espeak-ng flite fortunes-min ktuberling-data; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

echo "== evaluation tool self-test"
"$PY" -m pytest -q Tools/eval/tests

echo "== training tool tests (distillation bookkeeping and targets, threshold negatives, the card's run times)"
"$PY" -m pytest -q Tools/train/tests

echo "== bit-exactness against the TFLite reference interpreter"
"$PY" Tools/check_bitexact.py Models/earshot-kws.tflite --n 64
"$PY" Tools/check_bitexact.py Models/earshot-kws-stream.tflite --n 32
"$PY" Tools/check_bitexact.py Tests/EarshotModelTests/Fixtures/mlperf-tiny-kws-ds-cnn-int8.tflite --n 16

echo "== training smoke run, the shipped recipe e2 (three tiny a3/a4 teachers, three tiny d2 networks, then the student)"
Tools/train/smoke.sh
echo "== training smoke run, recipe a3 (no teachers; how each teacher is trained)"
EARSHOT_RECIPE=a3 Tools/train/smoke.sh
echo "== training smoke run, recipe a3t (a3 + mining streams made like the test background)"
EARSHOT_RECIPE=a3t Tools/train/smoke.sh
echo "== training smoke run, recipe d3 (d2 + recorded telephone prompts as negatives)"
if [ "$(id -u)" = 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    asterisk-core-sounds-en-wav asterisk-core-sounds-es-wav asterisk-core-sounds-it-wav >/dev/null
fi
EARSHOT_RECIPE=d3 Tools/train/smoke.sh
