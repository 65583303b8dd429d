"""Block bootstrap: with every stretch taken once it gives the DET curves' own figures (swept and per-run systems,
random streams); paired draws of a system with itself differ by nothing; a system that finds more is better."""
import json
import math
import os
import sys
import tempfile
import unittest
from pathlib import Path

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from earshot_eval.bootstrap import (average_miss, block_table, interval, load, main, paired,  # noqa: E402
                                   paired_groups)
from earshot_eval.metrics import Detection, Instance, background_hours, curve_from_runs, det_curve  # noqa: E402

KWS = ["alexa", "jarvis"]


def _world(seed: int, n_files: int = 3, seconds: float = 1800.0):
    """Random streams: instances of two keywords, detections near some of them (sometimes twice, sometimes late)
    and on background, scores from a ladder."""
    rng = np.random.default_rng(seed)
    secs = {f"s{i}.wav": float(seconds * rng.uniform(0.5, 1.0)) for i in range(n_files)}
    insts, dets = [], []
    for f, sec in secs.items():
        t = 5.0
        while t < sec - 10:
            kw = KWS[rng.integers(2)]
            d = rng.uniform(0.4, 1.0)
            insts.append(Instance(f, kw, t, t + d))
            for _ in range(rng.integers(0, 3)):
                dets.append(Detection(f, kw, t + rng.uniform(-0.3, d + 1.0), float(np.round(rng.uniform(0.3, 1), 2))))
            t += d + rng.uniform(20, 120)
        for _ in range(rng.integers(5, 40)):
            dets.append(Detection(f, KWS[rng.integers(2)], float(rng.uniform(0, sec)),
                                  float(np.round(rng.uniform(0.3, 1), 2))))
    return secs, insts, dets


