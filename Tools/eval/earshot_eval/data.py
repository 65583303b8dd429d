"""Held-out inputs for the evaluation: validation keyword clips and background audio.

Preferred source: the training tool's split files under $EARSHOT_CACHE/splits/
  val.txt                 path,label   (label = keyword name; other labels are ignored)
  background_heldout.txt  path[,...]   (audio training never saw)
Fallback when those are missing (made here, deterministic):
  keywords: the last ~15 % of each keyword folder in name order (numeric for alexa);
  background: text-to-speech (espeak-ng and flite, many voices) reading fortunes(6) text,
  plus noise and music generated in numpy (see noise.py).
"""
from __future__ import annotations

import csv
import hashlib
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

SR = 16000
KEYWORDS = ["alexa", "computer", "jarvis", "smart_mirror", "snowboy", "view_glass"]
KEYWORD_TEXT = {k: k.replace("_", " ") for k in KEYWORDS}
CORRUPT = {("alexa", n) for n in ("32", "33", "34", "126", "127", "128", "129", "142", "144")}


REPO = Path(__file__).resolve().parents[3]


def cache_dir() -> Path:
    """$EARSHOT_CACHE, else the training tool's default cache beside the repository."""
    return Path(os.environ.get("EARSHOT_CACHE", REPO.parent / "earshot-cache"))


def splits_dir() -> Path | None:
    """Where the training tool's split files are: $EARSHOT_SPLITS, $EARSHOT_CACHE/splits, or the
    training tool's default cache (<repo>/../earshot-cache/splits); None if none has val.txt."""
    cands = []
    if os.environ.get("EARSHOT_SPLITS"):
        cands.append(Path(os.environ["EARSHOT_SPLITS"]))
    cands += [cache_dir() / "splits", REPO.parent / "earshot-cache" / "splits"]
    for c in cands:
        if (c / "val.txt").exists():
            return c
    return None


def shared_dir() -> Path:
    return Path(os.environ.get("EARSHOT_SHARED", REPO.parent / "shared"))


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- audio helpers

