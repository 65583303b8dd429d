"""The command adapter (how Earshot is run) on a stand-in command, and the report on it."""
import json
import os
import sys
import tempfile
import unittest
from pathlib import Path

import numpy as np
import soundfile as sf

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from earshot_eval.detectors import CommandDetector, norm_keyword  # noqa: E402
from earshot_eval.metrics import Instance, background_hours, det_curve  # noqa: E402

FAKE = r'''
import json, sys
wav, thr = sys.argv[1], float(sys.argv[2])
rows = [("alexa", 1.2, 0.97), ("smart mirror", 5.0, 0.6), ("alexa", 8.0, 0.02), ("alexa", 9.0, 0.4)]
print("earshot: loading model", file=sys.stderr)
for k, t, s in rows:
    if s >= thr:
        print(json.dumps({"file": wav, "keyword": k, "time": t, "score": s, "keyword_end": t}))
'''


class CommandAdapterTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        d = Path(self.tmp.name)
        self.script = d / "fake.py"
        self.script.write_text(FAKE)
        self.wav = d / "stream_00.wav"
        sf.write(str(self.wav), np.zeros(16000 * 10, np.int16), 16000, subtype="PCM_16")

    def tearDown(self):
        self.tmp.cleanup()

    def test_parses_json_lines_at_low_threshold(self):
        det = CommandDetector("fake", f"{sys.executable} {self.script} {{wav}} {{threshold}}", 0.05)
        dets = det(self.wav)
        self.assertEqual([(d.file, d.keyword, d.time, d.score) for d in dets],
                         [("stream_00.wav", "alexa", 1.2, 0.97),
                          ("stream_00.wav", "smart_mirror", 5.0, 0.6),
                          ("stream_00.wav", "alexa", 9.0, 0.4)])
        labels = [Instance("stream_00.wav", "alexa", 0.8, 1.1),
                  Instance("stream_00.wav", "smart_mirror", 4.0, 4.6)]
        bh = background_hours(3600.0, labels)
        c = det_curve("alexa", dets, labels, bh)
        op = c.miss_at(1.0)  # the 0.4 false alarm must be cut: threshold above 0.4
        self.assertEqual((op.miss_rate, op.false_alarms), (0.0, 0))
        self.assertAlmostEqual(op.threshold, 0.97)

    def test_failing_command_names_itself(self):
        det = CommandDetector("fake", f"{sys.executable} -c 'import sys; sys.exit(3)' {{wav}}", 0.1)
        with self.assertRaisesRegex(RuntimeError, "exited 3"):
            det(self.wav)

    def test_garbage_output_is_reported(self):
        det = CommandDetector("fake", f"{sys.executable} -c 'print(\"{{{{oops\")' {{wav}}", 0.1)
        with self.assertRaisesRegex(RuntimeError, "not a detection record"):
            det(self.wav)

    def test_norm_keyword(self):
        self.assertEqual(norm_keyword("Smart Mirror"), "smart_mirror")
        self.assertEqual(norm_keyword("view-glass"), "view_glass")


if __name__ == "__main__":
    unittest.main()
