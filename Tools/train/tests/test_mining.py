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