def load_audio(path: Path | str) -> np.ndarray:
    """Mono float32 at 16 kHz. Raises ValueError with the file name on undecodable input."""
    try:
        x, sr = sf.read(str(path), dtype="float32", always_2d=True)
    except Exception as e:  # soundfile raises RuntimeError/LibsndfileError
        raise ValueError(f"{path}: cannot decode audio ({e})") from e
    x = x.mean(axis=1)
    if sr != SR:
        from scipy.signal import resample_poly
        g = math.gcd(int(sr), SR)
        x = resample_poly(x, SR // g, int(sr) // g).astype(np.float32)
    return x


def active_region(x: np.ndarray, frame: int = 320, rel_db: float = -25.0) -> tuple[int, int]:
    """Sample span of frames whose energy is within rel_db of the loudest frame."""
    n = len(x) // frame
    if n == 0:
        return 0, len(x)
    e = (x[: n * frame].reshape(n, frame).astype(np.float64) ** 2).mean(axis=1) + 1e-12
    db = 10 * np.log10(e)
    on = np.nonzero(db >= db.max() + rel_db)[0]
    return int(on[0] * frame), int(min(len(x), (on[-1] + 1) * frame))


def active_rms(x: np.ndarray) -> float:
    s, e = active_region(x)
    seg = x[s:e].astype(np.float64)
    return float(np.sqrt(np.mean(seg ** 2) + 1e-12))


# --------------------------------------------------------------------------- keyword clips

@dataclass(frozen=True)
class Clip:
    path: str
    keyword: str


def _sort_key(name: str):
    stem = Path(name).stem
    return (0, int(stem), "") if stem.isdigit() else (1, 0, stem)


def validation_clips(fraction: float = 0.15) -> tuple[list[Clip], str]:
    """Validation keyword clips and a sentence saying where they came from."""
    sd = splits_dir()
    if sd is not None:
        val = sd / "val.txt"
        clips, synthetic = [], 0
        with open(val, newline="") as f:
            for row in csv.reader(f):
                if len(row) < 2 or row[0].startswith("#") or row[0] == "path":
                    continue
                path, label = row[0].strip(), row[1].strip()
                if label not in KEYWORDS:
                    continue
                if "/keywords/" not in path:  # real recordings only, no synthetic keywords
                    synthetic += 1
                    continue
                if (label, Path(path).stem) in CORRUPT:
                    continue
                clips.append(Clip(path, label))
        return clips, (f"real recordings from the training tool's validation split {val} "
                       f"(speaker blocks of 10 for alexa, name hash otherwise; never trained on; "
                       f"{len(clips)} clips" + (f", {synthetic} synthetic ones left out" if synthetic
                                                 else "") + ")")
    clips = []
    root = shared_dir() / "data" / "keywords"
    for kw in KEYWORDS:
        files = sorted((p.name for p in (root / kw).glob("*.flac")), key=_sort_key)
        n = max(1, int(round(len(files) * fraction)))
        for name in files[-n:]:
            if (kw, Path(name).stem) in CORRUPT:
                continue
            clips.append(Clip(str(root / kw / name), kw))
    return clips, (f"fallback split: last {fraction:.0%} of each folder of {root} in name order "
                   f"(numeric for alexa), corrupt alexa FLACs skipped ({len(clips)} clips)")


# --------------------------------------------------------------------------- background speech

FORTUNE_FILES = ["fortunes", "literature", "people", "wisdom", "food", "science", "riddles",
                 "education", "work", "love", "pets", "platitudes", "humorists", "politics"]
MIN_TEXT = 110
BANNED = re.compile(r"alexa|computer|jarvis|snowboy|mirror|glass", re.I)

ESPEAK_VOICES = ["en-us", "en", "en-gb-x-rp", "en-gb-scotland", "en-029", "en-gb-x-gbclan",
                 "en-gb-x-gbcwmd"]
ESPEAK_VARIANTS = ["", "+m1", "+m2", "+m3", "+m4", "+f1", "+f2", "+f3", "+f4", "+klatt",
                   "+croak", "+whisper", "+Andy", "+Annie", "+grandma"]
FLITE_VOICES = ["slt", "rms", "awb", "kal16"]


READINGS = 3
"""How often one text may be read (each time by a randomly drawn voice) when the background needs more speech than the
fortunes entries give once (about 4.5 h)."""


def fortune_texts(files: list[str] = FORTUNE_FILES, min_len: int = MIN_TEXT, max_len: int = 400) -> list[str]:
    """Entries of the named fortunes files of min_len–max_len characters (after cleaning), none naming a keyword."""
    root = Path("/usr/share/games/fortunes")
    out = []
    for name in files:
        p = root / name
        if not p.exists():
            continue
        raw = p.read_text(encoding="utf-8", errors="ignore")
        for chunk in raw.split("\n%\n"):
            t = " ".join(chunk.split())
            t = re.sub(r"[^A-Za-z0-9 ,.;:'?!\-]", " ", t)
            t = " ".join(t.split())
            # Training reads fortunes entries of at most 90 characters; only longer ones here,
            # so no sentence of the background was ever spoken in training data.
            if min_len <= len(t) <= max_len and not BANNED.search(t):
                out.append(t)
    return out


def _tts(engine: str, voice: str, speed: int, text: str, out_wav: Path) -> None:
    if engine == "espeak-ng":
        cmd = ["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(out_wav), text]
    else:
        cmd = ["flite", "-voice", voice, "-t", text, "-o", str(out_wav)]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   timeout=120)


def make_tts_pool(out_dir: Path, seconds: float, seed: int, tag: str, texts: list[str] | None = None,
                  source: str = "test") -> list[dict]:
    """Synthesise fortunes text until `seconds` of speech exist; cached with a manifest.

    `texts` (default: fortune_texts(), the test background's) and `source`, a name for them that the cache
    checks, let the calibration streams (calibration.py) read other text with the same voices."""
    manifest = out_dir / "manifest.json"
    if manifest.exists():
        m = json.loads(manifest.read_text())
        if (m.get("seconds_target") == seconds and m.get("seed") == seed
                and m.get("min_text") == MIN_TEXT and m.get("source", "test") == source
                # a pool made before READINGS existed is still valid if it never needed a second reading
                and (m.get("readings", 1) == READINGS or len({i["text"] for i in m["items"]}) == len(m["items"]))):
            return m["items"]
    for tool in ("espeak-ng", "flite"):
        if shutil.which(tool) is None:
            raise RuntimeError(f"{tool} not found: apt-get install espeak-ng flite fortunes")
    texts = list(texts) if texts is not None else fortune_texts()
    if not texts:
        raise RuntimeError("no fortunes text: apt-get install fortunes fortunes-min")
    rng = random.Random(f"{seed}-{tag}")
    rng.shuffle(texts)
    out_dir.mkdir(parents=True, exist_ok=True)
    items, total, k = [], 0.0, 0
    # Each text once; if that is not enough speech, the texts again, each in a newly drawn voice (up to 3 readings).
    while total < seconds and k < READINGS * len(texts):
        text = texts[k % len(texts)]
        if rng.random() < 0.6:
            engine, voice = "espeak-ng", rng.choice(ESPEAK_VOICES) + rng.choice(ESPEAK_VARIANTS)
        else:
            engine, voice = "flite", rng.choice(FLITE_VOICES)
        speed = rng.randint(130, 200)
        wav = out_dir / f"{tag}_{k:05d}.wav"
        with tempfile.NamedTemporaryFile(suffix=".wav") as tmp:
            try:
                _tts(engine, voice, speed, text, Path(tmp.name))
                x = load_audio(tmp.name)
            except Exception as e:
                log(f"tts skipped ({engine} {voice}): {e}")
                k += 1
                continue
        sf.write(str(wav), x, SR, subtype="PCM_16")
        dur = len(x) / SR
        items.append({"path": str(wav), "engine": engine, "voice": voice, "speed": speed,
                      "seconds": dur, "text": text})
        total += dur
        k += 1
        if len(items) % 100 == 0:
            log(f"  {tag}: {len(items)} utterances, {total / 60:.1f} min")
    for old in out_dir.glob(f"{tag}_*.wav"):
        if str(old) not in {i["path"] for i in items}:
            old.unlink()
    manifest.write_text(json.dumps({"seconds_target": seconds, "seed": seed, "min_text": MIN_TEXT,
                                    "readings": READINGS, **({"source": source} if source != "test" else {}),
                                    "items": items},
                                   indent=1))
    return items


def heldout_background() -> list[str] | None:
    """Paths from the training tool's background_heldout.txt, or None when absent."""
    sd = splits_dir()
    p = sd / "background_heldout.txt" if sd else None
    if p is None or not p.exists():
        return None
    out = []
    for line in p.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            path = line.split(",")[0].strip()
            if path != "path":
                out.append(path)
    return out
