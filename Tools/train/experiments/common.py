"""Shared pieces of the experiments: data, a DS-CNN of any width, conversion of such a network."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from earshot_train import train as T
from earshot_train.config import LABELS, Paths
from earshot_train.features import extract

UNKNOWN = LABELS.index("_unknown_")


def data():
    """(paths, xtr, ytr, xva, yva) from the prepared cache."""
    paths = Paths()
    xtr, ytr = extract(paths, "train")
    xva, yva = extract(paths, "val")
    return paths, xtr, ytr, xva, yva


def shape(channels: list[int]):
    """stem and blocks of the shipped DS-CNN layout with other channel counts."""
    stem = (T.STEM[0], T.STEM[1], channels[0])
    blocks = [(k, s, c) for (k, s, _), c in zip(T.BLOCKS, channels[1:])]
    return stem, blocks


def channels_of(model) -> list[int]:
    from keras import layers as L
    return [l.filters for l in model.layers if isinstance(l, L.Conv2D) and not isinstance(l, L.DepthwiseConv2D)]


def convert(model, xtr: np.ndarray, out: Path, seed: int = 0) -> None:
    """Full-integer int8 conversion of a DS-CNN of any width (T.convert assumes the shipped one)."""
    import tensorflow as tf
    rep = xtr[np.random.default_rng(seed).permutation(len(xtr))[:500]][..., None].astype(np.float32)
    stem, blocks = shape(channels_of(model))
    fixed = T.build_model(model.input_shape[2], model.input_shape[1], stem=stem, blocks=blocks, batch_size=1)
    fixed.set_weights(model.get_weights())
    conv = tf.lite.TFLiteConverter.from_keras_model(fixed)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = lambda: ([rep[i:i + 1]] for i in range(len(rep)))
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    conv.inference_input_type = tf.int8
    conv.inference_output_type = tf.int8
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(conv.convert())
    print(f"wrote {out}", flush=True)


def add_mined(xtr, ytr, xh):
    """Training set plus mined windows, repeated as the pipeline does, labelled _unknown_."""
    xtr = np.concatenate([xtr] + [xh] * T.HARD_NEG_REPEATS)
    ytr = np.concatenate([ytr, np.full(len(xh) * T.HARD_NEG_REPEATS, UNKNOWN, ytr.dtype)])
    return xtr, ytr
