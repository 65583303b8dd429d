"""Fine-tune a shipped int8 network from its own weights (experiment "ft", 2026-12-07).

The int8 weights and biases of MODEL (e.g. Models/earshot-kws.tflite, v11) are dequantized into a float DS-CNN of the
same shape without batch norm (each convolution carries the folded bias), which is trained a few epochs at a low
learning rate and converted back to int8 exactly as the pipeline converts (500 random training windows as the
representative set). Targets: ALPHA × label-smoothed one-hot + (1 − ALPHA) × MODEL's own posterior, the MODEL
anchoring the student to what it already does; with --babble-label the extra keyword-over-babble windows of recipe
e2b get the label alone (MODEL is weak there, Tools/train/README.md *Recipe e2b*). The transfer set is the cache's
a3 mining streams with MODEL's posterior as target; one mining round follows. With --mine-testlike, the windows MODEL
fires on in training-side streams built like the test background (experiments/testlike_streams.py) join training as
_unknown_ with label-only targets (and with --testlike-again the mining round mines them again). With
--clean-negatives MODEL's keyword posteriors on the keyword-free mining streams are not copied (see the option);
with --teachers the posterior part of every target is the mean of MODEL and those networks.
Results: Tools/train/README.md, *Fine-tuning v11 from its int8 weights, and test-like mining* and *More test-like
data, clean negatives and paired comparisons*.

    EARSHOT_RECIPE=e2b python experiments/finetune_int8.py OUT MODEL [--epochs 8] [--lr 3e-4] [--seed 0]
        [--babble-label] [--mine-testlike DIR ... [--testlike-again]] [--clean-negatives]
        [--teachers TFLITE ...] [--roundtrip-only]
"""
from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import time
from pathlib import Path

import numpy as np

import common as C
from earshot_train import train as T
from earshot_train.config import FRAMES, KEYWORDS, LABELS, UNKNOWN
from earshot_train.distill import Ensemble, fit_distilled, label_targets
from earshot_train.features import clip_sources

ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("out", type=Path)
ap.add_argument("model", type=Path)
ap.add_argument("--epochs", type=int, default=8)
ap.add_argument("--mine-epochs", type=int, default=4)
ap.add_argument("--lr", type=float, default=3e-4)
ap.add_argument("--seed", type=int, default=0)
ap.add_argument("--babble-label", action="store_true")
ap.add_argument("--mine-testlike", type=Path, nargs="*", default=[],
                help="folders of training-side test-like streams (experiments/testlike_streams.py): the windows MODEL "
                     "fires on there join training from the start as _unknown_, label-only targets")
ap.add_argument("--testlike-again", action="store_true",
                help="the mining round mines the test-like streams again with the fine-tuned network (label-only)")
ap.add_argument("--clean-negatives", action="store_true",
                help="MODEL's keyword posterior is known wrong on the keyword-free mining streams: the transfer set's "
                     "targets get their keyword mass moved to background/unknown, and the mining round's hard negatives "
                     "get label-only targets")
ap.add_argument("--teachers", type=Path, nargs="*", default=[],
                help="more int8 networks: the targets' posterior part is the mean of MODEL's and theirs (MODEL stays "
                     "the weights' origin)")
ap.add_argument("--roundtrip-only", action="store_true", help="convert the dequantized network without training")
a = ap.parse_args()

import keras  # noqa: E402
from keras import layers as L  # noqa: E402
from ai_edge_litert.interpreter import Interpreter  # noqa: E402


