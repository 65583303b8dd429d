"""Feature extraction through the Swift front end (`earshot features`): the runtime's own MFCC code."""
from __future__ import annotations

import csv
import hashlib
import subprocess
from pathlib import Path

import numpy as np

from .config import FRAMES, LABELS, Paths, write_feature_config


def extract(paths: Paths, split: str) -> tuple[np.ndarray, np.ndarray]:
    """Runs `earshot features` over clips/{split}.csv; returns (features [n, FRAMES, coeffs], label ids)."""
    if not paths.earshot.exists():
        raise SystemExit(f"{paths.earshot}: earshot binary not found (run `swift build -c release` first)")
    cfg = paths.features / "features.json"
    write_feature_config(cfg)
    rows = list(csv.reader(open(paths.clips / f"{split}.csv")))
    lst = paths.features / f"{split}.list"
    lst.write_text("".join(r[0] + "\n" for r in rows))
    out = paths.features / f"{split}.npy"
    labels = np.array([LABELS.index(r[1]) for r in rows], np.int64)
    src = paths.clips / f"{split}.csv"
    if not out.exists() or out.stat().st_mtime < src.stat().st_mtime:
        r = subprocess.run([str(paths.earshot), "features", "--file-list", str(lst), "--out", str(out),
                            "--config", str(cfg), "--frames", str(FRAMES), "--align", "start"])
        if r.returncode != 0 and not out.exists():
            raise SystemExit(f"earshot features failed for {split} (exit {r.returncode})")
    x = np.load(out)
    keep = _kept(paths, split, rows)
    if not keep.all():
        print(f"features: {split}: dropping {int((~keep).sum())} failed files", flush=True)
    assert x.shape[0] == len(rows) and x.shape[1] == FRAMES, (x.shape, len(rows))
    return x[keep].astype(np.float32), labels[keep]


def _kept(paths: Paths, split: str, rows: list[list[str]]) -> np.ndarray:
    """Which rows of clips/{split}.csv have features (`earshot features` lists the files it failed on)."""
    failed = paths.features / f"{split}.failed.txt"
    bad = set(failed.read_text().split("\n")) if failed.exists() else set()
    return np.array([r[0] not in bad for r in rows], bool)


def clip_sources(paths: Paths, split: str) -> list[str] | None:
    """The source recording of each window that `extract` returns (same order, failed files dropped), from the
    third column of clips/{split}.csv; None for a cache written before that column existed."""
    rows = list(csv.reader(open(paths.clips / f"{split}.csv")))
    if any(len(r) < 3 for r in rows):
        return None
    return [r[2] for r, k in zip(rows, _kept(paths, split, rows)) if k]


def extract_stream(paths: Paths, wav: str) -> np.ndarray:
    """All frames of one long file, [frames, coeffs], cached per file (keyed by its whole path: the evaluation's 1 h
    and 10 h sets both hold a stream_00.wav)."""
    cfg = paths.features / "features.json"
    write_feature_config(cfg)
    tag = hashlib.sha1(str(Path(wav).resolve()).encode()).hexdigest()[:10]
    out = paths.features / "streams" / f"{Path(wav).stem}-{tag}.npy"
    out.parent.mkdir(parents=True, exist_ok=True)
    if not out.exists() or out.stat().st_mtime < Path(wav).stat().st_mtime:
        subprocess.run([str(paths.earshot), "features", wav, "--out", str(out), "--config", str(cfg),
                        "--frames", "0"], check=True)
    return np.load(out).astype(np.float32)