class BootstrapTest(unittest.TestCase):
    def test_all_stretches_once_is_the_swept_curves_figure(self):
        for seed in range(6):
            secs, insts, dets = _world(seed)
            bg = background_hours(sum(secs.values()), insts)
            for block in (60.0, 300.0, 10_000.0):
                tab = block_table(KWS, dets, insts, secs, None, block)
                self.assertAlmostEqual(tab.bg_seconds.sum() / 3600, bg, places=9)
                for target in (1.0, 0.1, 10.0):
                    want = np.mean([det_curve(k, dets, insts, bg).miss_at(target).miss_rate for k in KWS])
                    self.assertAlmostEqual(average_miss(tab, target), want, places=12, msg=(seed, block, target))

    def test_all_stretches_once_is_the_per_run_curves_figure(self):
        ladder = [round(0.3 + 0.05 * i, 2) for i in range(15)]
        for seed in range(6):
            secs, insts, dets = _world(seed + 10)
            runs = [(p, [Detection(d.file, d.keyword, d.time, p) for d in dets if d.score >= p]) for p in ladder]
            flat = [d for _, ds in runs for d in ds]
            bg = background_hours(sum(secs.values()), insts)
            tab = block_table(KWS, flat, insts, secs, ladder, 300.0)
            for target in (1.0, 0.1, 5.0):
                want = np.mean([curve_from_runs(k, runs, insts, bg).miss_at(target).miss_rate for k in KWS])
                self.assertAlmostEqual(average_miss(tab, target), want, places=12, msg=(seed, target))

    def test_paired_with_itself_is_zero_and_a_better_system_wins(self):
        secs, insts, dets = _world(3, seconds=3600.0)
        a = block_table(KWS, dets, insts, secs)
        same = paired(a, a, 1.0, reps=200)
        self.assertEqual((same["difference"], same["low"], same["high"], same["b_better"]), (0.0, 0.0, 0.0, 0.0))
        # b: a's background detections only, and every instance found once above every other score: at every
        # threshold at least a's hits and at most its false alarms
        bg_only = [d for d in dets if not any(i.file == d.file and i.keyword == d.keyword and i.start <= d.time
                                              <= i.end + 0.5 for i in insts)]
        extra = [Detection(i.file, i.keyword, i.start + 0.1, 1.5) for i in insts]
        b = block_table(KWS, bg_only + extra, insts, secs)
        p = paired(a, b, 1.0, reps=200)
        self.assertLessEqual(p["high"], 0.0)
        self.assertGreater(p["b_better"], 0.5)
        lo, hi = interval(a, 1.0, reps=200)
        self.assertLessEqual(lo, hi)
        self.assertTrue(0.0 <= lo <= 1.0 and 0.0 <= hi <= 1.0)

    def test_groups_of_one_are_the_paired_comparison_and_seeds_count(self):
        secs, insts, dets = _world(6, seconds=3600.0)
        rng = np.random.default_rng(0)

        def jitter(ds):  # another "training": the same detections with other scores
            return [Detection(d.file, d.keyword, d.time, float(np.round(np.clip(d.score + rng.normal(0, 0.1), 0.3, 1), 2)))
                    for d in ds]
        a, b = block_table(KWS, dets, insts, secs), block_table(KWS, jitter(dets), insts, secs)
        for target in (1.0, 0.1):
            g, p = paired_groups([a], [b], target, reps=100), paired(a, b, target, reps=100)
            for k in ("difference", "low", "high", "b_better", "b_worse"):
                self.assertAlmostEqual(g[k], p[k], places=12, msg=(k, target))
        # the point difference is the difference of the groups' means; a group of copies is the one network
        more = [block_table(KWS, jitter(dets), insts, secs) for _ in range(2)]
        g = paired_groups([a], [b] + more, 1.0, reps=50)
        want = np.mean([average_miss(t, 1.0) for t in [b] + more]) - average_miss(a, 1.0)
        self.assertAlmostEqual(g["difference"], want, places=12)
        self.assertEqual(len(g["b"]), 3)
        same = paired_groups([a, a, a], [a], 1.0, reps=50)
        self.assertEqual((same["difference"], same["low"], same["high"], same["b_better"], same["b_worse"]),
                         (0.0, 0.0, 0.0, 0.0, 0.0))
        # trainings are drawn too: a group that holds the first network itself draws only it in about a quarter
        # of the draws (a difference of exactly zero), so it is never sure to differ
        wide = paired_groups([a], [a, b], 0.1, reps=400)
        self.assertTrue(wide["low"] <= 0.0 <= wide["high"], wide)
        self.assertLessEqual(wide["b_better"] + wide["b_worse"], 0.85)
        with self.assertRaises(ValueError):
            paired_groups([a], [block_table(KWS, dets, insts, {f: s + 600 for f, s in secs.items()})], 1.0, reps=5)
        with self.assertRaises(ValueError):
            paired_groups([], [a], 1.0, reps=5)

    def test_other_streams_refused(self):
        secs, insts, dets = _world(4)
        a = block_table(KWS, dets, insts, secs)
        b = block_table(KWS, dets, insts, {f: s + 600 for f, s in secs.items()})
        with self.assertRaises(ValueError):
            paired(a, b, 1.0, reps=10)

    def test_cli_reads_an_evaluation_folder_and_names_a_missing_one(self):
        secs, insts, dets = _world(5)
        ladder = [0.3, 0.5, 0.7, 0.9]
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            sd, rd = tmp / "streams", tmp / "res"
            sd.mkdir()
            (rd / "detections").mkdir(parents=True)
            (sd / "manifest.json").write_text(json.dumps({"streams": [{"file": f, "seconds": s}
                                                                      for f, s in secs.items()]}))
            (sd / "labels.csv").write_text("file,keyword,start,end\n" + "".join(
                f"{i.file},{i.keyword},{i.start},{i.end}\n" for i in insts))
            with open(rd / "detections" / "earshot.jsonl", "w") as fh:
                for p in ladder:
                    for d in dets:
                        if d.score >= p:
                            fh.write(json.dumps({"file": d.file, "keyword": d.keyword, "time": d.time,
                                                 "score": p}) + "\n")
            (rd / "results.json").write_text(json.dumps({"systems": {"earshot": {k: {} for k in KWS + ["average"]}},
                                                         "run_params": {"earshot": ladder}}))
            tab = load(rd, sd)
            self.assertEqual(tab.keywords, KWS)
            self.assertTrue(all(math.isinf(t[-1]) and len(t) == len(ladder) + 1 for t in tab.thresholds))
            self.assertEqual(main([str(rd), str(rd), "--streams", str(sd), "--reps", "20"]), 0)
            self.assertEqual(main([str(rd), f"{rd}:earshot", "--streams", str(sd), "--keywords", "jarvis",
                                   "--reps", "20"]), 0)
            self.assertEqual(main([str(rd), str(rd), "--against", str(rd), "--streams", str(sd), "--reps", "20"]), 0)
            self.assertEqual(main([str(rd), "--against", str(tmp / "nowhere"), "--streams", str(sd)]), 1)
            self.assertEqual(load(rd, sd, keywords=["jarvis"]).keywords, ["jarvis"])
            self.assertEqual(main([str(tmp / "nowhere"), "--streams", str(sd)]), 1)
            self.assertEqual(main([f"{rd}:nosuch", "--streams", str(sd)]), 1)
            self.assertEqual(main([str(rd), "--streams", str(sd), "--keywords", "snowboy"]), 1)


if __name__ == "__main__":
    unittest.main()
