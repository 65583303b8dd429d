"""The shipped schedule (50 epochs, two mining rounds) for a DS-CNN with other channel counts."""
import argparse
from pathlib import Path

import common as C
from earshot_train import train as T

ap = argparse.ArgumentParser(description=__doc__)
ap.add_argument("out", type=Path)
ap.add_argument("--channels", default="48,48,56,56,64", help="stem and four pointwise widths")
ap.add_argument("--seed", type=int, default=0)
ap.add_argument("--epochs", type=int, default=50)
a = ap.parse_args()
import keras
paths, xtr, ytr, xva, yva = C.data()
keras.utils.set_random_seed(a.seed)
stem, blocks = C.shape([int(c) for c in a.channels.split(",")])
model = T.build_model(xtr.shape[2], stem=stem, blocks=blocks)
print("cost", T.model_cost(model), flush=True)
T.fit(model, xtr, ytr, T.class_weights(ytr), xva, yva, a.epochs, a.seed, lr=3e-3)
for r in range(T.MINING_ROUNDS):
    xh = T.mine_hard_negatives(paths, model)
    if not len(xh):
        break
    xtr, ytr = C.add_mined(xtr, ytr, xh)
    T.fit(model, xtr, ytr, T.class_weights(ytr), xva, yva, T.ROUND_EPOCHS[r], a.seed + 1 + r, lr=T.ROUND_LR[r])
a.out.mkdir(parents=True, exist_ok=True)
model.save(a.out / "model.keras")
C.convert(model, xtr, a.out / "model.tflite", a.seed)
