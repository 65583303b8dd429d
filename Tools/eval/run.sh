#!/usr/bin/env bash
# Earshot wake-word evaluation: build held-out noisy streams, run Earshot and peers, write
# report.md + det.png (default $EARSHOT_CACHE/eval, EARSHOT_CACHE defaults to /work/cache).
# Usage: Tools/eval/run.sh [--systems earshot,openwakeword,microwakeword,pocketsphinx]
#                          [--earshot-args '--model Models/earshot-kws.tflite'] [--out DIR] ...
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
py="${PYTHON:-/work/venv/bin/python}"
[ -x "$py" ] || py=python3
export EARSHOT_CACHE="${EARSHOT_CACHE:-/work/cache}"
cd "$here/../.."
PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}" exec "$py" -m earshot_eval "$@"
