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

from earshot_eval.detectors import CommandDetector, EarshotLadderDetector, norm_keyword  # noqa: E402
from earshot_eval.metrics import Instance, background_hours, curve_from_runs, det_curve  # noqa: E402

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

    def test_earshot_ladder_runs_once_per_threshold_and_caches(self):
        # The fake stands in for `earshot score WAV --format json --threshold T --no-progress`.
        exe = Path(self.tmp.name) / "earshot"
        exe.write_text(f"#!{sys.executable}\n" + FAKE.replace("sys.argv[2]", "sys.argv[sys.argv.index('--threshold') + 1]")
                       .replace("wav, thr = sys.argv[1]", "wav, thr = sys.argv[2]"))
        exe.chmod(0o755)
        det = EarshotLadderDetector(exe, thresholds=[0.3, 0.5, 0.98])
        det.cache = Path(self.tmp.name) / "runs"
        dets = det(self.wav)
        # score = the run's threshold; each run keeps what the real detector reported at it
        self.assertEqual(sorted((d.keyword, d.time, d.score) for d in dets),
                         [("alexa", 1.2, 0.3), ("alexa", 1.2, 0.5), ("alexa", 9.0, 0.3),
                          ("smart_mirror", 5.0, 0.3), ("smart_mirror", 5.0, 0.5)])
        self.assertEqual(len(list(det.cache.iterdir())), 3)
        exe.write_text("#!/bin/sh\nexit 9\n")  # cached: the command is not run again
        self.assertEqual(len(det(self.wav)), 5)
        labels = [Instance("stream_00.wav", "alexa", 0.8, 1.1)]
        bh = background_hours(3600.0, labels)
        runs = [(t, [d for d in dets if d.score == t]) for t in det.run_params()]
        op = curve_from_runs("alexa", runs, labels, bh).miss_at(1.0)
        self.assertEqual((op.threshold, op.miss_rate, op.false_alarms), (0.5, 0.0, 0))

    def test_norm_keyword(self):
        self.assertEqual(norm_keyword("Smart Mirror"), "smart_mirror")
        self.assertEqual(norm_keyword("view-glass"), "view_glass")


if __name__ == "__main__":
    unittest.main()
