"""Score the mean posterior of several int8 networks (an ensemble: not one network, several times the budget) on one of
Tools/eval's stream sets, with the runtime detector's rule (train.detections: smoothing, threshold, hold-off) over
Tools/eval's Earshot ladder, and compare it draw by draw with an evaluation of the same streams (earshot_eval's
block bootstrap). With the shipped network alone it gives that network's evaluation exactly (both stream sets:
a paired difference of zero in every draw).

    PYTHONPATH=.:../eval python experiments/ensemble_score.py STREAM_DIR RESULTS_DIR NET.tflite [NET.tflite ...]
"""
import sys, json, time
from pathlib import Path
import numpy as np
from earshot_train.config import Paths, KEYWORDS, FEATURES
from earshot_train.train import Int8Model, stream_posteriors, detections
from earshot_train.features import extract_stream
from earshot_eval.metrics import Detection
from earshot_eval.streams import load_labels
from earshot_eval import bootstrap as B
from earshot_eval.detectors import EARSHOT_LADDER
streams, base = Path(sys.argv[1]), Path(sys.argv[2])
members = [Int8Model(Path(p), reference=False) for p in sys.argv[3:]]
paths = Paths()
hop_s = FEATURES["hopLength"] / FEATURES["sampleRate"]
ladder = EARSHOT_LADDER
man = json.loads((streams / "manifest.json").read_text())
secs = {s["file"]: float(s["seconds"]) for s in man["streams"]}
dets = []
t0 = time.time()
for f in sorted(secs):
    x = extract_stream(paths, str(streams / f))
    runs = [stream_posteriors(m, x) for m in members]
    post, ends = np.mean([r[0] for r in runs], axis=0), runs[0][1]
    for t in ladder:
        for kw, tt, sc in detections(post, ends, {k: t for k in KEYWORDS}, hop_s):
            dets.append(Detection(f, kw, round(tt, 3), t))
    print(f"{f}: {time.time() - t0:.0f} s", file=sys.stderr, flush=True)
tab = B.block_table(list(KEYWORDS), dets, load_labels(streams), secs, ladder)
print(f"{len(members)} members: miss at 1 FA/h / 1 FA/10 h: " + " / ".join(f"{100 * v:.1f}" for v in B.average_misses(tab, [1.0, 0.1])))
b = B.load(base, streams)
for tgt in (1.0, 0.1):
    p = B.paired(b, tab, tgt)
    print(f"  vs {base.name} at {tgt} FA/h: {100 * p['difference']:+.1f} [{100 * p['low']:+.1f}, {100 * p['high']:+.1f}], better {100 * p['b_better']:.0f} %, worse {100 * p['b_worse']:.0f} %")
