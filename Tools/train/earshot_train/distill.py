"""Ensemble distillation (recipes d1, d2, d3, e2 and e2b, config.RECIPES): one DS-CNN learns from three networks
this pipeline trains first (d1/d2/d3: a3 with two seeds and a4; e2/e2b: three d2 networks of the student's own
shape), whose mean posterior makes fewer confident false alarms than any one of them (Tools/train/README.md,
*Recipe d1*, *Recipe e2*).

The student trains on the a3 data and schedule (phase 1 and two mining rounds) with soft targets:
ALPHA × (label-smoothed one-hot) + (1 − ALPHA) × (teachers' mean posterior). Beside the training windows it sees
a transfer set: windows of a4's long-reading mining streams (continuous training-only speech at 0–15 dB SNR), with
the teachers' mean posterior alone as their target: every decision window where that posterior gives some keyword
≥ TRANSFER_MIN_SCORE plus TRANSFER_RANDOM random ones per stream. Recipe d2 adds a3's own mining streams
(5.2 h) to the transfer set.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from .config import FRAMES, KEYWORDS, LABELS, MODEL_NAME, RECIPE_SPEC, UNKNOWN, Paths

TEACHERS = list(RECIPE_SPEC.teachers)
"""(recipe, training seed) of each teacher, from config.RECIPES: a3 seeds 0 and 1 and a4 for d1, d2 and d3 (a3 seed 0
is the model v9); three d2 networks for e2 and e2b (each trained from those three first); none for a2, a3, a4."""
ALPHA = 0.5
TRANSFER_PREFIXES = RECIPE_SPEC.transfer_prefixes
"""Mining streams of the transfer set, $EARSHOT_CACHE/mine/<prefix>_*.wav, from config.RECIPES: a4's 8 h of long
readings (made by the a4 teacher's data preparation), for d2, d3 and the e recipes also a3's 5.2 h of mining streams
(the student's own preparation), and for d3 its streams of recorded prompts."""
TRANSFER_MIN_SCORE = 0.05
TRANSFER_RANDOM = 200
TRANSFER_SEED = 7
TRANSFER_EVERY_HOPS = 6
"""Transfer windows are drawn from every 6th hop (120 ms), half the runtime's decision frames: ~41,000 windows
from the 8 h of streams."""


def teacher_dir(paths: Paths, recipe: str, seed: int) -> Path:
    """Where a teacher's model (and its report and card) is written: $EARSHOT_CACHE/teachers/<recipe>-s<seed>."""
    return paths.cache / "teachers" / f"{recipe}-s{seed}"


def ensure_teachers(paths: Paths, args: list[str]) -> list[Path]:
    """The teachers' int8 models; each one missing is trained first by this pipeline in a child process
    (`EARSHOT_RECIPE=<recipe> python -m earshot_train all --train-seed <seed> <args>`), so a fresh cache builds
    all three and a warm one reuses them. `args` passes --scale, --epochs, --workers, --smoke through."""
    out = []
    for recipe, seed in TEACHERS:
        d = teacher_dir(paths, recipe, seed)
        model = d / f"{MODEL_NAME}.tflite"
        if not model.exists():
            print(f"distillation: training teacher {recipe} seed {seed} into {d}", flush=True)
            d.mkdir(parents=True, exist_ok=True)
            env = dict(os.environ, EARSHOT_RECIPE=recipe, EARSHOT_MODELS=str(d))
            cmd = [sys.executable, "-m", "earshot_train", "all", "--train-seed", str(seed), *args]
            r = subprocess.run(cmd, env=env, cwd=Path(__file__).resolve().parent.parent)
            if r.returncode != 0 or not model.exists():
                raise SystemExit(f"distillation: teacher {recipe} seed {seed} failed (exit {r.returncode}): {' '.join(cmd)}")
        out.append(model)
    return out


def label_targets(y: np.ndarray, smoothing: float) -> np.ndarray:
    """[n, classes] label-smoothed one-hot targets of the class ids y."""
    n_cls = len(LABELS)
    return (np.eye(n_cls, dtype=np.float32)[y] * (1 - smoothing) + smoothing / n_cls).astype(np.float32)


class Ensemble:
    """Mean posterior of int8 teacher models (LiteRT's optimized kernels; float posteriors)."""

    def __init__(self, models: list[Path], alpha: float = ALPHA, transfer_prefixes: tuple[str, ...] = TRANSFER_PREFIXES):
        from .train import Int8Model
        self.members = [Int8Model(p, reference=False) for p in models]
        self.alpha, self.transfer_prefixes = alpha, tuple(transfer_prefixes)

    def predict(self, x: np.ndarray) -> np.ndarray:
        """[n, classes] mean posterior of the members for feature windows x [n, FRAMES, coefficients]."""
        return np.mean([m.predict(x) for m in self.members], axis=0).astype(np.float32)

    def targets(self, x: np.ndarray, y: np.ndarray, smoothing: float) -> np.ndarray:
        """alpha × label-smoothed one-hot of y + (1 − alpha) × the members' mean posterior."""
        return (self.alpha * label_targets(y, smoothing) + (1 - self.alpha) * self.predict(x)).astype(np.float32)

    def transfer_set(self, paths: Paths) -> tuple[np.ndarray, np.ndarray]:
        """(windows [n, FRAMES, coefficients], mean posteriors [n, classes]) from the mining streams
        $EARSHOT_CACHE/mine/<prefix>_*.wav of every transfer prefix, in order."""
        parts = [self._transfer_one(paths, p) for p in self.transfer_prefixes]
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])

    def _transfer_one(self, paths: Paths, prefix: str) -> tuple[np.ndarray, np.ndarray]:
        """The transfer windows of one prefix's streams (each prefix draws its random windows from a fresh
        generator seeded TRANSFER_SEED, so adding a prefix leaves the others' windows unchanged)."""
        from .features import extract_stream
        from .train import stream_posteriors
        wavs = sorted((paths.cache / "mine").glob(f"{prefix}_*.wav"))
        if not wavs:
            raise SystemExit(f"distillation: no {paths.cache / 'mine'}/{prefix}_*.wav (the teachers' and the student's "
                             f"data preparation make them)")
        rng = np.random.default_rng(TRANSFER_SEED)
        kw = [LABELS.index(k) for k in KEYWORDS]
        xs, ts = [], []
        for w in wavs:
            x = extract_stream(paths, str(w)).astype(np.float32)
            runs = [stream_posteriors(m, x, TRANSFER_EVERY_HOPS) for m in self.members]
            if not len(runs[0][1]):
                continue
            p, ends = np.mean([r[0] for r in runs], axis=0), runs[0][1]
            sel = np.union1d(np.flatnonzero(p[:, kw].max(1) >= TRANSFER_MIN_SCORE),
                             rng.choice(len(p), min(len(p), TRANSFER_RANDOM), replace=False))
            xs.append(x[ends[sel, None] - FRAMES + np.arange(FRAMES)[None, :]])
            ts.append(p[sel])
        xt, tt = np.concatenate(xs), np.concatenate(ts).astype(np.float32)
        print(f"distillation: transfer set: {len(xt)} windows from {len(wavs)} {prefix} streams", flush=True)
        return xt, tt


def fit_distilled(model, x: np.ndarray, y: np.ndarray, targets: np.ndarray, xt: np.ndarray, tt: np.ndarray,
                  xva: np.ndarray, yva: np.ndarray, epochs: int, seed: int, lr: float) -> None:
    """train.fit on soft targets: the training windows x (labels y, targets) with their class weights, and the
    transfer windows xt (targets tt) appended with _unknown_'s class weight."""
    from .train import class_weights, fit
    w = class_weights(y)
    fit(model, np.concatenate([x, xt]), None, None, xva, yva, epochs, seed, lr,
        targets=np.concatenate([targets, tt]),
        weights=np.concatenate([w[y], np.full(len(xt), w[LABELS.index(UNKNOWN)], np.float32)]))
