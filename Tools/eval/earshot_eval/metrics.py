"""Matching detections to labelled keyword instances and DET curves from a threshold sweep.

A detection is (file, keyword, time, score). At a threshold t only detections with score >= t
are kept. For keyword k, a kept detection is a hit when it falls inside [start, end + tail] of a
k instance in the same file; each instance can be hit at most once, and every other kept
detection of k (outside all k windows, or a second one inside a window) is a false alarm.

Because an instance is hit at t exactly when its best in-window score is >= t, the counts have
a closed form that is exact for every threshold:
    hits(t)         = #instances whose best in-window score >= t
    false_alarms(t) = #detections with score >= t  -  hits(t)
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Iterable, Sequence

import numpy as np

TAIL_SECONDS = 0.5


@dataclass(frozen=True)
class Detection:
    """One detector firing: stream file (basename), keyword, time in seconds, score."""
    file: str
    keyword: str
    time: float
    score: float


@dataclass(frozen=True)
class Instance:
    """One labelled keyword occurrence in a stream: [start, end] seconds."""
    file: str
    keyword: str
    start: float
    end: float


@dataclass
class DetCurve:
    """DET curve for one keyword of one system (thresholds ascending)."""
    keyword: str
    thresholds: np.ndarray
    miss_rate: np.ndarray
    false_alarms: np.ndarray
    fa_per_hour: np.ndarray
    n_instances: int
    background_hours: float
    n_detections: int = 0
    lowest_threshold: float = float("nan")
    is_runs: bool = False

    def miss_at(self, fa_per_hour: float) -> "OperatingPoint":
        """Lowest miss rate among thresholds whose FA/h is <= the target (step curve, no interpolation)."""
        ok = np.nonzero(self.fa_per_hour <= fa_per_hour + 1e-12)[0]
        # For a swept threshold miss rate rises with t, so this is the lowest passing threshold;
        # for curves made of separate runs (not monotone) it is the best passing run.
        i = int(ok[int(np.argmin(self.miss_rate[ok]))])
        return OperatingPoint(
            keyword=self.keyword,
            target_fa_per_hour=fa_per_hour,
            threshold=float(self.thresholds[i]),
            miss_rate=float(self.miss_rate[i]),
            false_alarms=int(self.false_alarms[i]),
            fa_per_hour=float(self.fa_per_hour[i]),
            # If the very lowest swept threshold already meets the target, a lower one might
            # do better: the figure is then only an upper bound on the miss rate.
            bound_only=(i == 0 and self.n_detections > 0),
            above_all=(i == len(self.thresholds) - 1),
        )


@dataclass(frozen=True)
class OperatingPoint:
    """Miss rate read off a DET curve at a target false-alarm rate."""
    keyword: str
    target_fa_per_hour: float
    threshold: float
    miss_rate: float
    false_alarms: int
    fa_per_hour: float
    bound_only: bool = False
    above_all: bool = False  # the threshold had to go above every reported score


def background_hours(total_seconds: float, instances: Sequence[Instance]) -> float:
    """Hours of stream that are not keyword speech: total minus every labelled instance span."""
    kw = sum(max(0.0, i.end - i.start) for i in instances)
    return max(0.0, total_seconds - kw) / 3600.0


def window_owners(detections: Sequence[Detection], instances: Sequence[Instance],
                  tail: float = TAIL_SECONDS) -> list[int]:
    """For each detection, the index in `instances` of the window [start, end + tail] of its file that holds it, or
    -1: a detection belongs to at most one window, the earliest one (callers pass one keyword's of each)."""
    by_file: dict[str, list[tuple[float, float, int]]] = {}
    for idx, ins in enumerate(instances):
        by_file.setdefault(ins.file, []).append((ins.start, ins.end + tail, idx))
    for lst in by_file.values():
        lst.sort()
    out = []
    for d in detections:
        owner = -1
        for (s, e, idx) in by_file.get(d.file, ()):
            if s > d.time:
                break
            if d.time <= e:
                owner = idx
                break
        out.append(owner)
    return out


def det_curve(
    keyword: str,
    detections: Iterable[Detection],
    instances: Sequence[Instance],
    background_hours: float,
    tail: float = TAIL_SECONDS,
) -> DetCurve:
    """Exact DET curve for one keyword over all distinct detection scores (+ one above the max)."""
    if background_hours <= 0:
        raise ValueError("background duration must be positive to compute false alarms per hour")
    dets = [d for d in detections if d.keyword == keyword and math.isfinite(d.score)]
    insts = [i for i in instances if i.keyword == keyword]
    n_inst = len(insts)

    # Best score inside each instance window.
    best = np.full(n_inst, -np.inf)
    for d, idx in zip(dets, window_owners(dets, insts, tail)):
        if idx >= 0 and d.score > best[idx]:
            best[idx] = d.score

    scores = np.sort(np.array([d.score for d in dets], dtype=float))
    best_sorted = np.sort(best)
    if scores.size:
        top = scores[-1]
        thresholds = np.unique(np.concatenate([scores, [np.nextafter(top, np.inf)]]))
    else:
        thresholds = np.array([np.inf])
    n_ge = scores.size - np.searchsorted(scores, thresholds, side="left")
    hits = n_inst - np.searchsorted(best_sorted, thresholds, side="left")
    fa = n_ge - hits
    miss = (n_inst - hits) / n_inst if n_inst else np.full(thresholds.shape, np.nan)
    return DetCurve(
        keyword=keyword,
        thresholds=thresholds,
        miss_rate=miss,
        false_alarms=fa,
        fa_per_hour=fa / background_hours,
        n_instances=n_inst,
        background_hours=background_hours,
        n_detections=len(dets),
        lowest_threshold=float(thresholds[0]),
    )


def peaks_from_trace(times: np.ndarray, scores: np.ndarray, floor: float,
                     refractory: float = 1.0) -> list[tuple[float, float]]:
    """Turn a per-frame score trace into detections: local maxima >= floor, greedy non-maximum
    suppression so no two kept peaks are closer than `refractory` seconds (like a detector's
    refractory period). Returns (time, score) pairs sorted by time."""
    times = np.asarray(times, dtype=float)
    scores = np.asarray(scores, dtype=float)
    cand = np.nonzero(scores >= floor)[0]
    if cand.size == 0:
        return []
    order = cand[np.argsort(-scores[cand], kind="stable")]
    kept_times: list[float] = []
    out: list[tuple[float, float]] = []
    import bisect
    for i in order:
        t = times[i]
        j = bisect.bisect_left(kept_times, t)
        if j < len(kept_times) and kept_times[j] - t < refractory:
            continue
        if j > 0 and t - kept_times[j - 1] < refractory:
            continue
        kept_times.insert(j, t)
        out.append((float(t), float(scores[i])))
    out.sort()
    return out


def curve_from_runs(keyword: str, runs: Sequence[tuple[float, Sequence[Detection]]],
                    instances: Sequence[Instance], background_hours: float,
                    tail: float = TAIL_SECONDS) -> DetCurve:
    """DET points for a detector run once per setting (e.g. PocketSphinx kws_threshold):
    each run's detections are all kept; the run parameter is stored as the threshold.
    A final point with nothing detected (miss 1, no false alarm) closes the curve."""
    ths, miss, fa = [], [], []
    n_inst = sum(1 for i in instances if i.keyword == keyword)
    n_det = 0
    for param, dets in sorted(runs, key=lambda r: r[0]):
        c = det_curve(keyword, dets, instances, background_hours, tail)
        ths.append(param)
        miss.append(float(c.miss_rate[0]))
        fa.append(int(c.false_alarms[0]))
        n_det += c.n_detections
    ths.append(np.inf)
    miss.append(1.0 if n_inst else np.nan)
    fa.append(0)
    fa_arr = np.array(fa)
    return DetCurve(keyword=keyword, thresholds=np.array(ths, dtype=float),
                    miss_rate=np.array(miss), false_alarms=fa_arr,
                    fa_per_hour=fa_arr / background_hours, n_instances=n_inst,
                    background_hours=background_hours, n_detections=n_det,
                    lowest_threshold=float(ths[0]), is_runs=True)


def false_alarm_kinds(keyword: str, detections: Iterable[Detection], instances: Sequence[Instance],
                      threshold: float, tail: float = TAIL_SECONDS) -> dict[str, int]:
    """Classify the false alarms of `keyword` at `threshold`: 'repeat' (a further firing within
    3 s after an instance of the same keyword, e.g. a refractory period shorter than the model's
    window), 'other_keyword' (on or just after another keyword's instance), 'background'."""
    kept = sorted((d for d in detections if d.keyword == keyword and d.score >= threshold),
                  key=lambda d: (d.file, d.time))
    used: set[int] = set()
    kinds = {"repeat": 0, "other_keyword": 0, "background": 0}
    insts = list(instances)
    for d in kept:
        own = [i for i, x in enumerate(insts) if x.file == d.file and x.keyword == keyword
               and x.start <= d.time <= x.end + tail]
        if own and own[0] not in used:
            used.add(own[0])
            continue
        if own or any(x.file == d.file and x.keyword == keyword and x.end + tail < d.time <= x.end + 3.0
                      for x in insts):
            kinds["repeat"] += 1
        elif any(x.file == d.file and x.keyword != keyword and x.start <= d.time <= x.end + 1.0
                 for x in insts):
            kinds["other_keyword"] += 1
        else:
            kinds["background"] += 1
    return kinds


def per_stream(keyword: str, detections: Iterable[Detection], instances: Sequence[Instance], threshold: float,
               runs: bool, tail: float = TAIL_SECONDS) -> dict[str, dict[str, int]]:
    """Instances, misses and false alarms of `keyword` per stream file at one threshold: det_curve's own counts on
    each file's kept detections, so the files add up to the DET point. Kept: score >= threshold, or for systems
    run once per threshold (`runs`) that run's detections (score == threshold)."""
    insts = [i for i in instances if i.keyword == keyword]
    kept = [d for d in detections if d.keyword == keyword and math.isfinite(d.score)
            and (d.score == threshold if runs else d.score >= threshold)]
    out: dict[str, dict[str, int]] = {}
    for f in sorted({i.file for i in insts} | {d.file for d in kept}):
        c = det_curve(keyword, [d for d in kept if d.file == f], [i for i in insts if i.file == f], 1.0, tail)
        n = c.n_instances  # the curve's first point keeps every kept detection
        out[f] = {"instances": n, "misses": int(round(c.miss_rate[0] * n)) if n else 0,
                  "false_alarms": int(c.false_alarms[0])}
    return out
