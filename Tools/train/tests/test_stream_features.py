"""Stream features are cached per file: two streams with one name in two folders (the evaluation's 1 h and 10 h
sets both hold stream_00.wav) must not share a cache entry."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from earshot_train.config import Paths  # noqa: E402
from earshot_train.features import extract_stream  # noqa: E402

FAKE = """#!{py}
import sys, numpy as np
args = sys.argv[1:]
wav, out = args[1], args[args.index("--out") + 1]
np.save(out, np.full((3, 2), float(open(wav).read())))
"""


def test_same_name_in_two_folders_gives_each_its_own_features(tmp_path):
    exe = tmp_path / "earshot"
    exe.write_text(FAKE.format(py=sys.executable))
    exe.chmod(0o755)
    paths = Paths(cache=tmp_path / "cache", earshot=exe)
    a, b = tmp_path / "one" / "stream_00.wav", tmp_path / "ten" / "stream_00.wav"
    for p, v in ((a, "1"), (b, "2")):
        p.parent.mkdir()
        p.write_text(v)
    os.utime(a, (1, 1))  # both older than any cache entry: only the key can tell them apart
    os.utime(b, (1, 1))
    assert np.all(extract_stream(paths, str(a)) == 1)
    assert np.all(extract_stream(paths, str(b)) == 2)
    assert np.all(extract_stream(paths, str(a)) == 1)