def dequantized(path: Path) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(op, float weights in Keras layout, float bias) of every CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED op in
    graph order."""
    it = Interpreter(model_path=str(path))
    it.allocate_tensors()
    det = {d["index"]: d for d in it.get_tensor_details()}
    out = []
    for op in it._get_ops_details():
        name = op["op_name"]
        if name not in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"):
            continue
        wi, bi = op["inputs"][1], op["inputs"][2]
        wq, bq = it.get_tensor(wi).astype(np.float32), it.get_tensor(bi).astype(np.float32)
        ws = det[wi]["quantization_parameters"]["scales"]
        bs = det[bi]["quantization_parameters"]["scales"]
        if name == "CONV_2D":  # [out, kh, kw, in] → [kh, kw, in, out]
            w = (wq * ws[:, None, None, None]).transpose(1, 2, 3, 0)
        elif name == "DEPTHWISE_CONV_2D":  # [1, kh, kw, ch] → [kh, kw, ch, 1]
            w = (wq * ws[None, None, None, :])[0][..., None]
        else:  # [out, in] → [in, out]
            w = (wq * ws[:, None]).T
        out.append((name, w, bq * bs))
    return out


def build(coeffs: int, ops, batch_size=None, dropout: float = 0.2):
    """The DS-CNN of build_model with the batch norms folded away (convolution + bias + ReLU), shaped by ops."""
    inp = keras.Input((FRAMES, coeffs, 1), batch_size=batch_size, name="mfcc")
    w0 = ops[0][1]
    k, s = w0.shape[0], T.STEM[1]
    x = L.Conv2D(w0.shape[3], (k, coeffs), strides=(s, 1), padding="valid", activation="relu")(inp)
    rest = ops[1:-1]
    for (dw, pw), (bk, bs, _) in zip(zip(rest[0::2], rest[1::2]), T.BLOCKS):
        x = L.DepthwiseConv2D((dw[1].shape[0], 1), strides=(bs, bs), padding="same", activation="relu")(x)
        x = L.Conv2D(pw[1].shape[3], 1, activation="relu")(x)
    t = x.shape[1]
    p = max(1, t // T.HEAD_STEPS)
    x = L.AveragePooling2D(pool_size=(p, 1), strides=(p, 1))(x)
    x = L.Flatten()(x)
    x = L.Dropout(dropout)(x)
    x = L.Dense(len(LABELS))(x)
    m = keras.Model(inp, L.Softmax()(x))
    m.set_weights([t for _, w, b in ops for t in (w, b)])
    return m


def convert(model, ops, xtr: np.ndarray, out: Path, seed: int) -> None:
    """The pipeline's int8 conversion (train.convert_fixed) of a fixed-batch clone of this BN-free layout,
    calibrated on 500 random training windows."""
    rep = xtr[np.random.default_rng(seed).permutation(len(xtr))[:500]][..., None].astype(np.float32)
    fixed = build(xtr.shape[2], ops, batch_size=1)
    fixed.set_weights(model.get_weights())
    T.convert_fixed(fixed, rep, out)
    print(f"wrote {out}", flush=True)


def babble_mask(paths, n: int) -> np.ndarray:
    """Which training windows are e2b's keyword-over-babble windows (data.window_key names them by render mode)."""
    import csv
    from earshot_train.data import BABBLE_REPS, window_key
    from earshot_train.features import _kept
    rows = list(csv.reader(open(paths.clips / "train.csv")))
    rows = [r for r, k in zip(rows, _kept(paths, "train", rows)) if k]
    names = {hashlib.sha1(window_key("train", r[2], r[1], rep, "babble").encode()).hexdigest()[:16]
             for r in rows if r[1] in KEYWORDS for rep in range(max(BABBLE_REPS, 1))}
    m = np.array([Path(r[0]).stem in names for r in rows], bool)
    assert len(m) == n, (len(m), n)
    return m


def without_keywords(t: np.ndarray) -> np.ndarray:
    """Posterior targets of keyword-free windows with the keyword classes' mass moved onto background and unknown in
    their own proportion (all onto unknown where MODEL gave those two almost nothing)."""
    kw = [LABELS.index(k) for k in KEYWORDS]
    rest = [i for i in range(t.shape[1]) if i not in kw]
    out = np.zeros_like(t)
    mass = t[:, rest].sum(1, keepdims=True)
    out[:, rest] = t[:, rest] / np.maximum(mass, 1e-6)
    low = mass[:, 0] < 1e-3
    out[low] = 0
    out[low, LABELS.index(UNKNOWN)] = 1
    moved = float(np.mean(t[:, kw].max(1) >= 0.25))
    print(f"clean negatives: {moved:.1%} of {len(t)} transfer windows had a keyword target >= 0.25", flush=True)
    return out.astype(t.dtype)


