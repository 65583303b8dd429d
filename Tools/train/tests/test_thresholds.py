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
