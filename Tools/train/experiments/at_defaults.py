"""Miss, false alarms and near-miss firings of a model at given thresholds on an evaluation stream set (one real
`earshot score` run, exactly what a user gets at those thresholds):

    python experiments/at_defaults.py $EARSHOT_CACHE/eval-10h/streams MODEL.tflite "alexa=0.86,computer=0.845,..."
"""
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "Tools" / "eval"))
from earshot_eval import metrics, nearmiss, streams  # noqa: E402
from earshot_eval.metrics import Detection  # noqa: E402

sd, model = Path(sys.argv[1]), sys.argv[2]
th = {k: float(v) for k, v in (x.split("=") for x in sys.argv[3].split(","))}
labels = streams.load_labels(sd)
man = json.loads((sd / "manifest.json").read_text())
bg = metrics.background_hours(sum(s["seconds"] for s in man["streams"]), labels)
wavs = [str(sd / s["file"]) for s in man["streams"]] + [str(sd / nearmiss.FILE)]
args = sum((["--keyword-threshold", f"{k}={v}"] for k, v in th.items()), [])
out = subprocess.run([str(REPO / ".build" / "release" / "earshot"), "score", "--model", model, "--format", "json",
                      "--no-progress", *args, *wavs], capture_output=True, text=True, check=True).stdout
dets = [Detection(file=Path(d["file"]).name, keyword=d["keyword"], time=d["time"], score=1.0)
        for d in map(json.loads, out.splitlines())]
phrases = nearmiss.load(sd)
total_miss = total_fa = total_near = 0
for kw in th:
    c = metrics.det_curve(kw, [d for d in dets if d.keyword == kw and d.file != nearmiss.FILE], labels, bg)
    near = nearmiss.false_accepts(kw, [d for d in dets if d.keyword == kw and d.file == nearmiss.FILE], phrases,
                                  0.0, False)
    print(f"{kw:13s} {th[kw]:.3f}: miss {100 * c.miss_rate[0]:5.1f} %  FA {int(c.false_alarms[0]):3d}  "
          f"near-miss phrases firing {len(near)} {near}")
    total_miss += c.miss_rate[0]
    total_fa += c.false_alarms[0]
    total_near += len(near)
print(f"all: average miss {100 * total_miss / len(th):.1f} %, {int(total_fa)} false alarms in {bg:.2f} h, "
      f"{total_near} near-miss phrases firing")
