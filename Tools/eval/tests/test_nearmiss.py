"""Near-miss phrases: which fire the keyword they imitate at a threshold, for swept and per-run systems,
and the report's table."""
import json
import os
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from earshot_eval.metrics import Detection, Instance, background_hours  # noqa: E402
from earshot_eval.nearmiss import FILE, Phrase, false_accepts  # noqa: E402
from earshot_eval.report import curves_for, write_report  # noqa: E402

PHRASES = [Phrase("computer", 3.0, 3.6, "come pewter"), Phrase("computer", 8.0, 8.5, "commuter"),
           Phrase("alexa", 13.0, 13.4, "a lexus")]


class NearMissTest(unittest.TestCase):
    def test_swept_scores(self):
        dets = [Detection(FILE, "computer", 3.9, 0.95),    # inside the 0.5 s tail of "come pewter"
                Detection(FILE, "computer", 9.2, 0.99),    # 0.7 s after "commuter": not its firing
                Detection(FILE, "alexa", 3.2, 0.99),       # another keyword: not counted for computer
                Detection("stream_00.wav", "computer", 8.2, 0.99)]  # another file
        self.assertEqual(false_accepts("computer", dets, PHRASES, 0.9, runs=False), ["come pewter"])
        self.assertEqual(false_accepts("computer", dets, PHRASES, 0.96, runs=False), [])
        self.assertEqual(false_accepts("alexa", dets, PHRASES, 0.5, runs=False), [])

    def test_runs_keep_only_their_threshold(self):
        dets = [Detection(FILE, "computer", 3.1, 0.8), Detection(FILE, "computer", 8.1, 0.9)]
        self.assertEqual(false_accepts("computer", dets, PHRASES, 0.9, runs=True), ["commuter"])
        self.assertEqual(false_accepts("computer", dets, PHRASES, 0.8, runs=True), ["come pewter"])

    def test_report_table(self):
        labels = [Instance("s.wav", "computer", 10.0 * k, 10.0 * k + 1) for k in range(1, 5)]
        bh = background_hours(7200.0, labels)
        a = [Detection("s.wav", "computer", 10.0 * k + 0.5, 0.9) for k in range(1, 5)]
        sa = {"name": "A", "description": "a", "keywords": ["computer"]}
        curves = {"A": curves_for(sa, a, labels, bh)}
        near = [Detection(FILE, "computer", 3.2, 0.95), Detection(FILE, "computer", 8.2, 0.5)]
        manifest = {"background_hours": bh, "total_hours": 2.0,
                    "streams": [{"file": "s.wav", "seconds": 7200.0}],
                    "keyword_instances": {"computer": 4}, "keyword_source": "test",
                    "background_speech": {"source": "test"}, "noise": {"s.wav": "none"},
                    "mixing": "none", "nearmiss": {"source": "test"}}
        with tempfile.TemporaryDirectory() as d:
            out = Path(d)
            write_report(out, manifest, [sa], curves, "run.sh --test", {"A": a}, labels,
                         near=(PHRASES, {"A": near}))
            md = (out / "report.md").read_text()
            # threshold at 1 FA/h is 0.9 (no false alarm at all): "come pewter" (0.95) fires, "commuter" not
            self.assertIn("| computer | 2 | 1 / 2 (come pewter) |", md)
            res = json.loads((out / "results.json").read_text())
            self.assertEqual(res["nearmiss"]["A"]["computer"]["fired"], ["come pewter"])
            self.assertNotIn("alexa", res["nearmiss"]["A"])  # A has no alexa model: "—", no figure

    def test_report_table_keyword_off(self):
        """A keyword whose every score is a false alarm has no 1 FA/h point: "off", not "0 / n", and no figure."""
        labels = [Instance("s.wav", "computer", 10.0 * k, 10.0 * k + 1) for k in range(1, 3)]
        bh = background_hours(1800.0, labels)  # 0.5 h: 1 FA/h allows no false alarm
        a = [Detection("s.wav", "computer", 100.0 + 10 * k, 0.99) for k in range(3)]  # all false alarms
        sa = {"name": "A", "description": "a", "keywords": ["computer"]}
        curves = {"A": curves_for(sa, a, labels, bh)}
        manifest = {"background_hours": bh, "total_hours": 0.5,
                    "streams": [{"file": "s.wav", "seconds": 1800.0}],
                    "keyword_instances": {"computer": 2}, "keyword_source": "test",
                    "background_speech": {"source": "test"}, "noise": {"s.wav": "none"},
                    "mixing": "none", "nearmiss": {"source": "test", "seconds": 60.0}}
        with tempfile.TemporaryDirectory() as d:
            out = Path(d)
            write_report(out, manifest, [sa], curves, "run.sh --test", {"A": a}, labels,
                         near=(PHRASES, {"A": []}))
            md = (out / "report.md").read_text()
            self.assertIn("| computer | 2 | off |", md)
            self.assertIn("| **all** | | — |", md)
            res = json.loads((out / "results.json").read_text())
            self.assertNotIn("computer", res.get("nearmiss", {}).get("A", {}))


if __name__ == "__main__":
    unittest.main()
