"""Data preparation refuses to train without the recorded keywords or spoken digits it is told to use."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from earshot_train.config import KEYWORDS, Paths  # noqa: E402
from earshot_train.data import fsdd_split, real_keyword_split  # noqa: E402


def test_missing_keyword_recordings_stop_with_one_line_naming_the_folder(tmp_path):
    with pytest.raises(SystemExit) as e:
        real_keyword_split(Paths(data=tmp_path / "nowhere"))
    msg = str(e.value)
    assert f"no recordings of '{KEYWORDS[0]}'" in msg
    assert str(tmp_path / "nowhere" / "keywords" / KEYWORDS[0]) in msg
    assert "EARSHOT_DATA" in msg and "\n" not in msg


def test_an_empty_keyword_folder_counts_as_missing(tmp_path):
    for kw in KEYWORDS:
        (tmp_path / "keywords" / kw).mkdir(parents=True)
    (tmp_path / "keywords" / KEYWORDS[0] / "notes.txt").write_text("not a recording")
    with pytest.raises(SystemExit, match=f"no recordings of '{KEYWORDS[0]}'"):
        real_keyword_split(Paths(data=tmp_path))


def test_missing_spoken_digits_stop_with_one_line_naming_the_folder(tmp_path):
    with pytest.raises(SystemExit) as e:
        fsdd_split(Paths(data=tmp_path))
    msg = str(e.value)
    assert "no spoken digits" in msg and str(tmp_path / "speech" / "fsdd") in msg and "\n" not in msg


@pytest.mark.skipif(not Paths().keywords.is_dir(), reason="../shared/data is not beside the clone")
def test_the_shared_recordings_give_both_splits_for_every_keyword():
    rows = real_keyword_split(Paths())
    for kw in KEYWORDS:
        splits = {s for _, label, s in rows if label == kw}
        assert splits == {"train", "val"}, kw


def _quiet_to_loud_db(y, frame=800):
    """Level of the quietest 50 ms frame relative to the loudest, in dB."""
    e = np.sqrt(np.mean(np.square(y[: len(y) // frame * frame].reshape(-1, frame)), axis=1)) + 1e-12
    return 20 * np.log10(e.min() / e.max())


def test_a_babble_window_always_carries_talkers_at_most_15_db_down(tmp_path):
    from earshot_train import audio
    from earshot_train.data import BABBLE_SNR_DB, W, render
    rng = np.random.default_rng(1)
    t = np.arange(audio.SR // 2) / audio.SR
    word = np.zeros(audio.SR, np.float32)  # "keyword": half a second of a voiced-like tone, silence around it
    word[audio.SR // 4: audio.SR // 4 + len(t)] = 0.3 * np.sin(2 * np.pi * 220 * t) * np.hanning(len(t))
    src = tmp_path / "keywords" / "alexa" / "1.wav"
    src.parent.mkdir(parents=True)
    audio.write(src, word)
    pool = []
    for i in range(4):  # talkers: noise bursts with a syllable rhythm
        x = (rng.standard_normal(audio.SR * 2) * (np.sin(2 * np.pi * (3 + i) * np.arange(audio.SR * 2) / audio.SR) > 0))
        audio.write(tmp_path / f"talker{i}.wav", (0.1 * x).astype(np.float32))
        pool.append(str(tmp_path / f"talker{i}.wav"))
    assert BABBLE_SNR_DB[1] <= 15
    for seed in range(16):
        out = render((str(src), "alexa", str(tmp_path / f"b{seed}.wav"), seed, "babble", pool))
        y = audio.load(out)
        assert len(y) == W
        # the talkers fill the silence around the word: nothing near digital silence
        assert _quiet_to_loud_db(y) > -40, seed
    clean = audio.load(render((str(src), "alexa", str(tmp_path / "clean.wav"), 0, "clean", pool)))
    assert _quiet_to_loud_db(clean) < -60


def test_window_key_names_split_source_repetition_and_mode():
    from earshot_train.data import window_key
    k = window_key("train", "/x/keywords/alexa/1.flac", "alexa", 0, "train")
    assert k.startswith("train|/x/keywords/alexa/1.flac|0|train|")
    assert len({k, window_key("train", "/x/keywords/alexa/1.flac", "alexa", 1, "train"),
                window_key("train", "/x/keywords/alexa/1.flac", "alexa", 0, "babble"),
                window_key("val", "/x/keywords/alexa/1.flac", "alexa", 0, "train")}) == 4
