"""Self-test of the scoring: synthetic detections with a known miss rate and FA/h."""
import os
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from earshot_eval.metrics import (  # noqa: E402
    Detection, Instance, background_hours, det_curve, false_alarm_kinds, peaks_from_trace)


def _setup():
    # 10 "alexa" instances of 1 s each in a 2-hour stream: 7200 - 10 s of background.
    insts = [Instance("s.wav", "alexa", 100.0 * k, 100.0 * k + 1.0) for k in range(1, 11)]
    dets = []
    # Instances 1..8 are detected with score 0.9 (inside the word, or within 0.5 s after it).
    for k in range(1, 9):
        t = 100.0 * k + (0.5 if k % 2 else 1.4)
        dets.append(Detection("s.wav", "alexa", t, 0.9))
    # Instance 9 detected only 0.6 s after its end -> too late: a miss plus a false alarm.
    dets.append(Detection("s.wav", "alexa", 900.0 + 1.6, 0.95))
    # Instance 10 detected with a low score 0.3.
    dets.append(Detection("s.wav", "alexa", 1000.5, 0.3))
    # Duplicate firing inside instance 1's window: a false alarm.
    dets.append(Detection("s.wav", "alexa", 101.2, 0.5))
    # Background false alarms with scores 0.2, 0.4, 0.8.
    for t, s in [(50.0, 0.2), (2000.0, 0.4), (5000.0, 0.8)]:
        dets.append(Detection("s.wav", "alexa", t, s))
    # A detection in another file and another keyword's detection must not count as hits.
    dets.append(Detection("other.wav", "alexa", 100.5, 0.99))
    dets.append(Detection("s.wav", "computer", 200.5, 0.99))
    return insts, dets


class MetricsTest(unittest.TestCase):
    def test_background_hours(self):
        insts, _ = _setup()
        self.assertAlmostEqual(background_hours(7200.0, insts), (7200.0 - 10.0) / 3600.0)

    def test_counts_at_thresholds(self):
        insts, dets = _setup()
        bh = background_hours(7200.0, insts)
        c = det_curve("alexa", dets, insts, bh)
        self.assertEqual(c.n_instances, 10)

        def at(t):
            i = int(np.searchsorted(c.thresholds, t))
            self.assertAlmostEqual(c.thresholds[i], t)
            return c.miss_rate[i], int(c.false_alarms[i])

        # t = 0.2: all 15 alexa detections kept; 9 instances hit (1-8 and 10).
        # False alarms: late one (0.95), duplicate (0.5), background x3, other file -> 6.
        self.assertEqual(at(0.2), (0.1, 6))
        # t = 0.5: instance 10 (0.3) missed; FA: 0.95, 0.5, 0.8, other-file 0.99 -> 4.
        self.assertEqual(at(0.5), (0.2, 4))
        # t = 0.9: hits 1-8; FA: 0.95 and 0.99 -> 2.
        self.assertEqual(at(0.9), (0.2, 2))
        # t = 0.95: no hits; FA: 0.95, 0.99.
        self.assertEqual(at(0.95), (1.0, 2))
        # Above every score: nothing fires.
        self.assertEqual(c.miss_rate[-1], 1.0)
        self.assertEqual(c.false_alarms[-1], 0)
        np.testing.assert_allclose(c.fa_per_hour, c.false_alarms / bh)

    def test_operating_points(self):
        insts, dets = _setup()
        bh = background_hours(7200.0, insts)
        c = det_curve("alexa", dets, insts, bh)
        # 1 FA/h allows <= 1.997 false alarms -> 2 FA at t = 0.9 -> 2 > 1.997, so t must rise:
        op = c.miss_at(1.0)
        self.assertEqual(op.false_alarms, 1)
        self.assertAlmostEqual(op.miss_rate, 1.0)
        # 2.5 FA/h allows 4.99 false alarms -> first reached at t = 0.5 (4 FA), miss 0.2.
        op3 = c.miss_at(2.5)
        self.assertAlmostEqual(op3.miss_rate, 0.2)
        self.assertEqual(op3.false_alarms, 4)
        self.assertAlmostEqual(op3.threshold, 0.5)
        self.assertFalse(op3.bound_only)
        # Generous target: reached at the lowest threshold -> only an upper bound.
        self.assertTrue(c.miss_at(100.0).bound_only)
        self.assertAlmostEqual(c.miss_at(100.0).miss_rate, 0.1)

    def test_no_detections(self):
        insts, _ = _setup()
        c = det_curve("alexa", [], insts, 2.0)
        self.assertEqual(c.miss_at(1.0).miss_rate, 1.0)
        self.assertEqual(c.miss_at(1.0).false_alarms, 0)

    def test_false_alarm_kinds(self):
        insts = [Instance("s.wav", "alexa", 10.0, 11.0), Instance("s.wav", "computer", 20.0, 21.0)]
        dets = [Detection("s.wav", "alexa", 11.2, 0.9),   # hit
                Detection("s.wav", "alexa", 12.2, 0.9),   # repeat 1 s later
                Detection("s.wav", "alexa", 20.8, 0.9),   # on "computer"
                Detection("s.wav", "alexa", 40.0, 0.9),   # background
                Detection("s.wav", "alexa", 50.0, 0.1)]   # below threshold
        self.assertEqual(false_alarm_kinds("alexa", dets, insts, 0.5),
                         {"repeat": 1, "other_keyword": 1, "background": 1})

    def test_peaks_from_trace(self):
        t = np.arange(0, 10, 0.1)
        s = np.zeros_like(t)
        s[20], s[22], s[50], s[80] = 0.9, 0.7, 0.4, 0.1
        peaks = peaks_from_trace(t, s, floor=0.2, refractory=1.0)
        self.assertEqual([(round(a, 1), b) for a, b in peaks], [(2.0, 0.9), (5.0, 0.4)])


if __name__ == "__main__":
    unittest.main()
