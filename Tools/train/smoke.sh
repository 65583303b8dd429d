#!/usr/bin/env bash
# CI smoke test of the training pipeline: a tiny data subset, one short epoch, int8 conversion, and a check
# that the exported model loads in LiteRT, uses only the runtime's ops and runs bit-exactly in Earshot. Writes nothing into the repo.
#
#   Tools/train/smoke.sh        (EARSHOT_VENV: venv to use, default <repo>/.venv; EARSHOT_RECIPE=any recipe with teachers
#                                smoke-tests a distillation recipe: three tiny teachers, then the student)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
venv="${EARSHOT_VENV:-$repo/.venv}"
if [ ! -x "$venv/bin/python" ]; then
  venv="$repo/.venv"; python3 -m venv "$venv"
fi
"$venv/bin/python" -c "import keras, tensorflow, ai_edge_litert, soundfile, scipy, pyroomacoustics" 2>/dev/null || \
  "$venv/bin/pip" install -q -r "$repo/Tools/requirements.txt"

if [ -z "${EARSHOT_BIN:-}" ]; then
  for b in "$repo/.build/release/earshot" "$repo/.build/debug/earshot"; do
    [ -x "$b" ] && { EARSHOT_BIN="$b"; break; }
  done
fi
if [ -z "${EARSHOT_BIN:-}" ]; then
  (cd "$repo" && swift build --product earshot)
  EARSHOT_BIN="$repo/.build/debug/earshot"
fi
export EARSHOT_BIN

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
export EARSHOT_CACHE="$tmp/cache" EARSHOT_MODELS="$tmp/models" TF_CPP_MIN_LOG_LEVEL=2
cd "$here"
start=$(date +%s)
"$venv/bin/python" -m earshot_train all --scale 0.02 --epochs 1 --smoke > "$tmp/log.txt" 2>&1 || {
  tail -40 "$tmp/log.txt"; echo "smoke: training pipeline failed"; echo "0 passed, 1 failed"; exit 1; }
"$venv/bin/python" - "$tmp/models/earshot-kws.tflite" "$tmp/models/earshot-kws.json" <<'PY'
import json, sys
import numpy as np
from ai_edge_litert.interpreter import Interpreter, OpResolverType
model, sidecar = sys.argv[1], sys.argv[2]
it = Interpreter(model_path=model, experimental_op_resolver_type=OpResolverType.BUILTIN_REF)
it.allocate_tensors()
i, o = it.get_input_details()[0], it.get_output_details()[0]
assert i["dtype"] == np.int8 and o["dtype"] == np.int8, (i["dtype"], o["dtype"])
side = json.load(open(sidecar))
assert list(i["shape"]) == [1, side["inputFrames"], side["features"]["coefficients"], 1], i["shape"]
assert o["shape"][-1] == len(side["labels"]), o["shape"]
ops = {d["op_name"] for d in it._get_ops_details()}
allowed = {"CONV_2D", "DEPTHWISE_CONV_2D", "AVERAGE_POOL_2D", "MAX_POOL_2D", "RESHAPE", "FULLY_CONNECTED", "SOFTMAX", "LOGISTIC"}
assert ops <= allowed, ops - allowed
it.set_tensor(i["index"], np.zeros(i["shape"], np.int8)); it.invoke()
print("smoke: exported model loads; ops", sorted(ops))
PY
# The exported model runs in Earshot with exactly the reference interpreter's outputs.
"$venv/bin/python" "$repo/Tools/check_bitexact.py" "$tmp/models/earshot-kws.tflite" --earshot "$EARSHOT_BIN" --n 32 | tail -2 | head -1 || {
  echo "smoke: Earshot and the TFLite reference differ on the exported model"; echo "0 passed, 1 failed"; exit 1; }
# Default thresholds were checked on calibration streams (Tools/eval/earshot_eval/calibration.py, a tiny set here).
"$venv/bin/python" - "$tmp/cache" <<'PY' || { echo "smoke: no calibration streams for the thresholds"; echo "0 passed, 1 failed"; exit 1; }
import json, pathlib, sys
c = json.loads((pathlib.Path(sys.argv[1]) / "report.json").read_text())["calibration"]
assert c and c["hours"] > 0 and set(c["false_alarms"]) == {"alexa", "computer", "jarvis", "smart_mirror", "snowboy", "view_glass"}, c
print(f"smoke: thresholds checked on {c['hours'] * 60:.1f} min of calibration streams")
PY
# recipe d3 (config.Recipe.real_speech) trained on the recorded telephone prompts and mined over them
if (cd "$here" && "$venv/bin/python" -c "import sys; from earshot_train.config import RECIPE_SPEC; sys.exit(0 if RECIPE_SPEC.real_speech else 1)"); then
  "$venv/bin/python" - "$tmp/cache" <<'PY' || { echo "smoke: recipe $EARSHOT_RECIPE did not use the telephone prompts"; echo "0 passed, 1 failed"; exit 1; }
import csv, json, pathlib, sys
cache = pathlib.Path(sys.argv[1])
rows = [r for r in csv.reader(open(cache / "clips" / "train.csv")) if len(r) > 2 and r[2].startswith("/usr/share/asterisk/")]
assert rows and all(r[1] == "_unknown_" for r in rows), len(rows)
streams = json.loads((cache / "data_summary.json").read_text())["sources"]["mining_streams"]
real = [s for s in streams if pathlib.Path(s).name.startswith("mine_real_snr")]
assert real, streams
print(f"smoke: {len(rows)} telephone-prompt windows as _unknown_, {len(real)} mining streams over them")
PY
fi
# the distillation recipes (config.RECIPES entries with teachers) trained their teachers, then the student
if (cd "$here" && "$venv/bin/python" -c "import sys; from earshot_train.config import RECIPE_SPEC; sys.exit(0 if RECIPE_SPEC.distilled else 1)"); then
  "$venv/bin/python" - "$tmp/cache" <<'PY' || { echo "smoke: recipe $EARSHOT_RECIPE did not distil"; echo "0 passed, 1 failed"; exit 1; }
import json, pathlib, sys
sys.path.insert(0, ".")
from earshot_train.config import RECIPE_SPEC
cache = pathlib.Path(sys.argv[1])
d = json.loads((cache / "report.json").read_text())["train"]["distillation"]
want = [f"{r}-s{s}" for r, s in RECIPE_SPEC.teachers]
assert [pathlib.Path(t).parent.name for t in d["teachers"]] == want, (d["teachers"], want)
assert all((cache / t).is_file() for t in d["teachers"]), d
assert d["transfer_windows"] > 0, d
print(f"smoke: distilled from {len(d['teachers'])} teachers ({', '.join(pathlib.Path(t).parent.name for t in d['teachers'])}), "
      f"{d['transfer_windows']} transfer windows")
PY
fi
echo "smoke: pipeline${EARSHOT_RECIPE:+ (recipe $EARSHOT_RECIPE)} OK in $(( $(date +%s) - start )) s"
echo "1 passed, 0 failed"
