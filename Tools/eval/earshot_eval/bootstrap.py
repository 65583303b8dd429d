"""How sure a miss rate is: block-bootstrap intervals for the averaged miss rate at a false-alarm target, and
paired differences between two systems scored on the same streams.

The streams are cut into stretches of BLOCK_SECONDS. Each stretch keeps its keyword instances, the hits on them
and the false alarms in it, per keyword and per threshold, scored by the rule of metrics.det_curve (a detection
belongs to the earliest instance window that holds it; a second detection there is a false alarm). A bootstrap
draw takes as many stretches as there are, with replacement, adds them up, reads each keyword's miss rate at the
lowest-miss threshold whose false alarms per hour of the drawn background meet the target (DetCurve.miss_at), and
averages the keywords. Drawing stretches, not single events, keeps neighbouring false alarms together and lets the
background hours vary as they would with other recordings; the threshold is chosen again in every draw, so the
interval covers both sides of the trade-off. With all stretches taken once the figure is the report's own.

    python -m earshot_eval.bootstrap RESULTS_DIR[:SYSTEM] [OTHER_RESULTS_DIR[:SYSTEM]] --streams STREAM_DIR
        [--keywords alexa,...]

prints each one's averaged miss rates with 95 % intervals and, given two, the paired difference (the same draws for
both).

    python -m earshot_eval.bootstrap A1 A2 ... --against B1 B2 ... --streams STREAM_DIR

compares two recipes by several trainings each (seeds): the groups' mean miss rates, with the trainings of each
group drawn with replacement in every draw as well as the stretches, so that one lucky seed does not decide. SYSTEM defaults to earshot; e.g. `eval:earshot eval:microwakeword --keywords alexa` compares two systems of
one evaluation on the keyword they share.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from .metrics import TAIL_SECONDS, Detection, Instance, window_owners

BLOCK_SECONDS = 300.0
REPS = 2000
REPORT_REPS = 1000  # the report's intervals (each draw re-reads every keyword's curve)


@dataclass
class BlockTable:
    """Per-stretch counts of one system: for keyword k, instances inst[:, k], and hits[k] and fas[k] of shape
    [stretches, thresholds of k] (the last threshold is above every score: no hit, no false alarm)."""
    keywords: list[str]
    thresholds: list[np.ndarray]
    inst: np.ndarray
    hits: list[np.ndarray]
    fas: list[np.ndarray]
    bg_seconds: np.ndarray


def _blocks(stream_seconds: dict[str, float], block_s: float) -> tuple[dict[str, int], int]:
    """First stretch index of every stream file, and the number of stretches."""
    first, n = {}, 0
    for f in sorted(stream_seconds):
        first[f] = n
        n += max(1, math.ceil(stream_seconds[f] / block_s))
    return first, n


def _block_of(first: dict[str, int], stream_seconds: dict[str, float], f: str, t: float, block_s: float) -> int:
    last = first[f] + max(1, math.ceil(stream_seconds[f] / block_s)) - 1
    return min(first[f] + max(0, int(t // block_s)), last)


def block_table(keywords: Sequence[str], detections: Sequence[Detection], instances: Sequence[Instance],
                stream_seconds: dict[str, float], run_params: Sequence[float] | None = None,
                block_s: float = BLOCK_SECONDS, tail: float = TAIL_SECONDS) -> BlockTable:
    """Counts per stretch for one system. `run_params`: the system ran once per threshold (a detection's score is
    its run's threshold, as for curve_from_runs); None: one run, swept over every distinct score (det_curve)."""
    first, nb = _blocks(stream_seconds, block_s)
    bg = np.zeros(nb)
    for f, sec in stream_seconds.items():
        for b in range(max(1, math.ceil(sec / block_s))):
            bg[first[f] + b] = min(block_s, sec - b * block_s)
    for i in instances:
        if i.file in first:
            bg[_block_of(first, stream_seconds, i.file, i.start, block_s)] -= max(0.0, i.end - i.start)
    inst = np.zeros((nb, len(keywords)), int)
    ths, hits, fas = [], [], []
    for k, kw in enumerate(keywords):
        ins = [i for i in instances if i.keyword == kw and i.file in first]
        iblock = np.array([_block_of(first, stream_seconds, i.file, i.start, block_s) for i in ins], int)
        np.add.at(inst[:, k], iblock, 1)
        dets = [d for d in detections if d.keyword == kw and d.file in first and math.isfinite(d.score)]
        owner = np.array(window_owners(dets, ins, tail), int)
        dblock = np.array([iblock[owner[j]] if owner[j] >= 0 else
                           _block_of(first, stream_seconds, d.file, d.time, block_s) for j, d in enumerate(dets)], int)
        score = np.array([d.score for d in dets], float)
        if run_params is not None:
            t = np.array(sorted(set(run_params) | set(score.tolist())) + [math.inf])
            h = np.zeros((nb, len(t)), int)
            kept = np.zeros((nb, len(t)), int)
            col = {v: c for c, v in enumerate(t)}
            for c in np.unique(score):
                sel = score == c
                j = col[float(c)]
                np.add.at(kept[:, j], dblock[sel], 1)
                got = np.unique(owner[sel & (owner >= 0)])
                np.add.at(h[:, j], iblock[got], 1)
        else:
            t = np.unique(np.concatenate([score, [math.inf]]))
            best = np.full(len(ins), -np.inf)
            for j in np.flatnonzero(owner >= 0):
                best[owner[j]] = max(best[owner[j]], score[j])
            h = np.zeros((nb, len(t)), int)
            kept = np.zeros((nb, len(t)), int)
            for b in np.unique(np.concatenate([dblock, iblock])):
                sb = np.sort(score[dblock == b])
                kept[b] = len(sb) - np.searchsorted(sb, t, side="left")
                bb = np.sort(best[iblock == b])
                h[b] = len(bb) - np.searchsorted(bb, t, side="left")
        h[:, -1] = 0
        kept[:, -1] = 0
        ths.append(t)
        hits.append(h)
        fas.append(kept - h)
    return BlockTable(list(keywords), ths, inst, hits, fas, bg)


def average_misses(tab: BlockTable, targets: Sequence[float], weights: np.ndarray | None = None) -> list[float]:
    """Averaged miss rate at each false-alarm target (per hour) over the keywords with instances, each stretch
    counted weights[b] times (default once: the report's figures)."""
    w = np.ones(len(tab.bg_seconds)) if weights is None else weights
    hours = float(w @ tab.bg_seconds) / 3600
    per = [[] for _ in targets]
    for k in range(len(tab.keywords)):
        n = float(w @ tab.inst[:, k])
        if n == 0 or hours <= 0:
            continue
        miss = 1 - (w @ tab.hits[k]) / n
        rate = (w @ tab.fas[k]) / hours
        for j, target in enumerate(targets):
            per[j].append(float(miss[rate <= target + 1e-12].min()))
    return [float(np.mean(m)) if m else math.nan for m in per]


def average_miss(tab: BlockTable, target_fa_per_hour: float, weights: np.ndarray | None = None) -> float:
    """Averaged miss rate at one false-alarm target (see average_misses)."""
    return average_misses(tab, [target_fa_per_hour], weights)[0]


def _draws(n_blocks: int, reps: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.stack([np.bincount(rng.integers(0, n_blocks, n_blocks), minlength=n_blocks) for _ in range(reps)])


def intervals(tab: BlockTable, targets: Sequence[float], reps: int = REPS, seed: int = 0,
              level: float = 0.95) -> list[tuple[float, float]]:
    """Percentile bootstrap interval of the averaged miss rate at each target."""
    vals = np.array([average_misses(tab, targets, w) for w in _draws(len(tab.bg_seconds), reps, seed)])
    q = np.nanquantile(vals, [(1 - level) / 2, (1 + level) / 2], axis=0)
    return [(float(q[0, j]), float(q[1, j])) for j in range(len(targets))]


def interval(tab: BlockTable, target_fa_per_hour: float, reps: int = REPS, seed: int = 0,
             level: float = 0.95) -> tuple[float, float]:
    """Percentile bootstrap interval of the averaged miss rate at one target."""
    return intervals(tab, [target_fa_per_hour], reps, seed, level)[0]


def paired(a: BlockTable, b: BlockTable, target_fa_per_hour: float, reps: int = REPS, seed: int = 0,
           level: float = 0.95) -> dict:
    """Averaged miss of b minus that of a on the same draws: the difference, its interval and the share of draws
    in which b misses less."""
    if len(a.bg_seconds) != len(b.bg_seconds) or not np.allclose(a.bg_seconds, b.bg_seconds):
        raise ValueError("paired bootstrap: the two systems were not scored on the same streams")
    d = np.array([average_miss(b, target_fa_per_hour, w) - average_miss(a, target_fa_per_hour, w)
                  for w in _draws(len(a.bg_seconds), reps, seed)])
    lo, hi = np.nanquantile(d, [(1 - level) / 2, (1 + level) / 2])
    return {"difference": average_miss(b, target_fa_per_hour) - average_miss(a, target_fa_per_hour),
            "low": float(lo), "high": float(hi), "b_better": float(np.mean(d < 0)), "b_worse": float(np.mean(d > 0))}


def paired_groups(a: Sequence[BlockTable], b: Sequence[BlockTable], target_fa_per_hour: float, reps: int = REPS,
                  seed: int = 0, level: float = 0.95) -> dict:
    """Mean averaged miss of group b minus that of group a, where each group holds several trainings of one recipe
    (seeds) scored on the same streams. Each draw takes the stretches as `paired` does (the same draws for every
    network) and also draws each group's networks with replacement, so the interval covers the spread between
    trainings as well as the streams'. One network per group gives `paired`'s figures."""
    tabs = list(a) + list(b)
    if not a or not b:
        raise ValueError("paired bootstrap: each group needs at least one network")
    if any(len(t.bg_seconds) != len(a[0].bg_seconds) or not np.allclose(t.bg_seconds, a[0].bg_seconds) for t in tabs):
        raise ValueError("paired bootstrap: the networks were not scored on the same streams")
    draws = _draws(len(a[0].bg_seconds), reps, seed)
    m = np.array([[average_miss(t, target_fa_per_hour, w) for t in tabs] for w in draws])  # reps × networks
    rng = np.random.default_rng(seed + 1)
    pick_a = rng.integers(0, len(a), (reps, len(a)))
    pick_b = len(a) + rng.integers(0, len(b), (reps, len(b)))
    if len(a) == 1 and len(b) == 1:  # nothing to draw among: exactly `paired`
        pick_a, pick_b = np.zeros((reps, 1), int), np.ones((reps, 1), int)
    # rounded: means of equal rates must compare equal, not better or worse by a last bit
    d = np.round(np.take_along_axis(m, pick_b, 1).mean(1) - np.take_along_axis(m, pick_a, 1).mean(1), 12)
    lo, hi = np.nanquantile(d, [(1 - level) / 2, (1 + level) / 2])
    point = [average_miss(t, target_fa_per_hour) for t in tabs]
    return {"difference": round(float(np.mean(point[len(a):]) - np.mean(point[:len(a)])), 12), "low": float(lo),
            "high": float(hi), "b_better": float(np.mean(d < 0)), "b_worse": float(np.mean(d > 0)),
            "a": point[:len(a)], "b": point[len(a):]}


def load(results_dir: Path, streams_dir: Path, system: str = "earshot",
         keywords: Sequence[str] | None = None) -> BlockTable:
    """The table of one system from an evaluation's output folder and the streams it was scored on (its keywords,
    or those of `keywords` it has)."""
    from .detectors import load_detections
    from .nearmiss import FILE as NEARMISS
    from .streams import load_labels
    manifest = json.loads((streams_dir / "manifest.json").read_text())
    seconds = {s["file"]: float(s["seconds"]) for s in manifest["streams"]}
    res = json.loads((results_dir / "results.json").read_text())
    if system not in res["systems"]:
        raise KeyError(f"{results_dir / 'results.json'}: no system {system!r}")
    kws = [k for k in res["systems"][system] if k != "average" and (keywords is None or k in keywords)]
    if not kws:
        raise ValueError(f"{results_dir}: {system} has none of the keywords {', '.join(keywords or [])}")
    dets = [d for d in load_detections(results_dir / "detections" / f"{system}.jsonl") if d.file != NEARMISS]
    params = (res.get("run_params") or {}).get(system, "absent")
    if params == "absent":  # results.json from before run_params were written: Earshot's ladder is in its run ids
        meta = json.loads((results_dir / "detections" / f"{system}.json").read_text())
        params = meta["ident"].get("ladder") if system == "earshot" else None
    return block_table(kws, dets, load_labels(streams_dir), seconds, params)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m earshot_eval.bootstrap", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("results", nargs="+", help="one or two evaluation output folders, each RESULTS_DIR[:SYSTEM]; "
                                                "with --against, the first group's (one per training seed)")
    ap.add_argument("--against", nargs="+", metavar="RESULTS_DIR[:SYSTEM]",
                    help="a second group of trainings: compares the groups' mean miss rates, drawing the trainings "
                         "of each group as well as the stretches")
    ap.add_argument("--streams", type=Path, required=True, help="the stream folder all were scored on")
    ap.add_argument("--keywords", help="comma-separated: average over these keywords only")
    ap.add_argument("--reps", type=int, default=REPS)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    if len(a.results) > 2 and not a.against:
        ap.error("at most two results folders (or two groups: A1 A2 ... --against B1 B2 ...)")
    kws = [k for k in a.keywords.split(",") if k] if a.keywords else None
    specs = [(Path(r.rsplit(":", 1)[0]), r.rsplit(":", 1)[1]) if ":" in Path(r).name else (Path(r), "earshot")
             for r in a.results + (a.against or [])]
    try:
        tabs = [load(d, a.streams, sysname, kws) for d, sysname in specs]
        if any(t.keywords != tabs[0].keywords for t in tabs):
            other = next(t for t in tabs if t.keywords != tabs[0].keywords)
            raise ValueError(f"they average different keywords ({', '.join(tabs[0].keywords)} against "
                             f"{', '.join(other.keywords)}): name the shared ones with --keywords")
    except (OSError, KeyError, ValueError) as e:
        print(f"bootstrap: {e.args[0] if isinstance(e, KeyError) and e.args else e}", file=sys.stderr)
        return 1
    if a.against:
        n = len(a.results)
        for target, name in ((1.0, "1 FA/h"), (0.1, "1 FA/10 h")):
            p = paired_groups(tabs[:n], tabs[n:], target, a.reps, a.seed)
            print(f"{name}: first group {' '.join(f'{100 * x:.1f}' for x in p['a'])} (mean {100 * np.mean(p['a']):.1f} %); "
                  f"second {' '.join(f'{100 * x:.1f}' for x in p['b'])} (mean {100 * np.mean(p['b']):.1f} %); second "
                  f"minus first {100 * p['difference']:+.1f} points [{100 * p['low']:+.1f}, {100 * p['high']:+.1f}], "
                  f"second better in {100 * p['b_better']:.0f} % of draws (stretches and trainings), worse in "
                  f"{100 * p['b_worse']:.0f} %")
        return 0
    for target, name in ((1.0, "1 FA/h"), (0.1, "1 FA/10 h")):
        cells = []
        for (d, sysname), t in zip(specs, tabs):
            lo, hi = interval(t, target, a.reps, a.seed)
            cells.append(f"{d.name}:{sysname}: {100 * average_miss(t, target):.1f} % [{100 * lo:.1f}, {100 * hi:.1f}]")
        line = f"{name}: " + "; ".join(cells)
        if len(tabs) == 2:
            p = paired(tabs[0], tabs[1], target, a.reps, a.seed)
            line += (f"; second minus first {100 * p['difference']:+.1f} points [{100 * p['low']:+.1f}, "
                     f"{100 * p['high']:+.1f}], second better in {100 * p['b_better']:.0f} % of draws, worse in "
                     f"{100 * p['b_worse']:.0f} %")
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
