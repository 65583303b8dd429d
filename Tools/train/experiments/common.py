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


def convert(model, xtr: np.ndarray, out: Path, seed: int = 0) -> None:
    """The pipeline's int8 conversion (T.convert), calibrated on 500 random training windows."""
    rep = xtr[np.random.default_rng(seed).permutation(len(xtr))[:500]][..., None].astype(np.float32)
    T.convert(model, rep, out)
    print(f"wrote {out}", flush=True)


def add_mined(xtr, ytr, xh):
    """Training set plus mined windows, repeated as the pipeline does, labelled _unknown_."""
    xtr = np.concatenate([xtr] + [xh] * T.HARD_NEG_REPEATS)
    ytr = np.concatenate([ytr, np.full(len(xh) * T.HARD_NEG_REPEATS, UNKNOWN, ytr.dtype)])
    return xtr, ytr
