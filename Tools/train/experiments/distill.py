"""Ensemble distillation: the shipped DS-CNN and schedule, trained on alpha * (label-smoothed one-hot) +
(1 - alpha) * (mean posterior of int8 teacher models); with --transfer, also on windows of those mining streams
(features in the cache, e.g. a4's mine_long_snr streams) with the teachers' posteriors alone as targets: all
windows where a teacher average gives some keyword ≥ 0.05 plus 200 random ones per stream."""
import argparse
from pathlib import Path

import numpy as np

import common as C
from earshot_train import train as T
from earshot_train.config import FRAMES, LABELS

ap = argparse.ArgumentParser(description=__doc__)
ap.add_argument("out", type=Path)
ap.add_argument("teachers", nargs="+", help="int8 .tflite teachers")
ap.add_argument("--alpha", type=float, default=0.5)
ap.add_argument("--seed", type=int, default=0)
ap.add_argument("--epochs", type=int, default=50)
ap.add_argument("--transfer", default=None, help="prefix of cached mining-stream features, e.g. mine_long_snr")
a = ap.parse_args()
import keras

teachers = [T.Int8Model(Path(p), reference=False) for p in a.teachers]
n_cls = len(LABELS)
paths, xtr, ytr, xva, yva = C.data()


def teach(x):
    return np.mean([t.predict(x) for t in teachers], axis=0).astype(np.float32)


def targets(x, y):
    oh = np.eye(n_cls, dtype=np.float32)[y] * (1 - T.LABEL_SMOOTHING) + T.LABEL_SMOOTHING / n_cls
    return a.alpha * oh + (1 - a.alpha) * teach(x)


XT = np.zeros((0, FRAMES, xtr.shape[2]), np.float32)
TT = np.zeros((0, n_cls), np.float32)
if a.transfer:
    rng = np.random.default_rng(7)
    xs, ts = [], []
    for f in sorted((paths.features / "streams").glob(f"{a.transfer}_*.npy")):
        x = np.load(f).astype(np.float32)
        runs = [T.stream_posteriors(t, x, 6) for t in teachers]
        p, ends = np.mean([r[0] for r in runs], axis=0), runs[0][1]
        sel = np.union1d(np.flatnonzero(p[:, 2:].max(1) >= 0.05), rng.choice(len(p), min(len(p), 200), replace=False))
        xs.append(x[ends[sel, None] - FRAMES + np.arange(FRAMES)[None, :]])
        ts.append(p[sel])
    XT, TT = np.concatenate(xs), np.concatenate(ts).astype(np.float32)
    print(f"transfer set: {len(XT)} windows", flush=True)


def fit(model, x, t, y, epochs, seed, lr):
    """The pipeline's fit on soft targets, the transfer windows appended with _unknown_'s class weight."""
    cw = T.class_weights(y)
    w = np.concatenate([cw[y], np.full(len(XT), cw[C.UNKNOWN], np.float32)])
    T.fit(model, np.concatenate([x, XT]), None, None, xva, yva, epochs, seed, lr,
          targets=np.concatenate([t, TT]), weights=w)


keras.utils.set_random_seed(a.seed)
model = T.build_model(xtr.shape[2])
ttr = targets(xtr, ytr)
fit(model, xtr, ttr, ytr, a.epochs, a.seed, 3e-3)
for r in range(T.MINING_ROUNDS):
    xh = T.mine_hard_negatives(paths, model)
    if not len(xh):
        break
    th = targets(xh, np.full(len(xh), C.UNKNOWN, ytr.dtype))
    xtr, ytr = C.add_mined(xtr, ytr, xh)
    ttr = np.concatenate([ttr] + [th] * T.HARD_NEG_REPEATS)
    fit(model, xtr, ttr, ytr, T.ROUND_EPOCHS[r], a.seed + 1 + r, T.ROUND_LR[r])
a.out.mkdir(parents=True, exist_ok=True)
model.save(a.out / "model.keras")
C.convert(model, xtr, a.out / "model.tflite", a.seed)