t0 = time.time()
keras.utils.set_random_seed(a.seed)
paths, xtr, ytr, xva, yva = C.data()
ops = dequantized(a.model)
model = build(xtr.shape[2], ops)
teacher = Ensemble([a.model, *a.teachers], transfer_prefixes=("mine_b",))
pv = T.Int8Model(a.model, reference=False).predict(xva)  # MODEL alone, whatever the teachers
pf = model.predict(xva[..., None], batch_size=512, verbose=0)
print(f"dequantized float vs int8 on {len(xva)} val windows: argmax agreement {np.mean(pf.argmax(1) == pv.argmax(1)):.4f}, "
      f"mean |Δp| {np.mean(np.abs(pf - pv)):.4f}; int8 accuracy {np.mean(pv.argmax(1) == yva):.4f}, "
      f"float {np.mean(pf.argmax(1) == yva):.4f}", flush=True)
info = {"model": str(a.model), "args": {k: ([str(x) for x in v] if isinstance(v, list) else str(v) if isinstance(v, Path) else v) for k, v in vars(a).items()}}
if not a.roundtrip_only:
    bab = babble_mask(paths, len(ytr))
    print(f"babble windows: {int(bab.sum())} of {len(ytr)}", flush=True)
    ttr = teacher.targets(xtr, ytr, T.LABEL_SMOOTHING)
    if a.babble_label:
        ttr[bab] = label_targets(ytr[bab], T.LABEL_SMOOTHING)
    wavs = sorted(str(p) for d in a.mine_testlike for p in d.glob("*.wav"))
    if wavs:
        xm = T.mine_hard_negatives(paths, model, streams=wavs)
        info["mined_testlike"] = int(len(xm))
        xa, ya, ta = T.round_additions(xm[:0], xm, teacher)  # test-like windows: _unknown_, label-only targets
        xtr = np.concatenate([xtr] + [xa] * T.HARD_NEG_REPEATS)
        ttr = np.concatenate([ttr] + [ta] * T.HARD_NEG_REPEATS)
        ytr = np.concatenate([ytr] + [ya.astype(ytr.dtype)] * T.HARD_NEG_REPEATS)
    xt, tt = teacher.transfer_set(paths)
    if a.clean_negatives:
        tt = without_keywords(tt)
    fit_distilled(model, xtr, ytr, ttr, xt, tt, xva, yva, a.epochs, a.seed, a.lr)
    xh = T.mine_hard_negatives(paths, model)
    info["mined"] = int(len(xh))
    if len(xh) and a.mine_epochs:
        xm2 = xh[:0]
        if wavs and a.testlike_again:
            xm2 = T.mine_hard_negatives(paths, model, streams=wavs)
            info["mined_testlike_again"] = int(len(xm2))
        # the pipeline's round (train.round_additions): xh with the teacher's targets, xm2 label-only; with
        # --clean-negatives every addition is label-only
        xa, ya, ta = T.round_additions(xh, xm2, None if a.clean_negatives else teacher)
        if ta is None:
            ta = label_targets(ya, T.LABEL_SMOOTHING)
        xtr = np.concatenate([xtr] + [xa] * T.HARD_NEG_REPEATS)
        ttr = np.concatenate([ttr] + [ta] * T.HARD_NEG_REPEATS)
        ytr = np.concatenate([ytr] + [ya.astype(ytr.dtype)] * T.HARD_NEG_REPEATS)
        fit_distilled(model, xtr, ytr, ttr, xt, tt, xva, yva, a.mine_epochs, a.seed + 1, a.lr / 2)
    pf = model.predict(xva[..., None], batch_size=512, verbose=0)
    print(f"fine-tuned float accuracy {np.mean(pf.argmax(1) == yva):.4f}", flush=True)
convert(model, ops, xtr, a.out / "earshot-kws.tflite", a.seed)
shutil.copy(a.model.with_suffix(".json"), a.out / "earshot-kws.json")  # the base's sidecar: features, labels
q = T.Int8Model(a.out / "earshot-kws.tflite", reference=False).predict(xva)
info["val_accuracy_int8"] = float(np.mean(q.argmax(1) == yva))
info["minutes"] = round((time.time() - t0) / 60, 1)
(a.out / "info.json").write_text(json.dumps(info, indent=2) + "\n")
print(json.dumps(info), flush=True)
