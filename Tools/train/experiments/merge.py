"""Merge K same-shape DS-CNNs into one K-times-wider DS-CNN whose softmax is that of the members' mean logits:
stems stacked (they read the same input), depthwise layers and batch norms concatenated, pointwise layers
block-diagonal, the dense layer stacked and divided by K. Two half-width members make one network of the
shipped size."""
import argparse
from pathlib import Path

import numpy as np

import common as C
from earshot_train import train as T

ap = argparse.ArgumentParser(description=__doc__)
ap.add_argument("out", type=Path, help="output .tflite")
ap.add_argument("members", nargs="+")
a = ap.parse_args()
import keras
import tensorflow as tf
from keras import layers as L
mem = [keras.models.load_model(p) for p in a.members]
K = len(mem)
stem, blocks = T.dscnn_shape(mem[0])
stem, blocks = C.shape([stem[2] * K] + [c * K for _, _, c in blocks])
big = T.build_model(mem[0].input_shape[2], stem=stem, blocks=blocks)
print("merged cost", T.model_cost(big), flush=True)
parts = [[l for l in m.layers if l.weights] for m in mem]
first = True
for i, lb in enumerate([l for l in big.layers if l.weights]):
    ws = [p[i].get_weights() for p in parts]
    if isinstance(lb, L.DepthwiseConv2D):
        lb.set_weights([np.concatenate([w[0] for w in ws], axis=2)])
    elif isinstance(lb, L.Conv2D) and first:
        lb.set_weights([np.concatenate([w[0] for w in ws], axis=3)])
        first = False
    elif isinstance(lb, L.Conv2D):
        kh, kw, ci, co = ws[0][0].shape
        k = np.zeros((kh, kw, ci * K, co * K), np.float32)
        for j, w in enumerate(ws):
            k[:, :, j * ci:(j + 1) * ci, j * co:(j + 1) * co] = w[0]
        lb.set_weights([k])
    elif isinstance(lb, L.BatchNormalization):
        lb.set_weights([np.concatenate([w[j] for w in ws]) for j in range(len(ws[0]))])
    elif isinstance(lb, L.Dense):
        lb.set_weights([np.concatenate([w[0] for w in ws], axis=0) / K, np.mean([w[1] for w in ws], axis=0)])
    else:
        raise SystemExit(f"unexpected layer {lb.name}")
paths, xtr, ytr, xva, yva = C.data()
logits = [keras.Model(m.input, m.layers[-2].output).predict(xva[..., None], verbose=0) for m in mem]
err = np.abs(big.predict(xva[..., None], verbose=0) - tf.nn.softmax(np.mean(logits, axis=0)).numpy()).max()
print(f"max |merged - softmax(mean logits)| on validation = {err:.2e}", flush=True)
C.convert(big, xtr, a.out)
