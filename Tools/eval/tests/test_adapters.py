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

    def test_earshot_sweep_runs_once_for_all_streams_and_caches(self):
        # The fake stands in for `earshot score WAV... --format json --sweep T1,T2,... --no-progress`:
        # one process for every stream, each detection stamped with the threshold it fired at.
        exe = Path(self.tmp.name) / "earshot"
        calls = Path(self.tmp.name) / "calls"
        exe.write_text(f"#!{sys.executable}\n" + r'''
import json, sys
a = sys.argv[2:]
ladder = [float(t) for t in a[a.index("--sweep") + 1].split(",")]
wavs = [x for x in a[:a.index("--format")]]
open(CALLS, "a").write(" ".join(wavs) + "\\n")
rows = [("alexa", 1.2, 0.97), ("smart mirror", 5.0, 0.6), ("alexa", 8.0, 0.02), ("alexa", 9.0, 0.4)]
for w in wavs:
    for t in ladder:
        for k, tm, s in rows:
            if s >= t:
                print(json.dumps({"file": w, "keyword": k, "time": tm, "score": s, "keyword_end": tm, "threshold": t}))
'''.replace("CALLS", repr(str(calls))))
        exe.chmod(0o755)
        wav2 = Path(self.tmp.name) / "stream_01.wav"
        sf.write(str(wav2), np.zeros(16000 * 5, np.int16), 16000, subtype="PCM_16")
        det = EarshotLadderDetector(exe, thresholds=[0.3, 0.5, 0.98])
        det.cache = Path(self.tmp.name) / "runs"
        det.prepare([self.wav, wav2])
        self.assertEqual(len(calls.read_text().splitlines()), 1)  # one process for both streams
        dets = det(self.wav)
        # score = the detector's threshold; each keeps what the real detector reported at it
        self.assertEqual(sorted((d.file, d.keyword, d.time, d.score) for d in dets),
                         [("stream_00.wav", "alexa", 1.2, 0.3), ("stream_00.wav", "alexa", 1.2, 0.5),
                          ("stream_00.wav", "alexa", 9.0, 0.3),
                          ("stream_00.wav", "smart_mirror", 5.0, 0.3), ("stream_00.wav", "smart_mirror", 5.0, 0.5)])
        self.assertEqual({d.file for d in det(wav2)}, {"stream_01.wav"})
        self.assertEqual(len(list(det.cache.iterdir())), 2)
        exe.write_text("#!/bin/sh\nexit 9\n")  # cached: the command is not run again
        det2 = EarshotLadderDetector(exe, thresholds=[0.3, 0.5, 0.98])
        det2.cache = det.cache
        det2.prepare([self.wav, wav2])
        self.assertEqual(len(det2(self.wav)), 5)
        labels = [Instance("stream_00.wav", "alexa", 0.8, 1.1)]
        bh = background_hours(3600.0, labels)
        runs = [(t, [d for d in dets if d.score == t]) for t in det.run_params()]
        op = curve_from_runs("alexa", runs, labels, bh).miss_at(1.0)
        self.assertEqual((op.threshold, op.miss_rate, op.false_alarms), (0.5, 0.0, 0))

    def test_earshot_sweep_failure_names_the_command(self):
        exe = Path(self.tmp.name) / "earshot"
        exe.write_text("#!/bin/sh\necho 'model.tflite: not a TFLite flatbuffer' >&2\nexit 2\n")
        exe.chmod(0o755)
        det = EarshotLadderDetector(exe, thresholds=[0.5])
        with self.assertRaisesRegex(RuntimeError, "exited 2: model.tflite: not a TFLite flatbuffer"):
            det(self.wav)

    def test_norm_keyword(self):
        self.assertEqual(norm_keyword("Smart Mirror"), "smart_mirror")
        self.assertEqual(norm_keyword("view-glass"), "view_glass")


if __name__ == "__main__":
    unittest.main()
