"""A third mining round on a trained network: mine with it, fine-tune K copies (different seeds), convert each
and their weight average ("soup")."""
import argparse
from pathlib import Path

import numpy as np

import common as C
from earshot_train import train as T

ap = argparse.ArgumentParser(description=__doc__)
ap.add_argument("out", type=Path)
ap.add_argument("base", help="trained Keras model (.keras)")
ap.add_argument("--members", type=int, default=3)
ap.add_argument("--epochs", type=int, default=8)
ap.add_argument("--lr", type=float, default=3e-4)
a = ap.parse_args()
import keras
paths, xtr, ytr, xva, yva = C.data()
base = keras.models.load_model(a.base)
xtr, ytr = C.add_mined(xtr, ytr, T.mine_hard_negatives(paths, base))
cw = T.class_weights(ytr)
weights = []
for k in range(a.members):
    keras.utils.set_random_seed(100 + k)
    m = keras.models.clone_model(base)
    m.set_weights(base.get_weights())
    T.fit(m, xtr, ytr, cw, xva, yva, a.epochs, 100 + k, lr=a.lr)
    weights.append(m.get_weights())
    C.convert(m, xtr, a.out / f"member{k}.tflite")
m = keras.models.clone_model(base)
m.set_weights([np.mean([w[i] for w in weights], axis=0) for i in range(len(weights[0]))])
C.convert(m, xtr, a.out / "soup.tflite")
