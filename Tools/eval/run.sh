#!/usr/bin/env bash
# Earshot wake-word evaluation: build held-out noisy streams, run Earshot and peers, write
# report.md + det.png into $EARSHOT_CACHE/eval (EARSHOT_CACHE defaults to <repo>/../earshot-cache,
# the training tool's cache, whose held-out splits the streams are built from).
# Usage: Tools/eval/run.sh [--systems earshot,openwakeword,microwakeword,pocketsphinx]
#                          [--earshot-args '--model Models/earshot-kws.tflite'] [--out DIR] ...
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
py="${PYTHON:-${EARSHOT_VENV:-$repo/.venv}/bin/python}"
[ -x "$py" ] || py=python3
export EARSHOT_CACHE="${EARSHOT_CACHE:-$(cd "$repo/.." && pwd)/earshot-cache}"
export EARSHOT_SHARED="${EARSHOT_SHARED:-$(cd "$repo/.." && pwd)/shared}"
cd "$repo"
PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}" exec "$py" -m earshot_eval "$@"
