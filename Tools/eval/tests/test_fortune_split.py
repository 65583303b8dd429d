"""The training tool keeps its long readings out of the fortunes files whose long entries are the test
background here: the two lists of files must stay the same."""
import os
import sys
import unittest

here = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(here, ".."))
sys.path.insert(0, os.path.join(here, "..", "..", "train"))

from earshot_eval import calibration  # noqa: E402
from earshot_eval.data import FORTUNE_FILES, MIN_TEXT, fortune_texts  # noqa: E402
from earshot_train.data import EVAL_FORTUNE_FILES, fortune_sentences  # noqa: E402


class FortuneSplitTest(unittest.TestCase):
    def test_training_skips_exactly_the_test_background_files(self):
        self.assertEqual(EVAL_FORTUNE_FILES, set(FORTUNE_FILES))

    def test_training_sentences_are_shorter_than_any_background_text(self):
        # fortune_sentences() defaults to at most 90 characters; the background reads MIN_TEXT and longer
        self.assertLess(90, MIN_TEXT)
        self.assertTrue(all(len(t) <= 90 for t in fortune_sentences()))

    def test_calibration_text_is_neither_training_nor_test_text(self):
        # default thresholds are checked on the calibration streams: their text must be new to the model and
        # must not be the test's (or the test figures would be tuned on)
        files = calibration.calibration_files()
        self.assertFalse(set(files) & set(FORTUNE_FILES))
        cal = calibration.calibration_texts()
        if not cal:
            self.skipTest("fortunes not installed")
        self.assertFalse(set(cal) & set(fortune_texts()))
        squash = lambda t: "".join(ch for ch in t.lower() if ch.isalnum())
        trained = {squash(t) for t in fortune_sentences(max_len=300, min_len=20)}
        self.assertFalse({squash(t) for t in cal} & trained)
        self.assertTrue(all(len(t) >= calibration.CALIB_MIN_TEXT for t in cal))
        # what the voices read: whole sentences of those entries, none a training text or a test text either
        utt = calibration.calibration_utterances()
        self.assertGreater(len(utt), 2 * len(cal))
        self.assertFalse({squash(u) for u in utt} & (trained | {squash(t) for t in fortune_texts()}))
        whole = " ".join(squash(t) for t in cal)
        self.assertTrue(all(squash(u) in whole for u in utt[:200]))


if __name__ == "__main__":
    unittest.main()
