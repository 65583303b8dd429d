"""Calibration streams: built from calibration text only, one noise type per stream, cached on a second call."""
import json
import os
import shutil
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import soundfile as sf  # noqa: E402

from earshot_eval import calibration, noise  # noqa: E402


@unittest.skipUnless(shutil.which("espeak-ng") and shutil.which("flite") and calibration.calibration_texts(),
                     "needs espeak-ng, flite and fortunes")
class CalibrationTest(unittest.TestCase):
    def test_small_build_reads_only_calibration_text_and_is_cached(self):
        with tempfile.TemporaryDirectory() as d:
            out = Path(d) / "cal"
            m = calibration.build(out, hours=0.01, n_streams=3)
            self.assertEqual([s["file"] for s in m["streams"]], ["cal_00.wav", "cal_01.wav", "cal_02.wav"])
            self.assertEqual([s["noise"] for s in m["streams"]], noise.NOISE_TYPES[:3])
            texts = set(calibration.calibration_utterances())
            items = json.loads((out / "tts" / "manifest.json").read_text())["items"]
            self.assertTrue(items and all(i["text"] in texts for i in items))
            self.assertGreater(m["hours"], 0.0085 * 0.85)
            for s in m["streams"]:
                info = sf.info(str(out / s["file"]))
                self.assertEqual(info.samplerate, 16000)
                self.assertAlmostEqual(info.duration, s["seconds"], places=2)
            stamp = (out / "cal_00.wav").stat().st_mtime_ns
            self.assertEqual(calibration.build(out, hours=0.01, n_streams=3), m)
            self.assertEqual((out / "cal_00.wav").stat().st_mtime_ns, stamp)

    def test_other_texts_are_read_instead_and_key_the_cache(self):
        texts = ["The quick brown fox jumps over the lazy dog near the river bank.",
                 "A small boat drifted slowly past the old stone bridge at dawn."]
        with tempfile.TemporaryDirectory() as d:
            out = Path(d) / "side"
            m = calibration.build(out, hours=0.002, n_streams=2, texts=texts, text_note="two test sentences")
            items = json.loads((out / "tts" / "manifest.json").read_text())["items"]
            self.assertTrue(items and all(i["text"] in texts for i in items))
            self.assertIn("reading two test sentences, with pauses", m["description"])
            self.assertIn("texts", m["params"])
            stamp = (out / "side_00.wav").stat().st_mtime_ns
            self.assertEqual(calibration.build(out, hours=0.002, n_streams=2, texts=texts), m)
            self.assertEqual((out / "side_00.wav").stat().st_mtime_ns, stamp)
            other = calibration.build(out, hours=0.002, n_streams=2, texts=texts[:1])
            self.assertNotEqual(other["params"]["texts"], m["params"]["texts"])
            items = json.loads((out / "tts" / "manifest.json").read_text())["items"]
            self.assertTrue(items and all(i["text"] == texts[0] for i in items))
            # the command line takes them from a file (how the training tool asks for its mining streams)
            lst = Path(d) / "texts.txt"
            lst.write_text("\n".join(texts) + "\n")
            cli = Path(d) / "cli"
            self.assertEqual(calibration.main(["--out", str(cli), "--hours", "0.002", "--texts", str(lst),
                                               "--text-note", "two test sentences"]), 0)
            made = json.loads((cli / "manifest.json").read_text())
            self.assertEqual(made["params"]["texts"], m["params"]["texts"])
            self.assertIn("reading two test sentences", made["description"])


if __name__ == "__main__":
    unittest.main()
