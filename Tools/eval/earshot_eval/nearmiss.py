"""Near-miss phrases: held-out phrases built to sound like a keyword ("come pewter", "new glass"),
scored on their own instead of mixed into the general background.

The Picovoice benchmark measures false alarms on general background speech; phrases that are nearly
homophones of a keyword answer a different question (how close can speech get before the engine
fires?) and, mixed into the background, would decide the strict operating points by themselves.
So they get their own stream, `nearmiss.wav` (each phrase at speech level, 2.5-3.5 s apart, one noise
type per phrase in turn at the streams' SNR), and their own figure: at each keyword's 1 FA/h
threshold from the main sweep, how many of the phrases imitating that keyword fire it.

Input: the training tool's `$EARSHOT_CACHE/splits/nearmiss_heldout.txt` (path,keyword,phrase: the
validation voice of each near-miss phrase, never trained on).
"""
from __future__ import annotations

import csv
import hashlib
import json
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from . import data, noise
from .data import SR, log
from .metrics import TAIL_SECONDS, Detection

FILE = "nearmiss.wav"
"""The near-miss stream's file name (kept apart from the background streams' false alarms)."""


@dataclass(frozen=True)
class Phrase:
    """One near-miss phrase in the stream: the keyword it imitates, its voiced span, its text."""
    keyword: str
    start: float
    end: float
    text: str


def heldout_phrases() -> list[tuple[str, str, str]]:
    """(path, keyword, phrase) rows of the training tool's nearmiss_heldout.txt; [] when absent."""
    sd = data.splits_dir()
    p = sd / "nearmiss_heldout.txt" if sd else None
    if p is None or not p.exists():
        return []
    with open(p, newline="") as f:
        return [(r[0], r[1], r[2]) for r in csv.reader(f) if len(r) >= 3 and r[1] in data.KEYWORDS]


def build(out: Path, seed: int, level_dbfs: float, snr_db: float, jitter_db: float,
          babble_pool, force: bool = False) -> dict | None:
    """Builds (or reuses) `out/nearmiss.wav` and `out/nearmiss.csv`; returns their manifest entry.
    `babble_pool` is called for the babble noise's talkers only when the stream has to be built."""
    rows = heldout_phrases()
    if not rows:
        return None
    # the phrases' audio by name, size and time: a new cache re-synthesises them; a cache reached by another path is the same
    stamp = [(Path(p).name, kw, t) + ((Path(p).stat().st_size, int(Path(p).stat().st_mtime)) if Path(p).exists() else (0, 0))
             for p, kw, t in rows]
    key = hashlib.sha256(json.dumps([stamp, seed, level_dbfs, snr_db, jitter_db]).encode()).hexdigest()[:16]
    meta = out / "nearmiss.json"
    if not force and meta.exists() and (out / FILE).exists():
        m = json.loads(meta.read_text())
        if m.get("key") == key:
            return m
    rng = random.Random(seed + 17)
    babble = babble_pool()
    target = 10 ** (level_dbfs / 20)
    noise_rms = 10 ** ((level_dbfs - snr_db) / 20)
    pieces, labels, pos = [], [], 0
    for k, (path, kw, text) in enumerate(rows):
        try:
            x = data.load_audio(path)
        except ValueError as e:
            log(f"near-miss phrase skipped: {e}")
            continue
        s, e = data.active_region(x)
        a, b = max(0, s - int(0.3 * SR)), min(len(x), e + int(0.3 * SR))
        gap = np.zeros(int(rng.uniform(2.5, 3.5) * SR), np.float32)
        seg = x[a:b] * (target * 10 ** (rng.uniform(-jitter_db, jitter_db) / 20) / data.active_rms(x))
        kind = noise.NOISE_TYPES[k % len(noise.NOISE_TYPES)]
        nz = noise.make_noise(kind, len(gap) + len(seg), seed * 1000 + k, babble) * noise_rms
        piece = np.concatenate([gap, seg.astype(np.float32)]) + nz
        labels.append(Phrase(kw, round((pos + len(gap) + s - a) / SR, 3), round((pos + len(gap) + e - a) / SR, 3), text))
        pieces.append(piece.astype(np.float32))
        pos += len(piece)
    tail = np.zeros(int(2.0 * SR), np.float32)
    mix = np.concatenate(pieces + [tail])
    peak = float(np.max(np.abs(mix)))
    if peak > 0.99:
        mix *= 0.99 / peak
    out.mkdir(parents=True, exist_ok=True)
    sf.write(str(out / FILE), mix, SR, subtype="PCM_16")
    with open(out / "nearmiss.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["keyword", "start", "end", "phrase"])
        for p in labels:
            w.writerow([p.keyword, f"{p.start:.3f}", f"{p.end:.3f}", p.text])
    counts: dict[str, int] = {}
    for p in labels:
        counts[p.keyword] = counts.get(p.keyword, 0) + 1
    m = {"key": key, "file": FILE, "seconds": len(mix) / SR, "phrases": counts,
         "source": f"{data.splits_dir()}/nearmiss_heldout.txt (one held-out voice per phrase)"}
    meta.write_text(json.dumps(m, indent=1))
    log(f"  {FILE}: {len(labels)} near-miss phrases, {len(mix) / SR / 60:.1f} min")
    return m


def load(out: Path) -> list[Phrase]:
    """The near-miss stream's labels; [] when there is none."""
    p = out / "nearmiss.csv"
    if not p.exists():
        return []
    with open(p, newline="") as f:
        return [Phrase(r["keyword"], float(r["start"]), float(r["end"]), r["phrase"])
                for r in csv.DictReader(f)]


def false_accepts(keyword: str, detections: list[Detection], phrases: list[Phrase], threshold: float,
                  runs: bool, tail: float = TAIL_SECONDS) -> list[str]:
    """Phrases imitating `keyword` that fire it at `threshold`: a kept detection of `keyword` in the
    near-miss stream inside the phrase or within `tail` s after it (the rule that makes a hit).
    For systems run once per threshold (`runs`), kept = that run's detections (score == threshold);
    otherwise kept = score >= threshold."""
    kept = [d for d in detections if d.file == FILE and d.keyword == keyword
            and (d.score == threshold if runs else d.score >= threshold)]
    return [p.text for p in phrases if p.keyword == keyword
            and any(p.start <= d.time <= p.end + tail for d in kept)]
