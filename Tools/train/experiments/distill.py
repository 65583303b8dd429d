"""Ensemble distillation with any teachers (the pipeline's recipe d1 fixes them: earshot_train/distill.py): the
shipped DS-CNN and schedule, trained on alpha * (label-smoothed one-hot) + (1 - alpha) * (mean posterior of int8
teacher models); with --transfer, also on windows of those mining streams with the teachers' posteriors alone as
targets (Ensemble.transfer_set)."""
import argparse
from pathlib import Path

import numpy as np

import common as C
from earshot_train import train as T
from earshot_train.distill import Ensemble, fit_distilled

ap = argparse.ArgumentParser(description=__doc__)
ap.add_argument("out", type=Path)
ap.add_argument("teachers", nargs="+", help="int8 .tflite teachers")
ap.add_argument("--alpha", type=float, default=0.5)
ap.add_argument("--seed", type=int, default=0)
ap.add_argument("--epochs", type=int, default=50)
ap.add_argument("--transfer", default=None,
                help="prefixes of mining streams in $EARSHOT_CACHE/mine, comma-separated, e.g. mine_long_snr or mine_long_snr,mine_b")
ap.add_argument("--channels", default=None, help="student channel counts, e.g. 52,52,60,60,64 (default: the shipped shape)")
a = ap.parse_args()
import keras

paths, xtr, ytr, xva, yva = C.data()
ens = Ensemble([Path(p) for p in a.teachers], alpha=a.alpha,
               transfer_prefixes=tuple(a.transfer.split(",")) if a.transfer else ())
XT, TT = (ens.transfer_set(paths) if a.transfer else
          (np.zeros((0,) + xtr.shape[1:], np.float32), np.zeros((0, len(T.LABELS)), np.float32)))



keras.utils.set_random_seed(a.seed)
model = (T.build_model(xtr.shape[2], **dict(zip(("stem", "blocks"), C.shape([int(c) for c in a.channels.split(",")]))))
         if a.channels else T.build_model(xtr.shape[2]))
ttr = ens.targets(xtr, ytr, T.LABEL_SMOOTHING)
fit_distilled(model, xtr, ytr, ttr, XT, TT, xva, yva, a.epochs, a.seed, 3e-3)
for r in range(T.MINING_ROUNDS):
    xh = T.mine_hard_negatives(paths, model)
    if not len(xh):
        break
    th = ens.targets(xh, np.full(len(xh), C.UNKNOWN, ytr.dtype), T.LABEL_SMOOTHING)
    xtr, ytr = C.add_mined(xtr, ytr, xh)
    ttr = np.concatenate([ttr] + [th] * T.HARD_NEG_REPEATS)
    fit_distilled(model, xtr, ytr, ttr, XT, TT, xva, yva, T.ROUND_EPOCHS[r], a.seed + 1 + r, T.ROUND_LR[r])
a.out.mkdir(parents=True, exist_ok=True)
model.save(a.out / "model.keras")
C.convert(model, xtr, a.out / "model.tflite", a.seed)
