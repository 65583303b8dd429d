"""Miss, false alarms and near-miss firings of a model at given thresholds on an evaluation stream set: misses and
false alarms from `earshot score --labels`'s own table (streamtest.at_defaults, as the model card), near-miss
phrases firing from a run over the set's near-miss stream (the evaluation's rule, earshot_eval.nearmiss).

    PYTHONPATH=. ../../.venv/bin/python experiments/at_defaults.py $EARSHOT_CACHE/eval-10h/streams MODEL.tflite "alexa=0.86,..."
"""
import json
import subprocess
import sys
from pathlib import Path

from earshot_train.config import REPO, Paths
from earshot_train.streamtest import at_defaults

sys.path.insert(0, str(REPO / "Tools" / "eval"))
from earshot_eval import nearmiss  # noqa: E402
from earshot_eval.metrics import Detection  # noqa: E402

sd, model = Path(sys.argv[1]), Path(sys.argv[2])
th = {k: float(v) for k, v in (x.split("=") for x in sys.argv[3].split(","))}
paths = Paths()
res = at_defaults(paths, sd, model, th)
if res is None:
    sys.exit(f"{sd}: no test streams, or earshot score failed")
given = sum((["--keyword-threshold", f"{k}={v}"] for k, v in th.items()), [])
out = subprocess.run([str(paths.earshot), "score", str(sd / nearmiss.FILE), "--model", str(model), "--format", "json",
                      "--no-progress", *given], capture_output=True, text=True, check=True).stdout
dets = [Detection(file=nearmiss.FILE, keyword=d["keyword"], time=d["time"], score=1.0) for d in map(json.loads, out.splitlines())]
phrases = nearmiss.load(sd)
n_near = 0
for kw in th:
    near = nearmiss.false_accepts(kw, dets, phrases, 0.0, False)
    n_near += len(near)
    print(f"{kw:13s} {th[kw]:.3f}: miss {100 * res['miss'][kw]:5.1f} %  FA {res['false_alarms'][kw]:3d}  "
          f"near-miss phrases firing {len(near)} {near}")
print(f"all: average miss {100 * sum(res['miss'][kw] for kw in th) / len(th):.1f} %, "
      f"{sum(res['false_alarms'].values())} false alarms in {res['background_hours']:.2f} h, {n_near} near-miss phrases firing")
