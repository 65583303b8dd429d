"""Recipe d1's pieces that need no training: teacher bookkeeping and the distillation targets."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from earshot_train import distill  # noqa: E402
from earshot_train.config import LABELS, MODEL_NAME, Paths  # noqa: E402


class Fixed:
    """A stand-in teacher that gives the same posterior for every window."""

    def __init__(self, p):
        self.p = np.asarray(p, np.float32)

    def predict(self, x):
        return np.tile(self.p, (len(x), 1))


def ensemble(*posteriors, alpha=distill.ALPHA):
    e = distill.Ensemble.__new__(distill.Ensemble)
    e.members, e.alpha, e.transfer_prefixes = [Fixed(p) for p in posteriors], alpha, distill.TRANSFER_PREFIXES
    return e


def one_hot(i):
    v = np.zeros(len(LABELS), np.float32)
    v[i] = 1
    return v


def test_targets_mix_label_and_teachers_mean():
    e = ensemble(one_hot(0), one_hot(1), alpha=0.5)
    x, y = np.zeros((3, 74, 10), np.float32), np.array([2, 2, 7])
    t = e.targets(x, y, smoothing=0.1)
    assert t.shape == (3, len(LABELS)) and t.dtype == np.float32
    np.testing.assert_allclose(t.sum(1), 1, rtol=1e-6)
    smooth = 0.1 / len(LABELS)
    want = 0.5 * (one_hot(2) * 0.9 + smooth) + 0.5 * (one_hot(0) + one_hot(1)) / 2
    np.testing.assert_allclose(t[0], want, rtol=1e-6)
    assert t[2].argmax() == 7


def test_alpha_one_is_the_label_alone():
    t = ensemble(one_hot(0), alpha=1.0).targets(np.zeros((1, 74, 10), np.float32), np.array([3]), smoothing=0.0)
    np.testing.assert_array_equal(t[0], one_hot(3))


def test_cached_teachers_are_reused_without_training(tmp_path, monkeypatch):
    paths = Paths(cache=tmp_path)
    for recipe, seed in distill.TEACHERS:
        d = distill.teacher_dir(paths, recipe, seed)
        d.mkdir(parents=True)
        (d / f"{MODEL_NAME}.tflite").write_bytes(b"x")
    monkeypatch.setattr(distill.subprocess, "run", lambda *a, **k: pytest.fail("trained a cached teacher"))
    got = distill.ensure_teachers(paths, [])
    assert got == [tmp_path / "teachers" / f"{r}-s{s}" / f"{MODEL_NAME}.tflite" for r, s in distill.TEACHERS]


def test_a_failing_teacher_stops_with_one_line_naming_it(tmp_path, monkeypatch):
    monkeypatch.setattr(distill, "TEACHERS", [("nonesuch", 4)])
    with pytest.raises(SystemExit) as e:
        distill.ensure_teachers(Paths(cache=tmp_path), ["--scale", "0.01"])
    msg = str(e.value)
    assert "teacher nonesuch seed 4 failed" in msg and "--train-seed 4" in msg and "\n" not in msg


def test_fit_distilled_appends_the_transfer_set_weighted_as_unknown(monkeypatch):
    from earshot_train import train
    seen = {}
    monkeypatch.setattr(train, "fit", lambda model, x, ytr, cw, xva, yva, epochs, seed, lr, targets, weights:
                        seen.update(x=x, targets=targets, weights=weights, epochs=epochs, seed=seed, lr=lr))
    y = np.array([0, 1, 1, 2])
    x, xt = np.zeros((4, 74, 10), np.float32), np.ones((3, 74, 10), np.float32)
    t, tt = np.full((4, len(LABELS)), 0.125, np.float32), np.full((3, len(LABELS)), 0.5, np.float32)
    distill.fit_distilled(None, x, y, t, xt, tt, None, None, 7, 3, 1e-3)
    cw = train.class_weights(y)
    assert seen["x"].shape == (7, 74, 10) and np.all(seen["x"][4:] == 1)
    np.testing.assert_array_equal(seen["targets"], np.concatenate([t, tt]))
    np.testing.assert_allclose(seen["weights"], np.concatenate([cw[y], np.full(3, cw[LABELS.index("_unknown_")])]))
    assert (seen["epochs"], seen["seed"], seen["lr"]) == (7, 3, 1e-3)


def test_every_recipe_names_teachers_the_table_can_train_without_a_cycle():
    from earshot_train.config import RECIPES

    def chain(name, seen=()):
        assert name not in seen, f"teacher cycle through {name}: {seen}"
        for teacher, _ in RECIPES[name].teachers:
            assert teacher in RECIPES, f"{name}: teacher recipe {teacher!r} is not in RECIPES"
            chain(teacher, seen + (name,))

    for name, spec in RECIPES.items():
        chain(name)
        assert bool(spec.transfer_prefixes) == spec.distilled, name
        assert len(set(spec.teachers)) == len(spec.teachers), name


def test_label_targets_are_smoothed_one_hots():
    t = distill.label_targets(np.array([0, 7]), 0.1)
    assert t.shape == (2, len(LABELS)) and t.dtype == np.float32
    np.testing.assert_allclose(t.sum(1), 1.0, rtol=1e-6)
    assert t[0, 0] == pytest.approx(0.9 + 0.1 / len(LABELS)) and t[1, 7] == t[0, 0]
    assert t[0, 1] == pytest.approx(0.1 / len(LABELS))
