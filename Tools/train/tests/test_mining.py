"""Hard-negative mining (train.mine_hard_negatives) without a trained network: a stand-in model and stand-in
features."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from earshot_train import features, train  # noqa: E402
from earshot_train.config import FEATURES, FRAMES, LABELS, Paths  # noqa: E402


class Peaky:
    """Gives keyword 'alexa' the window's mean first coefficient as its score (a stand-in for a network)."""

    def predict(self, x, batch_size=None, verbose=0):
        p = np.zeros((len(x), len(LABELS)), np.float32)
        p[:, LABELS.index("alexa")] = x[:, :, 0, 0].mean(1)
        return p


def stream(peaks: list[int], n: int = 600) -> np.ndarray:
    """Frames whose first coefficient rises to 0.9 around each peak frame (windows ending near it score high)."""
    f = np.zeros((n, FEATURES["coefficients"]), np.float32)
    for c in peaks:
        f[c - FRAMES:c, 0] = 0.9
    return f


def test_mines_the_given_streams_one_window_per_peak(tmp_path, monkeypatch):
    monkeypatch.setenv("EARSHOT_CACHE", str(tmp_path))
    paths = Paths()
    paths.splits.mkdir(parents=True, exist_ok=True)
    (paths.splits / "mining_streams.txt").write_text("listed.wav,_background_\n")
    data = {"listed.wav": stream([200]), "a.wav": stream([150, 450]), "b.wav": stream([])}
    read = []
    monkeypatch.setattr(features, "extract_stream", lambda p, w: read.append(w) or data[w])
    x = train.mine_hard_negatives(paths, Peaky(), streams=["a.wav", "b.wav"])
    assert read == ["a.wav", "b.wav"]  # the given files, not the split list
    assert x.shape == (2, FRAMES, FEATURES["coefficients"])  # one window per peak; b.wav has none
    read.clear()
    assert len(train.mine_hard_negatives(paths, Peaky())) == 1 and read == ["listed.wav"]


class HalfAlexa:
    """A stand-in teacher ensemble whose targets are half label, half 'alexa' (it fires on everything)."""

    def targets(self, x, y, smoothing):
        from earshot_train.distill import label_targets
        p = np.zeros((len(x), len(LABELS)), np.float32)
        p[:, LABELS.index("alexa")] = 1.0
        return 0.5 * label_targets(y, smoothing) + 0.5 * p


def test_a_round_adds_test_like_windows_as_unknown_with_label_only_targets():
    from earshot_train.distill import label_targets
    unk = LABELS.index("_unknown_")
    xh = np.ones((3, FRAMES, FEATURES["coefficients"]), np.float32)
    xm = np.full((2, FRAMES, FEATURES["coefficients"]), 2.0, np.float32)
    x, y, t = train.round_additions(xh, xm)  # a network trained from labels: windows and labels only
    assert t is None and len(x) == 5 and np.all(y == unk) and np.all(x[3:] == 2.0)
    x, y, t = train.round_additions(xh, xm, HalfAlexa())
    assert np.allclose(t[:3], HalfAlexa().targets(xh, y[:3], train.LABEL_SMOOTHING))  # the teachers' targets, as before
    assert np.allclose(t[3:], label_targets(y[3:], train.LABEL_SMOOTHING))  # test-like: the label alone
    assert np.allclose(t.sum(1), 1.0)
    x, y, t = train.round_additions(xh, xh[:0], HalfAlexa())  # recipes without test-like streams: unchanged
    assert len(x) == 3 and np.allclose(t, HalfAlexa().targets(xh, y, train.LABEL_SMOOTHING))
    x, y, t = train.round_additions(xh[:0], xm, HalfAlexa())  # nothing mined on the usual streams
    assert len(x) == 2 and np.allclose(t, label_targets(y, train.LABEL_SMOOTHING))
    x, y, t = train.round_additions(xh[:0], xm[:0], HalfAlexa())  # nothing mined at all: empty, not an error
    assert len(x) == len(y) == 0 and t.shape == (0, len(LABELS))


def test_recipes_without_test_like_sets_build_no_streams(tmp_path):
    if train.RECIPE_SPEC.testlike_sets:  # run under a recipe that asks for them: nothing to check here
        return
    assert train.testlike_streams(Paths(cache=tmp_path)) == []
    assert not any(tmp_path.iterdir())


def test_both_stream_sets_come_from_the_eval_tools_builder(tmp_path, monkeypatch):
    """The calibration streams and a recipe's test-like mining streams are built by one call into Tools/eval
    (`python -m earshot_eval.calibration`, Tools/eval on PYTHONPATH), each with its own arguments."""
    import dataclasses
    import subprocess

    from earshot_train import data as tdata
    calls = []

    def builder(cmd, env=None, **kw):
        calls.append((cmd, env))
        out = Path(cmd[cmd.index("--out") + 1])
        out.mkdir(parents=True, exist_ok=True)
        (out / "manifest.json").write_text('{"streams": [{"file": "stream_00.wav"}]}')
        return subprocess.CompletedProcess(cmd, 0)

    monkeypatch.setattr(train.subprocess, "run", builder)
    monkeypatch.setattr(train, "RECIPE_SPEC", dataclasses.replace(train.RECIPE_SPEC, testlike_sets=(77, 78)))
    monkeypatch.setattr(tdata, "long_reading_texts", lambda: ["A sentence of training-side text."])
    paths = Paths(cache=tmp_path)
    m = train.calibration_streams(paths, smoke=True)
    assert m["paths"] == [str(tmp_path / "calib-smoke" / "stream_00.wav")]
    wavs = train.testlike_streams(paths, smoke=True)
    assert wavs == [str(tmp_path / f"testlike-smoke-s{s}" / "stream_00.wav") for s in (77, 78)]
    assert len(calls) == 3
    for cmd, env in calls:
        assert cmd[1:3] == ["-m", "earshot_eval.calibration"]
        assert str(train.REPO / "Tools" / "eval") in env["PYTHONPATH"].split(":")
    assert "--texts" not in calls[0][0] and calls[0][0][calls[0][0].index("--hours") + 1] == "0.03"
    for (cmd, _), seed in zip(calls[1:], (77, 78)):
        assert cmd[cmd.index("--seed") + 1] == str(seed) and cmd[cmd.index("--hours") + 1] == "0.02"
        assert (tmp_path / "testlike-texts.txt").read_text() == "A sentence of training-side text.\n"
        assert cmd[cmd.index("--texts") + 1] == str(tmp_path / "testlike-texts.txt")


def test_a_failing_builder_stops_a_test_like_recipe_with_one_line(tmp_path, monkeypatch):
    import dataclasses
    import subprocess

    import pytest

    from earshot_train import data as tdata
    monkeypatch.setattr(train.subprocess, "run", lambda cmd, **kw: subprocess.CompletedProcess(cmd, 3))
    monkeypatch.setattr(train, "RECIPE_SPEC", dataclasses.replace(train.RECIPE_SPEC, testlike_sets=(77,)))
    monkeypatch.setattr(tdata, "long_reading_texts", lambda: ["Text."])
    with pytest.raises(SystemExit, match=r"test-like streams: .*testlike-s77: the builder failed \(exit 3\)"):
        train.testlike_streams(Paths(cache=tmp_path))
    assert train.calibration_streams(Paths(cache=tmp_path)) is None  # calibration falls back with a warning
