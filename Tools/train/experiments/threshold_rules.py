"""Default thresholds of one model under three rules (the measurements in ../README.md, *Near-miss clips left out*
and *Two other threshold rules*): the calibrated rule with the near-miss validation clips in the false-accept
check (as before 2026-12-07), without them (the pipeline's rule now), and an exponential tail fitted to the top K
calibration events instead of a count of one. Prints one `kw=t,...` line per rule for at_defaults.py.

    PYTHONPATH=. ../../.venv/bin/python experiments/threshold_rules.py MODEL.tflite [--top 8]
"""
import argparse
import sys

import numpy as np

from earshot_train.config import FEATURES, KEYWORDS, LABELS, REFRACTORY_SECONDS, Paths
from earshot_train.features import clip_sources, extract, extract_stream
from earshot_train.train import (CALIBRATION_FA_PER_HOUR, THRESHOLD_CANDIDATES, Int8Model, choose_threshold,
                                 smoothed_max, stream_posteriors, threshold_negatives)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--top", type=int, default=8, help="calibration events the tail is fitted to")
    a = ap.parse_args()
    paths, hop_s = Paths(), FEATURES["hopLength"] / FEATURES["sampleRate"]
    m = Int8Model(a.model, reference=False)
    xva, yva = extract(paths, "val")
    pq, sources = m.predict(xva), clip_sources(paths, "val")

    def runs(files):
        out, hours = [], 0.0
        for f in files:
            x = extract_stream(paths, f)
            hours += len(x) * hop_s / 3600
            out.append(stream_posteriors(m, x))
        return out, hours
    tune, tune_h = runs([l.split(",")[0] for l in (paths.splits / "tune_streams.txt").read_text().splitlines() if l])
    cal, cal_h = runs(sorted(str(p) for p in (paths.cache / "calib").glob("calib_*.wav")))
    rules = {"near-misses-in-check": {}, "near-misses-left-out": {}, "exponential-tail": {}}
    for k, kw in enumerate(KEYWORDS):
        c = LABELS.index(kw)
        # the pipeline's rule (train.choose_threshold), with and without the near-miss clips in the validation check
        for name, src in (("near-misses-in-check", None), ("near-misses-left-out", sources)):
            rules[name][kw] = choose_threshold(kw, threshold_negatives(pq, yva, c, src), tune, tune_h, cal, cal_h, hop_s)
        # tail: peak smoothed score of each calibration event (runs above 0.3 joined within the refractory time),
        # an exponential fitted to the top ones in logit space, solved for CALIBRATION_FA_PER_HOUR; the same
        # validation and tuning checks as floors
        peaks = []
        for p, e in cal:
            sm, t = smoothed_max(p)[:, k], e * hop_s
            on = np.flatnonzero(sm >= 0.3)
            if len(on):
                cuts = np.flatnonzero(np.diff(t[on]) >= REFRACTORY_SECONDS) + 1
                peaks += [float(sm[g].max()) for g in np.split(on, cuts)]
        q = np.clip(peaks, 1e-6, 1 - 1e-6)
        s = np.sort(np.log(q / (1 - q)))[::-1]
        kk = min(a.top, len(s))
        tail = 0.0
        if kk >= 2:
            beta = max(float(np.mean(s[:kk - 1] - s[kk - 1])), 0.05)
            tail = 1 / (1 + np.exp(-(s[kk - 1] + beta * np.log(kk / (cal_h * CALIBRATION_FA_PER_HOUR)))))
        floor = choose_threshold(kw, threshold_negatives(pq, yva, c, sources), tune, tune_h, [], 0.0, hop_s)
        rules["exponential-tail"][kw] = next((float(t) for t in THRESHOLD_CANDIDATES if t >= max(tail, floor)),
                                             float(THRESHOLD_CANDIDATES[-1]))
    for name, th in rules.items():
        print(f"{name}: " + ",".join(f"{kw}={t}" for kw, t in th.items()))


if __name__ == "__main__":
    sys.exit(main())
