"""Data preparation refuses to train without the recorded keywords or spoken digits it is told to use."""
from __future__ import annotations

import sys
from pathlib import Path

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
