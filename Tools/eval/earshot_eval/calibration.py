"""Calibration streams: background speech made like the test streams' but from text neither the training nor the
test reads, for choosing a model's default thresholds.

The test background (streams.py) is espeak-ng and flite reading long entries of the fortunes files FORTUNE_FILES;
training reads fortunes entries of at most 300 characters (a4's long readings; the others at most 90). Thresholds
chosen on training-side speech let through false alarms that only unseen speech shows, and thresholds chosen on
the test streams would make the test figures a lie. These streams sit in between: the same voices, speaking rates,
levels (−26 dBFS ± 4 dB) and noise types at 10 dB SNR as the test streams, reading entries of CALIB_MIN_TEXT or
more characters from the other fortunes files (neither list), cut at sentence ends into utterances about as long as
the test's (most false alarms come right after an utterance starts: a short burst of speech after a pause looks like
a keyword said alone) — a development set the size of the 10 h test background.

    python -m earshot_eval.calibration --out DIR [--hours 11.5]     (Tools/eval/run.sh's PYTHONPATH)

writes DIR/<DIR's name>_NN.wav and DIR/manifest.json (cached: a second call with the same settings does nothing).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
from pathlib import Path

import numpy as np
import soundfile as sf

from . import data, noise
from .data import SR, log

CALIB_MIN_TEXT = 330
"""Shortest calibration text (characters after cleaning). Training's longest reading is 300 characters by its own
cleaning, which keeps fewer characters than this one (tests/test_fortune_split.py checks no text is shared)."""
CALIB_MAX_TEXT = 1200
UTTERANCE_CHARS = (60, 300)
"""Range of the per-piece length target (characters) when source texts are cut into utterances."""
VERSION = 2


def calibration_files() -> list[str]:
    """Fortunes files that are not the test background's (and not the offensive ones)."""
    root = Path("/usr/share/games/fortunes")
    if not root.exists():
        return []
    return sorted(f.name for f in root.iterdir()
                  if f.is_file() and not f.suffix and not f.name.startswith("off") and f.name not in data.FORTUNE_FILES)


def _squash(t: str) -> str:
    return "".join(ch for ch in t.lower() if ch.isalnum())


def calibration_texts() -> list[str]:
    """The calibration streams' source texts: long entries of the other fortunes files, less any entry that a test
    background file also holds (some entries are in more than one file)."""
    test = {_squash(t) for t in data.fortune_texts(data.FORTUNE_FILES, 0, 10 ** 9)}
    return [t for t in data.fortune_texts(calibration_files(), CALIB_MIN_TEXT, CALIB_MAX_TEXT) if _squash(t) not in test]


def calibration_utterances(seed: int = 4321) -> list[str]:
    """What the calibration voices read: each source text cut at sentence ends into pieces of whole sentences of
    UTTERANCE_CHARS characters or more (a target drawn per piece), so the streams have about as many utterance
    onsets after a pause per hour as the test streams (whose texts are 110-400 characters). A piece that is also a
    fortunes entry of 300 characters or less (which training may read) is left out."""
    short = {_squash(t) for t in data.fortune_texts(sorted(set(calibration_files()) | set(data.FORTUNE_FILES)), 0, 300)}
    rng = random.Random(seed)
    out = []
    for text in calibration_texts():
        # a leading "--" (an attribution) would reach espeak-ng as an option
        sentences = [x.lstrip("- ") for x in re.split(r"(?<=[.!?])\s+", text) if x.lstrip("- ")]
        piece, want = "", rng.randint(*UTTERANCE_CHARS)
        for snt in sentences:
            piece = f"{piece} {snt}".strip()
            if len(piece) >= want:
                out.append(piece)
                piece, want = "", rng.randint(*UTTERANCE_CHARS)
        if piece:
            if len(piece) < 40 and out:
                out[-1] = f"{out[-1]} {piece}"
            else:
                out.append(piece)
    return [u for u in out if _squash(u) not in short]


