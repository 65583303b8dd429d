#!/usr/bin/env bash
# End-to-end wake-word training: TTS + data preparation → `earshot features` (the Swift front end)
# → Keras DS-CNN → int8 TFLite → evaluation → Models/earshot-kws.{tflite,json,report.json}.
#
#   Tools/train/run.sh [--epochs N] [--scale S]       (extra arguments go to `python -m earshot_train all`)
#
# Environment:
#   EARSHOT_VENV   Python venv to create/use (default: <repo>/.venv)
#   EARSHOT_CACHE  generated data (default: <repo>/../earshot-cache; never inside the repository)
#   EARSHOT_DATA   input data with keywords/ and speech/fsdd/ (default: <repo>/../shared/data)
#   EARSHOT_MODELS output folder (default: <repo>/Models)
#   EARSHOT_SKIP_APT=1  do not apt-get anything (the TTS engines, and the C libraries before building earshot)
#   EARSHOT_RECIPE  training recipe: e2 (default, the shipped model v11: see below), d2 (model v10: a wider student
#                  distilled from three teachers the pipeline trains first, a3 seeds 0 and 1 and a4), d1 (the same at v9's width),
#                  a3 (model v9), a2 (model v8), a4 (experiment; a teacher), d3 (experiment: d2 + recorded
#                  telephone prompts as negatives), e2b (experiment: e2 + keyword windows over babble noise),
#                  a3t and e3 (experiments: a3 and e2 + mining streams made like the test background), e4 (experiment:
#                  e3's student from v11 and three a3t networks);
#                  every recipe is an entry of RECIPES in earshot_train/config.py
#   EARSHOT_ARCH=tcn  train the streamable network instead (Models/earshot-kws-stream.*; see README.md)
#   EARSHOT_EVAL_SYSTEMS  systems for the final evaluation (default earshot; e.g.
#                  earshot,openwakeword,microwakeword,pocketsphinx)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
venv="${EARSHOT_VENV:-$repo/.venv}"
# The model card states how long this command took from here, and whether it started from an empty cache.
export EARSHOT_RUN_STARTED="$(date +%s)" EARSHOT_RUN_EMPTY_CACHE=0
if [ -z "$(ls -A "${EARSHOT_CACHE:-$repo/../earshot-cache}" 2>/dev/null)" ]; then EARSHOT_RUN_EMPTY_CACHE=1; fi

# Offline TTS engines (Debian): espeak-ng + mbrola voices (contrib/non-free), flite, festival, SVOX pico
# (non-free), and fortunes text. Installed only when missing and when we are root.
need_apt=()
for p in espeak-ng mbrola mbrola-us1 mbrola-us2 mbrola-us3 mbrola-en1 flite festival festvox-kallpc16k \
         festvox-kdlpc16k festvox-us-slt-hts libttspico-utils fortunes fortunes-min ktuberling-data; do
  dpkg -s "$p" >/dev/null 2>&1 || need_apt+=("$p")
done
if [ "${EARSHOT_RECIPE:-e2}" = d3 ]; then  # recorded telephone prompts as negatives (data.ASTERISK_TRAIN)
  for p in asterisk-core-sounds-en-wav asterisk-core-sounds-es-wav asterisk-core-sounds-it-wav; do
    dpkg -s "$p" >/dev/null 2>&1 || need_apt+=("$p")
  done
fi
if [ "${#need_apt[@]}" -gt 0 ] && [ "${EARSHOT_SKIP_APT:-0}" != 1 ] && [ "$(id -u)" = 0 ]; then
  src=/etc/apt/sources.list.d/debian.sources
  if [ -f "$src" ] && ! grep -q "non-free" "$src"; then
    sed -i 's/^Components: main$/Components: main contrib non-free/' "$src"
  fi
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need_apt[@]}" || \
    echo "run.sh: warning: could not install ${need_apt[*]}; engines that are missing are skipped" >&2
fi

if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install -q -r "$repo/Tools/requirements.txt"

# The Swift feature extractor: training features come from the runtime's own MFCC code. On a fresh
# machine its C libraries (FFTW, ALSA, libsndfile, libsoxr) come first.
export EARSHOT_BIN="${EARSHOT_BIN:-$repo/.build/release/earshot}"
if [ ! -x "$EARSHOT_BIN" ]; then
  [ "${EARSHOT_SKIP_APT:-0}" = 1 ] || "$repo/Tools/install-deps.sh"
  (cd "$repo" && swift build -c release --product earshot)
fi

export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}"
export EARSHOT_VENV="$venv"
cd "$here"
"$venv/bin/python" -m earshot_train all "$@"

# Held-out stream evaluation (Tools/eval: keywords between background speech, noise at 10 dB SNR) of the
# new model, then the model card takes its figures. EARSHOT_EVAL_SYSTEMS adds peers (their detections are
# cached in $EARSHOT_CACHE/eval, so only the first peer run is slow).
case " $* " in *" --smoke "*) exit 0 ;; esac
models="${EARSHOT_MODELS:-$repo/Models}"
if [ "${EARSHOT_ARCH:-dscnn}" = tcn ]; then
  # The streamable network (Models/earshot-kws-stream.*): evaluated into its own folder; the card is the main model's.
  "$repo/Tools/eval/run.sh" --systems earshot --rerun --earshot-args "--model $models/earshot-kws-stream.tflite" \
    --out "${EARSHOT_CACHE:-$repo/../earshot-cache}/eval-stream"
  exit 0
fi
"$repo/Tools/eval/run.sh" --systems "${EARSHOT_EVAL_SYSTEMS:-earshot}" --rerun \
  --earshot-args "--model $models/earshot-kws.tflite"
# The card's 1 FA/10 h figures: Earshot alone on the ~10 h background (its streams are built on the first run).
"$repo/Tools/eval/run.sh" --systems earshot --rerun --background-hours 11.5 \
  --earshot-args "--model $models/earshot-kws.tflite" --out "${EARSHOT_CACHE:-$repo/../earshot-cache}/eval-10h"
"$venv/bin/python" -m earshot_train card
