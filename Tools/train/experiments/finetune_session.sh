#!/usr/bin/env bash
# One fine-tuning experiment from an empty cache (Tools/train/README.md, *Fine-tuning v11 from its int8 weights*):
# data (recipe e2b), the card's two test stream sets, two training-side test-like stream sets, then
# experiments/finetune_int8.py for each seed, and every network (the shipped one first) scored on both stream sets.
#
#   Tools/train/experiments/finetune_session.sh NAME [finetune_int8.py options]     e.g.
#   SEEDS="0 1" Tools/train/experiments/finetune_session.sh E --mine-testlike '$T/testlike' '$T/testlike2' --testlike-again
#
# '$T' in the options stands for $EARSHOT_CACHE. Output: $EARSHOT_CACHE/ft/NAME-s<seed>/earshot-kws.tflite and
# $EARSHOT_CACHE/ft/y-<network>-{1h,10h}/report.md; one summary line per network, and each fine-tune paired with v11
# by the evaluation's block bootstrap (share of draws in which it misses less and more). About 60 min from an empty cache
# on 2 cores (data 13 min, test streams 15 min, test-like streams 2 × 8 min, 5-8 min per seed, 2 min per scoring).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
repo="$(cd "$here/../.." && pwd)"
name=$1; shift
export EARSHOT_CACHE="${EARSHOT_CACHE:-$(cd "$repo/.." && pwd)/earshot-cache}"
export EARSHOT_BIN="${EARSHOT_BIN:-$repo/.build/release/earshot}" TF_CPP_MIN_LOG_LEVEL=2 EARSHOT_RECIPE=e2b
py="${EARSHOT_VENV:-$repo/.venv}/bin/python"
T=$EARSHOT_CACHE
out=$EARSHOT_CACHE/ft
mkdir -p "$out"
[ -x "$py" ] || "$repo/Tools/install-deps.sh" --python
[ -x "$EARSHOT_BIN" ] || (cd "$repo" && swift build -c release --product earshot)
cd "$here"
"$py" -m earshot_train prepare
"$py" -m earshot_train features
"$repo/Tools/eval/run.sh" --systems earshot --streams-only > /dev/null
"$repo/Tools/eval/run.sh" --systems earshot --background-hours 11.5 --streams-only --out "$EARSHOT_CACHE/eval-10h" > /dev/null
PYTHONPATH=.:../eval "$py" experiments/testlike_streams.py "$T/testlike" --seed 77
PYTHONPATH=.:../eval "$py" experiments/testlike_streams.py "$T/testlike2" --seed 78
args=()
for x in "$@"; do args+=("${x//\$T/$T}"); done
nets=("v11=$repo/Models/earshot-kws.tflite")
for s in ${SEEDS:-0 1}; do
  d="$out/$name-s$s"
  PYTHONPATH=.:experiments "$py" experiments/finetune_int8.py "$d" "$repo/Models/earshot-kws.tflite" --seed "$s" "${args[@]}"
  nets+=("$name-s$s=$d/earshot-kws.tflite")
done
for n in "${nets[@]}"; do
  k=${n%%=*}; m=${n#*=}
  "$repo/Tools/eval/run.sh" --systems earshot --earshot-args "--model $m" --streams "$EARSHOT_CACHE/eval/streams" \
    --out "$out/y-$k-1h" > /dev/null
  "$repo/Tools/eval/run.sh" --systems earshot --background-hours 11.5 --earshot-args "--model $m" \
    --streams "$EARSHOT_CACHE/eval-10h/streams" --out "$out/y-$k-10h" > /dev/null
  "$py" - "$out" "$k" <<'PY'
import json, sys
out, k = sys.argv[1], sys.argv[2]
cells = []
for s in ("10h", "1h"):
    a = json.load(open(f"{out}/y-{k}-{s}/results.json"))["systems"]["earshot"]["average"]
    cells.append(f"{s}: {100 * a['miss_at_1_fa_per_h']:.1f} / {100 * a['miss_at_0.1_fa_per_h']:.1f} %")
print(f"{k}: miss at 1 FA/h / 1 FA/10 h: " + "; ".join(cells), flush=True)
PY
  if [ "$k" != v11 ]; then  # paired with the shipped network, draw by draw (Tools/eval/README.md, *How sure a figure is*)
    for s in 10h 1h; do
      st=$EARSHOT_CACHE/eval-10h/streams; [ $s = 1h ] && st=$EARSHOT_CACHE/eval/streams
      echo "  $k against v11, $s set:"
      PYTHONPATH=../eval "$py" -m earshot_eval.bootstrap "$out/y-v11-$s" "$out/y-$k-$s" --streams "$st" | sed 's/^/    /'
    done
  fi
done
