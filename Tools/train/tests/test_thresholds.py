"""The default-threshold false-accept check: which validation clips it counts."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from earshot_train.config import LABELS, Paths  # noqa: E402
from earshot_train.features import clip_sources  # noqa: E402
from earshot_train.train import threshold_negatives  # noqa: E402


def test_near_miss_clips_are_left_out_of_the_false_accept_check():
    jarvis = LABELS.index("jarvis")
    other = LABELS.index("_unknown_")
    labels = np.array([jarvis, other, other, other])
    scores = np.zeros((4, len(LABELS)), np.float32)
    scores[:, jarvis] = [0.99, 0.93, 0.40, 0.20]
    sources = ["/c/keywords/jarvis/1.flac", "/c/tts/near/jars_flite_5.wav", "/c/tts/sent/s1_flite.wav", "bg0"]
    assert threshold_negatives(scores, labels, jarvis, sources).tolist() == np.float32([0.40, 0.20]).tolist()
    # without sources (a cache from before the column) every other-class clip counts, the near miss too
    assert threshold_negatives(scores, labels, jarvis, None).tolist() == np.float32([0.93, 0.40, 0.20]).tolist()


def test_clip_sources_follow_extract_order_and_dropped_files(tmp_path):
    paths = Paths(cache=tmp_path)
    paths.clips.mkdir(parents=True)
    paths.features.mkdir(parents=True)
    (paths.clips / "val.csv").write_text("a.wav,alexa,/k/alexa/1.flac\nb.wav,_unknown_,/t/near/alex_5.wav\n"
                                         "c.wav,_background_,bg3\n")
    (paths.features / "val.failed.txt").write_text("b.wav\n")
    assert clip_sources(paths, "val") == ["/k/alexa/1.flac", "bg3"]
    (paths.clips / "val.csv").write_text("a.wav,alexa\nc.wav,_background_\n")
    assert clip_sources(paths, "val") is None


def test_recorded_prompts_of_recipe_d3_come_from_the_training_voices_only(tmp_path, monkeypatch):
    from earshot_train import data
    for voice in ("en_US_f_Allison", "fr_CA_f_June"):
        (tmp_path / voice / "digits").mkdir(parents=True)
        (tmp_path / voice / "silence").mkdir()
        (tmp_path / voice / "hello.wav").write_bytes(b"")
        (tmp_path / voice / "digits" / "1.wav").write_bytes(b"")
        (tmp_path / voice / "silence" / "1.wav").write_bytes(b"")
    monkeypatch.setattr(data, "ASTERISK", tmp_path)
    got = data.asterisk_split(Paths(cache=tmp_path / "cache"))
    assert sorted(Path(p).relative_to(tmp_path).as_posix() for p, _, _ in got) == \
        ["en_US_f_Allison/digits/1.wav", "en_US_f_Allison/hello.wav"]  # es/it missing: skipped with a warning
    assert {(lab, split) for _, lab, split in got} == {("_unknown_", "train")}
    assert not {"fr_CA_f_June", "ru_RU_f_IvrvoiceRU"} & set(data.ASTERISK_TRAIN)