def build(out: Path, hours: float = 11.5, seed: int = 4321, n_streams: int = 8, snr_db: float = 10.0,
          level_dbfs: float = -26.0, jitter_db: float = 4.0, texts: list[str] | None = None,
          text_note: str | None = None) -> dict:
    """Writes n_streams streams with 0.85 × `hours` of speech (the test streams' speech share; with the pauses of
    0.2–1.5 s between utterances they come to ~0.87 × hours: ~10 h for the default 11.5, the test's size), each with one noise type of
    noise.NOISE_TYPES at snr_db; returns the manifest. `texts` (with `text_note` saying what they are) replaces
    the calibration text, for streams made the same way from other text (e.g. training-side text, for mining)."""
    params = {"version": VERSION, "hours": hours, "seed": seed, "n_streams": n_streams, "snr_db": snr_db,
              "level_dbfs": level_dbfs, "jitter_db": jitter_db, "min_text": CALIB_MIN_TEXT}
    if texts is not None:
        params["texts"] = hashlib.sha1("\n".join(texts).encode()).hexdigest()[:12]
    out.mkdir(parents=True, exist_ok=True)
    mpath = out / "manifest.json"
    if mpath.exists():
        old = json.loads(mpath.read_text())
        if old.get("params") == params and all((out / s["file"]).exists() for s in old["streams"]):
            return old
    if texts is None:
        texts = calibration_utterances(seed)
    if not texts:
        raise RuntimeError("no calibration text: apt-get install fortunes")
    digest = hashlib.sha1("\n".join(texts).encode()).hexdigest()[:12]  # the pool is rebuilt when the text changes
    items = data.make_tts_pool(out / "tts", hours * 3600 * 0.85, seed, "cal", texts=texts, source=f"calibration-{digest}")
    rng = random.Random(seed)
    order = list(range(len(items)))
    rng.shuffle(order)
    # babble talkers: utterances of this pool (other text than the test's babble, like the rest of these streams)
    pool = [data.load_audio(items[i]["path"]) for i in order[:60]]
    target = 10 ** (level_dbfs / 20)
    noise_rms = 10 ** ((level_dbfs - snr_db) / 20)
    per: list[list[int]] = [[] for _ in range(n_streams)]
    secs = [0.0] * n_streams
    for i in order:
        j = int(np.argmin(secs))
        per[j].append(i)
        secs[j] += items[i]["seconds"]
    nrng = np.random.default_rng(seed)
    streams = []
    for si in range(n_streams):
        pieces = []
        for i in per[si]:
            x = data.load_audio(items[i]["path"])
            gain = target * 10 ** (nrng.uniform(-jitter_db, jitter_db) / 20) / max(data.active_rms(x), 1e-6)
            pieces += [(x * gain).astype(np.float32), np.zeros(int(nrng.uniform(0.2, 1.5) * SR), np.float32)]
        clean = np.concatenate(pieces) if pieces else np.zeros(SR, np.float32)
        kind = noise.NOISE_TYPES[si % len(noise.NOISE_TYPES)]
        mix, _ = noise.add_noise(clean, kind, seed * 100 + si, pool, noise_rms)
        name = f"{out.name}_{si:02d}.wav"  # unique per folder: the training tool caches features by file stem
        sf.write(str(out / name), mix, SR, subtype="PCM_16")
        streams.append({"file": name, "seconds": len(mix) / SR, "noise": kind, "utterances": len(per[si])})
        log(f"  {name}: {len(mix) / SR / 60:.1f} min, noise {kind}")
    manifest = {"params": params, "streams": streams, "hours": sum(s["seconds"] for s in streams) / 3600,
                "utterances": len(items), "texts": len({i["text"] for i in items}),
                "files": calibration_files(),
                "description": f"{len(items)} utterances by espeak-ng and flite (the test background's voices) reading "
                               + (text_note or f"pieces of {UTTERANCE_CHARS[0]}+ characters (whole sentences) of fortunes "
                                  f"entries of {CALIB_MIN_TEXT}-{CALIB_MAX_TEXT} characters from files neither training "
                                  f"nor the test reads")
                               + f", with pauses of 0.2-1.5 s, at {level_dbfs:g} dBFS "
                               f"± {jitter_db:g} dB, noise at {snr_db:g} dB SNR ({', '.join(noise.NOISE_TYPES)})"}
    mpath.write_text(json.dumps(manifest, indent=1) + "\n")
    return manifest


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m earshot_eval.calibration", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--hours", type=float, default=11.5)
    ap.add_argument("--seed", type=int, default=4321)
    ap.add_argument("--texts", type=Path, help="read these texts (one per line) instead of the calibration text, e.g. "
                                               "training-side text for mining streams made like the test background")
    ap.add_argument("--text-note", help="what --texts are, for the manifest's description")
    a = ap.parse_args(argv)
    try:
        texts = [t for t in a.texts.read_text().splitlines() if t.strip()] if a.texts else None
        m = build(a.out, a.hours, a.seed, texts=texts, text_note=a.text_note)
    except (RuntimeError, OSError) as e:
        print(f"calibration: {a.out}: {e}")
        return 1
    print(f"calibration: {len(m['streams'])} streams, {m['hours']:.2f} h in {a.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
