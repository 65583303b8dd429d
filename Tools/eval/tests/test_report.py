"""The report on synthetic curves: table values, PNG and JSON written."""
import json
import os
import sys
import tempfile
import unittest
from pathlib import Path

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from earshot_eval.metrics import Detection, Instance, background_hours  # noqa: E402
from earshot_eval.report import curves_for, write_report  # noqa: E402


class ReportTest(unittest.TestCase):
    def test_report_files_and_numbers(self):
        labels = [Instance("s.wav", "alexa", 10.0 * k, 10.0 * k + 1) for k in range(1, 5)]
        total = 7200.0
        bh = background_hours(total, labels)
        # system A: 3 hits at 0.9, one at 0.3, a background FA at 0.5 (~2 h of background):
        # 1 FA/h allows that FA -> miss 0; 1 FA/10 h allows none -> t = 0.9, miss 25 %.
        a = [Detection("s.wav", "alexa", 10.0 * k + 0.5, 0.9) for k in range(1, 4)]
        a.append(Detection("s.wav", "alexa", 3000.0, 0.5))
        a.append(Detection("s.wav", "alexa", 40.2, 0.3))  # instance 4, weakly
        # system B (runs): run -30 hits 4 with 5 FAs, run -20 hits 2 with 0 FA.
        b = [Detection("s.wav", "alexa", 10.0 * k + 0.5, -30.0) for k in range(1, 5)]
        b += [Detection("s.wav", "alexa", 1000.0 + 100 * i, -30.0) for i in range(5)]
        b += [Detection("s.wav", "alexa", 10.0 * k + 0.5, -20.0) for k in range(1, 3)]
        sa = {"name": "A", "description": "a", "keywords": ["alexa"]}
        sb = {"name": "B", "description": "b", "keywords": ["alexa"], "runs": True,
              "run_params": [-30.0, -20.0]}
        curves = {"A": curves_for(sa, a, labels, bh), "B": curves_for(sb, b, labels, bh)}
        manifest = {"background_hours": bh, "total_hours": total / 3600,
                    "streams": [{"file": "s.wav", "seconds": total}],
                    "keyword_instances": {"alexa": 4}, "keyword_source": "test",
                    "background_speech": {"source": "test"}, "noise": {"s.wav": "none"},
                    "mixing": "none"}
        with tempfile.TemporaryDirectory() as d:
            out = Path(d)
            summary = write_report(out, manifest, [sa, sb], curves, "run.sh --test")
            self.assertTrue((out / "det.png").stat().st_size > 10_000)
            self.assertTrue((out / "det.svg").exists())
            res = json.loads((out / "results.json").read_text())
            self.assertAlmostEqual(res["systems"]["A"]["alexa"]["miss_at_1_fa_per_h"], 0.0)
            self.assertAlmostEqual(res["systems"]["A"]["alexa"]["miss_at_0.1_fa_per_h"], 0.25)
            self.assertAlmostEqual(res["systems"]["B"]["alexa"]["miss_at_1_fa_per_h"], 0.5)
            self.assertAlmostEqual(res["systems"]["B"]["alexa"]["miss_at_0.1_fa_per_h"], 0.5)
            md = (out / "report.md").read_text()
            self.assertIn("| alexa | 4 |", md)
            self.assertIn("run.sh --test", summary)

    def test_per_stream_counts_add_up_to_the_det_point(self):
        labels = [Instance("a.wav", "alexa", 10.0, 11.0), Instance("a.wav", "alexa", 20.0, 21.0),
                  Instance("b.wav", "alexa", 10.0, 11.0), Instance("b.wav", "alexa", 20.0, 21.0)]
        total = 7200.0
        bh = background_hours(total, labels)
        dets = [Detection("a.wav", "alexa", 10.5, 0.9),   # hit
                Detection("a.wav", "alexa", 10.8, 0.9),   # second firing on one instance: a false alarm
                Detection("a.wav", "alexa", 20.4, 0.4),   # hit only at low thresholds
                Detection("b.wav", "alexa", 11.3, 0.8),   # within 0.5 s after the end: hit
                Detection("b.wav", "alexa", 500.0, 0.95),  # background false alarm
                Detection("b.wav", "alexa", 21.7, 0.9)]   # 0.7 s after the end: a miss and a false alarm
        from earshot_eval.metrics import per_stream
        got = per_stream("alexa", dets, labels, 0.5, runs=False)
        self.assertEqual(got["a.wav"], {"instances": 2, "misses": 1, "false_alarms": 1})
        self.assertEqual(got["b.wav"], {"instances": 2, "misses": 1, "false_alarms": 2})
        curve = curves_for({"name": "A", "keywords": ["alexa"]}, dets, labels, bh)["alexa"]
        i = int(np.searchsorted(curve.thresholds, 0.5))
        self.assertEqual(sum(r["misses"] for r in got.values()), round(curve.miss_rate[i] * 4))
        self.assertEqual(sum(r["false_alarms"] for r in got.values()), int(curve.false_alarms[i]))
        # a system run once per threshold keeps only that run's detections
        runs = [Detection("a.wav", "alexa", 10.5, 0.5), Detection("a.wav", "alexa", 20.5, 0.7)]
        self.assertEqual(per_stream("alexa", runs, labels, 0.5, runs=True)["a.wav"]["misses"], 1)
        manifest = {"background_hours": bh, "total_hours": total / 3600,
                    "streams": [{"file": "a.wav", "seconds": 3600.0}, {"file": "b.wav", "seconds": 3600.0}],
                    "keyword_instances": {"alexa": 4}, "keyword_source": "test",
                    "background_speech": {"source": "test"}, "noise": {"a.wav": "pink (1/f) noise",
                                                                     "b.wav": "babble: 6 talkers"},
                    "mixing": "none"}
        sa = {"name": "A", "description": "a", "keywords": ["alexa"]}
        with tempfile.TemporaryDirectory() as d:
            write_report(Path(d), manifest, [sa], {"A": {"alexa": curve}}, "run.sh --test", {"A": dets}, labels)
            md = (Path(d) / "report.md").read_text()
            res = json.loads((Path(d) / "results.json").read_text())
        self.assertIn("## Misses and false alarms per stream", md)
        self.assertIn("| b.wav | babble |", md)
        self.assertEqual(res["stream_noise"], {"a.wav": "pink (1/f) noise", "b.wav": "babble"})
        per = res["per_stream"]["A"]
        for tag in ("1_fa_per_h", "0.1_fa_per_h"):
            n = res["systems"]["A"]["alexa"][f"miss_at_{tag}"] * 4
            self.assertEqual(sum(r["misses"] for r in per[tag].values()), round(n))
            self.assertEqual(sum(r["false_alarms"] for r in per[tag].values()),
                             res["systems"]["A"]["alexa"][f"fa_at_{tag}"])
        # the averages carry 95 % bootstrap intervals that hold them, and the run parameters the CLI needs
        self.assertIn("**How sure the averages are**", md)
        self.assertEqual(res["run_params"], {"A": None})
        for tag in ("1_fa_per_h", "0.1_fa_per_h"):
            lo, hi = res["systems"]["A"]["average"][f"interval95_{tag}"]
            self.assertTrue(0.0 <= lo <= hi <= 1.0)


if __name__ == "__main__":
    unittest.main()
