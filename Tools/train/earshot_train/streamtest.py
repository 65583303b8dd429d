"""Streaming recall: held-out recorded keyword clips (validation speakers) concatenated into one long
stream with pauses, run like the runtime (window every EVALUATE_EVERY_HOPS hops, smoothing, thresholds,
refractory). A clip counts as detected when its keyword fires between the clip's start and 0.5 s after
its end; any other decision is a false or wrong-keyword detection."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

from . import audio
from .config import FEATURES, KEYWORDS, Paths


def build_stream(paths: Paths, seed: int = 5) -> tuple[str, list[tuple[str, float, float]]]:
    out = paths.cache / "valstream" / "val_keywords.wav"
    meta = out.with_suffix(".json")
    if out.exists() and meta.exists():
        return str(out), [tuple(r) for r in json.loads(meta.read_text())]
    rng = np.random.default_rng(seed)
    rows = [r for r in csv.reader(open(paths.splits / "val.txt")) if "/keywords/" in r[0]]
    rng.shuffle(rows)
    pieces, marks, pos = [], [], 0
    sr = audio.SR
    for path, label in rows:
        x = audio.load(path)
        s, e = audio.speech_region(x)
        gap = np.zeros(int(rng.uniform(1.5, 3.0) * sr), np.float32)
        pieces += [gap, x]
        marks.append((label, (pos + len(gap) + s) / sr, (pos + len(gap) + e) / sr))
        pos += len(gap) + len(x)
    y = np.concatenate(pieces + [np.zeros(2 * sr, np.float32)])
    y = y + audio.pink(len(y), rng) * 10 ** (-60 / 20)
    audio.write(out, y)
    meta.write_text(json.dumps(marks))
    return str(out), marks


def streaming_recall(paths: Paths, model, thresholds: dict) -> dict:
    from .features import extract_stream
    from .train import detections, stream_posteriors
    wav, marks = build_stream(paths)
    f = extract_stream(paths, wav)
    hop_s = FEATURES["hopLength"] / FEATURES["sampleRate"]
    post, ends = stream_posteriors(model, f)
    dets = detections(post, ends, thresholds, hop_s)
    used = [False] * len(dets)
    per = {kw: {"clips": 0, "detected": 0} for kw in KEYWORDS}
    for label, s, e in marks:
        per[label]["clips"] += 1
        for i, (kw, t, _) in enumerate(dets):
            if not used[i] and kw == label and s <= t <= e + 0.5:
                used[i] = True
                per[label]["detected"] += 1
                break
    other = sum(1 for u in used if not u)
    for kw in KEYWORDS:
        per[kw]["recall"] = per[kw]["detected"] / per[kw]["clips"] if per[kw]["clips"] else None
    total = sum(p["clips"] for p in per.values())
    return {"clips": total, "recall": sum(p["detected"] for p in per.values()) / max(1, total),
            "per_keyword": per, "other_detections": other,
            "stream_minutes": round(len(f) * hop_s / 60, 2)}


def at_defaults(paths: Paths, stream_dir: Path, model: Path, thresholds: dict | None = None) -> dict | None:
    """What a user gets at the model's default thresholds (or at `thresholds`) on Tools/eval's test streams: the
    per-keyword table of `earshot score stream_*.wav --labels labels.csv` (the runtime scores hits and false alarms
    itself, with the evaluation's rule). None when the streams are missing or earshot fails."""
    import subprocess
    wavs = sorted(stream_dir.glob("stream_*.wav"))
    labels = stream_dir / "labels.csv"
    if not wavs or not labels.exists():
        return None
    given = sum((["--keyword-threshold", f"{k}={v}"] for k, v in (thresholds or {}).items()), [])
    r = subprocess.run([str(paths.earshot), "score", *map(str, wavs), "--model", str(model), "--labels", str(labels),
                        "--no-progress", *given], capture_output=True, text=True)
    rows = {}
    for line in r.stdout.splitlines():
        f = line.split()
        if len(f) >= 7 and f[0] in KEYWORDS and f[1].isdigit():  # keyword clips hits miss% FA FA/h non-kw-h ...
            rows[f[0]] = f
    if r.returncode != 0 or set(rows) != set(KEYWORDS):
        print(f"card: earshot score at the defaults failed: {r.stderr.strip()[:200]}", flush=True)
        return None
    man = stream_dir / "manifest.json"  # the evaluation's background hours (stream time less every keyword's)
    hours = json.loads(man.read_text())["background_hours"] if man.exists() else float(rows[KEYWORDS[0]][6])
    return {"background_hours": hours,
            "false_alarms": {kw: int(rows[kw][4]) for kw in KEYWORDS},
            "miss": {kw: ((int(rows[kw][1]) - int(rows[kw][2])) / int(rows[kw][1]) if int(rows[kw][1]) else None)
                     for kw in KEYWORDS},
            "thresholds": thresholds or json.loads(model.with_suffix(".json").read_text())["thresholds"]}
