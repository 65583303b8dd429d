"""Test streams do not depend on where the cache lives: the same held-out files reached through two paths give the
same background cuts and the same rebuild key."""
import os
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import numpy as np  # noqa: E402
import soundfile as sf  # noqa: E402

from earshot_eval import data, streams  # noqa: E402


class StreamsPathTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        root = Path(self.tmp.name)
        self.a = root / "cache-a" / "heldout"
        self.a.mkdir(parents=True)
        rng = np.random.default_rng(3)
        for i in range(2):
            sf.write(str(self.a / f"general_0{i}.wav"), (0.1 * rng.standard_normal(16000 * 30)).astype(np.float32),
                     16000, subtype="PCM_16")
        self.b = root / "cache-b" / "heldout"
        self.b.parent.mkdir()
        self.b.symlink_to(self.a)  # a scratch cache that links to the same held-out streams
        self.saved = (data.heldout_background, streams._babble_pool)
        streams._babble_pool = lambda work, seed: []

    def tearDown(self):
        data.heldout_background, streams._babble_pool = self.saved
        self.tmp.cleanup()

    def _items(self, folder: Path):
        held = [str(folder / f"general_0{i}.wav") for i in range(2)]
        data.heldout_background = lambda: held
        params = {"seed": 1234, "background_hours": 40 / 3600 / 0.85, "speech_fraction": 0.85}
        segs, _, _ = streams._background_items(params, Path(self.tmp.name) / "work", 0.05)
        return segs, streams._heldout_fingerprint(held)

    def test_same_cuts_and_key_through_another_path(self):
        (sa, ka), (sb, kb) = self._items(self.a), self._items(self.b)
        self.assertEqual(ka, kb)
        self.assertGreater(len(sa), 2)
        self.assertEqual([(n, len(x)) for n, x, _ in sa], [(n, len(x)) for n, x, _ in sb])
        for (_, x, _), (_, y, _) in zip(sa, sb):
            np.testing.assert_array_equal(x, y)


if __name__ == "__main__":
    unittest.main()
