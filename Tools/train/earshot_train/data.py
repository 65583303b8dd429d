"""Data preparation: source splits, synthetic speech, augmentation and rendering of fixed-length clips.

Outputs (all under $EARSHOT_CACHE, never in the repository):
  tts/...                         synthetic speech (16 kHz WAV)
  splits/train.txt, splits/val.txt    source clips: path,label (val = held-out real speakers etc.)
  splits/background_heldout.txt   long held-out background streams (never used in training)
  clips/{train,val}/...           rendered WINDOW_SAMPLES-long augmented clips
  clips/{train,val}.csv           path,label of the rendered clips (the order of the feature rows)
"""
from __future__ import annotations

import csv
import hashlib
import json
import os
import re
from multiprocessing import Pool
from pathlib import Path

import numpy as np
from scipy.signal import butter, sosfilt

from . import audio, tts
from .config import (BACKGROUND, RECIPE_SPEC, COMMON_WORDS, FSDD_HELDOUT_SPEAKERS, KEYWORD_TEXTS, KEYWORDS, NEAR_MISS_TARGETS,
                     NEAR_MISSES, PLACEMENT, REAL_SPEECH, UNKNOWN, WINDOW_SAMPLES, Paths)

W = WINDOW_SAMPLES
SR = audio.SR


def _h(s: str) -> int:
    return int(hashlib.sha1(s.encode()).hexdigest()[:8], 16)


# ---------------------------------------------------------------- sources

def real_keyword_split(paths: Paths, val_mod: int = 7) -> list[tuple[str, str, str]]:
    """(path, label, split) for the recorded keyword clips.

    Numbered files (alexa/17.flac) are split by blocks of 10 consecutive numbers, since neighbouring
    numbers are usually one speaker; UUID-named files carry no speaker information and are split by a
    hash of the name. Unreadable files (the corrupt alexa FLACs) are skipped. A keyword without recordings
    stops the pipeline (a model trained without its real recordings would be worthless, and silently so).
    """
    out = []
    for kw in KEYWORDS:
        files = sorted((paths.keywords / kw).glob("*.flac"))
        if not files:
            raise SystemExit(f"data: no recordings of {kw!r} in {paths.keywords / kw} (set EARSHOT_DATA to the folder "
                             f"holding keywords/<word>/*.flac and speech/fsdd/; default <repo>/../shared/data)")
        for f in files:
            try:
                audio.load(f)
            except Exception as e:  # the corrupt alexa FLACs
                print(f"data: skipping unreadable {f}: {e}", flush=True)
                continue
            stem = f.stem
            key = f"{kw}/{int(stem) // 10}" if stem.isdigit() else f"{kw}/{stem}"
            split = "val" if _h(key) % val_mod == 3 else "train"
            out.append((str(f), kw, split))
    return out


EVAL_FORTUNE_FILES = {"fortunes", "literature", "people", "wisdom", "food", "science", "riddles", "education", "work",
                      "love", "pets", "platitudes", "humorists", "politics"}
"""The fortunes files whose long entries (≥ 110 characters) Tools/eval reads for its test background
(Tools/eval/earshot_eval/data.py FORTUNE_FILES; Tools/eval/tests/test_fortune_split.py holds the two lists equal):
the long readings for training come from the other files only."""


def long_reading_texts() -> list[str]:
    """Recipe a4's long-reading pool: fortunes entries of 91-300 characters from files the test background never
    reads (training-side text, also what the test-like mining streams read: train.testlike_streams)."""
    return fortune_sentences(max_len=300, min_len=91, skip_files=EVAL_FORTUNE_FILES)


LONG_READING_NOTE = ("fortunes entries of 91-300 characters from files the test background never reads (recipe a4's "
                     "long-reading pool: training-side text)")


def fortune_sentences(max_len: int = 90, min_len: int = 20, skip_files: set[str] = frozenset()) -> list[str]:
    """Single-sentence-ish lines from the fortunes packages (plain text, no markup)."""
    roots = [Path("/usr/share/games/fortunes")]
    seen, out = set(), []
    for root in roots:
        if not root.exists():
            continue
        for f in sorted(root.iterdir()):
            if f.suffix in (".dat", ".u8") or f.is_dir() or f.name.startswith("off") or f.name in skip_files:
                continue
            try:
                text = f.read_text(errors="ignore")
            except OSError:
                continue
            for entry in text.split("\n%\n"):
                s = " ".join(entry.split())
                s = re.sub(r"[^A-Za-z0-9 ,.?!']", " ", s)
                s = " ".join(s.split())
                if min_len <= len(s) <= max_len and s not in seen and not re.search(r"(alexa|jarvis|snowboy|computer|mirror|glass)", s, re.I):
                    seen.add(s)
                    out.append(s)
    return out


def synth_plan(paths: Paths, rng: np.random.Generator, per_keyword: int, near_miss_reps: int,
               common_reps: int, sentences: int, word_fraction: float = 1.0,
               extra_near_reps: int = 0, extra_sentences: int = 0,
               long_reads: int = 0) -> list[tuple[tts.Job, str, str]]:
    """TTS jobs with (label, split). Sentences are split train / val / heldout (background streams)."""
    engines = tts.available_engines()
    weights = {"espeak": 5, "mbrola": 2, "flite": 2, "festival": 1.5, "pico": 1, "piper": 2.5}
    eng = [e for e in engines if e in weights]
    p = np.array([weights[e] for e in eng], float)
    p /= p.sum()
    plan = []

    def pick():
        return str(rng.choice(eng, p=p))

    for kw in KEYWORDS:
        for i in range(per_keyword):
            e = pick()
            text = KEYWORD_TEXTS[kw][i % len(KEYWORD_TEXTS[kw])]
            out = paths.tts / "kw" / kw / f"{e}_{i:04d}.wav"
            plan.append((tts.random_job(e, text, out, rng), kw, "train"))
    near = NEAR_MISSES[:: max(1, int(round(1 / word_fraction)))]
    common = COMMON_WORDS[:: max(1, int(round(1 / word_fraction)))]
    for w in near:
        for r in range(near_miss_reps):
            e = pick()
            out = paths.tts / "near" / f"{re.sub('[^a-z]', '_', w)}_{e}_{r}.wav"
            split = "val" if r == near_miss_reps - 1 else "train"
            plan.append((tts.random_job(e, w, out, rng), UNKNOWN, split))
    for w in common:
        for r in range(common_reps):
            e = pick()
            out = paths.tts / "words" / f"{re.sub('[^a-z]', '_', w)}_{e}_{r}.wav"
            plan.append((tts.random_job(e, w, out, rng), UNKNOWN, "train"))
    sents = fortune_sentences()
    order = rng.permutation(len(sents))[:sentences]
    for k, j in enumerate(order):
        split = "train" if k % 10 < 6 else ("val" if k % 10 < 7 else "heldout")
        fast = [e for e in eng if e in ("espeak", "mbrola", "flite", "pico", "piper")]
        e = str(rng.choice(fast))
        out = paths.tts / "sent" / f"s{k:05d}_{e}.wav"
        plan.append((tts.random_job(e, sents[j], out, rng), UNKNOWN, split))
    # extra training-only near misses, drawn from their own generator so the plan above never changes
    # (keeps cached files and the train/val/held-out assignment of sentences stable)
    rng2 = np.random.default_rng(4242)
    for w in near:
        for r in range(near_miss_reps, near_miss_reps + extra_near_reps):
            e = str(rng2.choice(eng, p=p))
            out = paths.tts / "near" / f"{re.sub('[^a-z]', '_', w)}_{e}_{r}.wav"
            plan.append((tts.random_job(e, w, out, rng2), UNKNOWN, "train"))
    # extra training-only sentences (recipe a3): fortunes lines the plan above left out, so none of them is a
    # validation, tuning or held-out sentence; their own generator again keeps everything above unchanged
    rng3 = np.random.default_rng(4343)
    rest = rng3.permutation(np.setdiff1d(np.arange(len(sents)), order))[:extra_sentences]
    w3 = {"espeak": 4, "mbrola": 2, "flite": 2, "pico": 1, "piper": 1}
    eng3 = [e for e in eng if e in w3]
    p3 = np.array([w3[e] for e in eng3], float)
    p3 /= p3.sum()
    for k, j in enumerate(rest):
        e = str(rng3.choice(eng3, p=p3))
        out = paths.tts / "sent" / f"x{k:05d}_{e}.wav"
        plan.append((tts.random_job(e, sents[j], out, rng3), UNKNOWN, "train"))
    # long readings (a4): fortunes entries of 91–300 characters from files the test background never reads, read
    # in one go like the test background's speech; for mining streams of continuous speech and one crop each
    long = long_reading_texts() if long_reads else []
    rng4 = np.random.default_rng(4444)
    for k, j in enumerate(rng4.permutation(len(long))[:long_reads]):
        e = str(rng4.choice(eng3, p=p3))
        out = paths.tts / "long" / f"l{k:05d}_{e}.wav"
        plan.append((tts.random_job(e, long[j], out, rng4), UNKNOWN, "train"))
    return plan


KTUBERLING = Path("/usr/share/ktuberling/sounds")
"""Debian's ktuberling-data: ~1,700 words recorded by people in 26 languages (real voices and microphones)."""
KTUBERLING_HELDOUT = {"fr", "ru", "sl"}
"""Languages (so speakers) of ktuberling kept out of training, for the held-out background."""
KEYWORD_LIKE = re.compile(r"glass|mirror|snow|comput|alex|jarv", re.I)


def ktuberling_split(paths: Paths) -> list[tuple[str, str, str]]:
    """(path, _unknown_, split) for ktuberling's recorded words; split by language, i.e. by speaker.
    File names are the English word; names resembling a keyword are left out."""
    out = []
    if not KTUBERLING.is_dir():
        print(f"data: {KTUBERLING} missing (apt-get install ktuberling-data): no recorded-speech negatives",
              flush=True)
        return out
    for lang in sorted(d for d in KTUBERLING.iterdir() if d.is_dir()):
        split = "heldout" if lang.name in KTUBERLING_HELDOUT else "train"
        for f in sorted(lang.glob("*.ogg")):
            if not KEYWORD_LIKE.search(f.stem):
                out.append((str(f), UNKNOWN, split))
    return out


ASTERISK = Path("/usr/share/asterisk/sounds")
"""Debian's asterisk-core-sounds-<lang>-wav: telephone prompts (8 kHz) recorded by one person per language,
~25 min each, CC BY-SA 3.0; English transcripts name none of the keywords."""
ASTERISK_TRAIN = ("en_US_f_Allison", "es_MX_f_Allison", "it_IT_m_Carlo")
"""Voices trained on in recipe d3 (two speakers, 80 min; the package's fr and ru voices are left for development
sets: as extra calibration streams they were measured and not kept, Tools/train/README.md)."""
ASTERISK_CROPS = 3
"""Random 1 s crops per training prompt (sentences keep 5)."""
MINE_REAL_STREAMS = 8
"""d3: mining streams of the training prompts at 0–15 dB SNR, 8 × 6 min."""


def asterisk_split(paths: Paths) -> list[tuple[str, str, str]]:
    """(path, _unknown_, "train") for the prompts of the training voices (ASTERISK_TRAIN); [] without the packages
    (recipe d3 then trains as d2 would, with a warning)."""
    out = []
    for voice in ASTERISK_TRAIN:
        d = ASTERISK / voice
        if not d.is_dir():
            print(f"data: {d} missing (apt-get install asterisk-core-sounds-{voice[:2]}-wav): its prompts are not "
                  f"used", flush=True)
            continue
        out += [(str(f), UNKNOWN, "train") for f in sorted(d.rglob("*.wav")) if "silence" not in f.parts]
    return out


def fsdd_split(paths: Paths) -> list[tuple[str, str, str]]:
    """(path, _unknown_, split) for the FSDD spoken digits; held-out speakers give "heldout". Missing digits stop
    the pipeline, as missing keyword recordings do."""
    out = []
    files = sorted(paths.fsdd.glob("*.flac"))
    if not files:
        raise SystemExit(f"data: no spoken digits in {paths.fsdd} (set EARSHOT_DATA to the folder holding "
                         f"keywords/<word>/*.flac and speech/fsdd/; default <repo>/../shared/data)")
    for f in files:
        parts = f.stem.split("_")
        spk = parts[1] if len(parts) >= 3 else "?"
        out.append((str(f), UNKNOWN, "heldout" if spk in FSDD_HELDOUT_SPEAKERS else "train"))
    return out


# ---------------------------------------------------------------- rendering

def _bed(kind: str, n: int, rng: np.random.Generator, babble_pool: list[str]) -> np.ndarray:
    if kind == "white":
        return audio.white(n, rng)
    if kind == "pink":
        return audio.pink(n, rng)
    if kind == "brown":
        return audio.brown(n, rng)
    if kind == "music":
        return audio.synth_music(n, rng)
    if kind == "babble" and babble_pool:
        y = np.zeros(n, np.float32)
        for _ in range(int(rng.integers(3, 11))):
            x = audio.load(babble_pool[int(rng.integers(len(babble_pool)))])
            x = np.tile(x, int(np.ceil(n / max(1, len(x)))) + 1)
            s = int(rng.integers(0, len(x) - n + 1))
            y += x[s:s + n] / audio.rms(x)
        return y / (np.std(y) + 1e-9)
    if kind == "fan":  # appliance: broadband noise low-passed somewhere in 300-3000 Hz, often with mains hum
        y = sosfilt(butter(int(rng.integers(2, 6)), rng.uniform(300, 3000), "lowpass", fs=SR, output="sos"),
                    rng.standard_normal(n)).astype(np.float32)
        y /= np.std(y) + 1e-9
        if rng.random() < 0.6:
            t = np.arange(n) / SR
            f0 = rng.choice([50.0, 60.0])
            h = sum(np.sin(2 * np.pi * f0 * k * t + rng.uniform(0, 6.3)) / k for k in range(1, int(rng.integers(2, 8))))
            y = y + rng.uniform(0.2, 0.8) * (h / (np.std(h) + 1e-9))
        return (y / (np.std(y) + 1e-9)).astype(np.float32)
    if kind == "cafe":  # many talkers + broadband noise + dish/cutlery clicks
        y = _bed("babble", n, rng, babble_pool) + rng.uniform(0.3, 0.8) * audio.pink(n, rng)
        clicks = np.zeros(n, np.float32)
        for _ in range(int(n / SR * rng.uniform(0.3, 1.5))):
            a, L = int(rng.integers(0, max(1, n - 1000))), int(rng.integers(150, 1000))
            clicks[a:a + L] += rng.standard_normal(L) * np.exp(-np.arange(L) / rng.uniform(40, 200)) * rng.uniform(1, 6)
        y = y + sosfilt(butter(2, rng.uniform(1000, 3000), "highpass", fs=SR, output="sos"), clicks)
        return (y / (np.std(y) + 1e-9)).astype(np.float32)
    if kind == "hum":
        t = np.arange(n) / SR
        f0 = rng.choice([50.0, 60.0, 100.0, 120.0])
        y = sum(np.sin(2 * np.pi * f0 * h * t) / h for h in range(1, 6)) + 0.1 * audio.pink(n, rng)
        return (y / np.std(y)).astype(np.float32)
    return audio.pink(n, rng)


BED_KINDS = ["white", "pink", "brown", "babble", "music", "hum"]
BED_P = [0.15, 0.25, 0.15, 0.2, 0.2, 0.05]
"""Noise beds of the long streams (held-out background, tuning and quiet mining streams)."""
AUG_KINDS = BED_KINDS + ["fan", "cafe"]
AUG_P = [0.08, 0.15, 0.1, 0.22, 0.15, 0.05, 0.12, 0.13]
"""Noise for augmenting training windows and the noisy mining streams. Babble-like (babble, cafe) and
appliance (fan) noise are where the 2026-12-02 model missed most (hits at its zero-false-alarm thresholds:
babble 39 %, cafe 50 %, appliance 60 %, pink/brown/music 87-90 %)."""
AUG_VERSION = "a2"  # a3 adds data (extra sentences, mining streams) but renders windows as a2 does
"""Part of every rendered window's cache key: bump when augmentation changes so windows are re-rendered."""
REAL_REPS = 8
"""Augmented windows per training recording of a keyword (the scarcest data: ~190 recordings per keyword)."""
BABBLE_REPS = RECIPE_SPEC.babble_reps
"""Recipe e2b: extra windows per training recording of a keyword (and one per TTS keyword clip) over babble or
cafe noise at 0–15 dB SNR: at its 1 FA/10 h thresholds v11 misses 11 of the 31 test instances in the babble
stream and 4 of the 152 in the five others (Tools/train/README.md, *Where v11 misses*)."""
BABBLE_SNR_DB = (0.0, 15.0)
REAL_NOISE_P = 0.85
"""Probability that a window of a real recording gets a noise bed (synthetic speech: 0.9)."""


def _place(x: np.ndarray, rng: np.random.Generator, real: bool) -> np.ndarray:
    """Returns a W-sample window containing the speech region of x at a random position."""
    s, e = audio.speech_region(x)
    if e - s > W - 800:  # longer than the window: keep the loudest part
        c = (s + e) // 2
        fr = 320
        n = len(x) // fr
        en = np.convolve(np.square(x[: n * fr].reshape(n, fr)).sum(1), np.ones(W // fr - 2), "valid")
        c = int(np.argmax(en)) * fr
        s, e = c, c + W - 800
    if real:
        # take context from the recording itself: window start in [e - W, s]
        lo, hi = max(0, e - W), min(s, max(0, len(x) - W))
        if hi >= lo and len(x) >= W:
            st = int(rng.integers(lo, hi + 1))
            return x[st:st + W].copy()
    seg = x[s:e]
    out = np.zeros(W, np.float32)
    if len(seg) > W:
        seg = seg[:W]
    st = int(rng.integers(0, W - len(seg) + 1))
    out[st:st + len(seg)] = seg
    return out


POS_END_GAP = (0.0, 0.35)
"""Keyword positives end-aligned: the keyword's (padded) end lies this many seconds before the window end, so
the network learns to fire right after the keyword and not ~1 s later while the word is still in the window."""
LATE_END_GAP = (0.7, 1.25)
"""'Late' negatives (keyword recordings labelled _unknown_): the keyword ended this many seconds before the
window end (at the top of the range only its last ~0.25 s is still in the window)."""
LATE_SPEECH_P = 0.5
"""Probability that a late negative has other speech (a training-sentence crop) after the keyword."""
TRIM_ZEROS = os.environ.get("EARSHOT_TRIM_ZEROS", "0") == "1"
"""Trim the exact digital zeros at the edges of the keyword recordings (opt-in: measured no better; the
shipped models were trained without it)."""
FLOOR_PAD = PLACEMENT == "end"
"""End-aligned recordings continue past their ends with their own background instead of zeros."""
PLACE_TAG = "end2"
"""Part of the cache key of every rendered window made from a keyword recording (bump when placement changes)."""


def _mirror_extend(seg: np.ndarray, n: int) -> np.ndarray:
    """n samples that continue `seg` past its end by reflection (seg reversed, seg, reversed, ...), so the
    join has no step and the continuation has the segment's own level and spectrum."""
    if n <= 0:
        return np.zeros(0, np.float32)
    reps = int(np.ceil(n / len(seg))) + 1
    return np.concatenate([seg[::-1] if i % 2 == 0 else seg for i in range(reps)])[:n].astype(np.float32)


FLOOR_MIN = 480
"""Shortest stretch of a recording's own background (30 ms) worth reflecting; below it, noise at its level."""


def _floor(x: np.ndarray, s: int, e: int, side: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """n samples of the recording's own background to put before (side="pre") or after ("post") it: the
    recording's lead-in or tail reflected outward, or, when both are shorter than 30 ms, white noise at the
    level of its quietest 20 ms. Keeps a recording that starts just before the word (many alexa clips) from
    giving its windows a step from digital silence to the room's noise that no other class has."""
    lead, tail = x[:s], x[e:]
    own = lead if side == "pre" else tail
    seg = own if len(own) >= FLOOR_MIN else (lead if len(lead) >= len(tail) else tail)
    if len(seg) < FLOOR_MIN:
        k = max(1, len(x) // 320)
        q = np.sqrt(np.min(np.square(x[: k * 320].reshape(k, -1)).mean(axis=1)) + 1e-12)
        return (audio.white(n, rng) * q).astype(np.float32)
    if side == "pre":
        return _mirror_extend(seg[::-1], n)[::-1]
    return _mirror_extend(seg, n)


def _place_end(x: np.ndarray, rng: np.random.Generator, real: bool,
               gap: tuple[float, float]) -> tuple[np.ndarray, int]:
    """Returns a W-sample window in which the speech region of x ends `gap` (random in the range, seconds)
    before the window end. Recordings keep their own context before and after the word where they have it,
    and where the window reaches past the recording it continues with the recording's own background
    (`_floor`); synthetic speech is zero outside the word (the noise bed is added later).
    Also returns where the speech region ends in the window (samples)."""
    s, e = audio.speech_region(x)
    st = e + int(rng.uniform(*gap) * SR) - W  # window start in x's samples (may be negative)
    out = np.zeros(W, np.float32)
    lo, hi = (max(0, st), min(len(x), st + W)) if real else (max(s, st), min(e, st + W))
    if hi > lo:
        out[lo - st:hi - st] = x[lo:hi]
        if real and FLOOR_PAD:
            if lo - st > 0:
                out[:lo - st] = _floor(x, s, e, "pre", lo - st, rng)
            if hi - st < W:
                out[hi - st:] = _floor(x, s, e, "post", W - (hi - st), rng)
    return out, e - st


def _speech_after(y: np.ndarray, end: int, x: np.ndarray, rng: np.random.Generator,
                  pool: list[str]) -> np.ndarray:
    """Adds a crop of another utterance (from `pool`) 0.15–0.6 s after the keyword (ending at sample `end`
    of y) of a late negative, at −8…+3 dB relative to the keyword."""
    if not pool:
        return y
    s, e = audio.speech_region(x)
    start = int(end + rng.uniform(0.15, 0.6) * SR)
    if start >= W - int(0.1 * SR):
        return y
    z = audio.load(pool[int(rng.integers(len(pool)))])
    n = W - start
    if len(z) > n:
        a = int(rng.integers(0, len(z) - n + 1))
        z = z[a:a + n]
    k = audio.rms(x[s:e]) if e > s else audio.rms(y)
    z = z / (audio.rms(z) + 1e-9) * k * 10 ** (rng.uniform(-8, 3) / 20)
    y = y.copy()
    y[start:start + len(z)] += z
    return y


def render(item: tuple) -> str | None:
    """Renders one augmented window. item = (src, label, out, seed, mode, babble_pool)."""
    src, label, out, seed, mode, babble_pool = item
    out = Path(out)
    if out.exists():
        return str(out)
    rng = np.random.default_rng(seed)
    try:
        if label == BACKGROUND:
            kind = src
            if kind == "silence":
                y = audio.white(W, rng) * 10 ** (rng.uniform(-90, -60) / 20)
            else:
                y = _bed(kind, W, rng, babble_pool) * 10 ** (rng.uniform(-50, -12) / 20)
            audio.write(out, y)
            return str(out)
        x = audio.load(src)
        real = "/keywords/" in src
        if real and TRIM_ZEROS:
            # Many alexa recordings open with up to 0.2 s of exact digital zeros (a device artefact no other
            # keyword has); trimmed, so the network cannot learn "silence, then noise" as a cue for alexa.
            nz = np.flatnonzero(np.abs(x) > 1e-6)
            if len(nz):
                x = x[nz[0]:nz[-1] + 1]
        babble_only = mode == "babble"  # e2b: a keyword over babble-like noise
        if babble_only:
            mode = "train"
        late = mode in ("late", "late_val")  # a keyword recording that ended long ago, labelled _unknown_
        if late:
            mode = "train" if mode == "late" else "val"
        if not real and mode != "clean" and rng.random() < 0.4:  # speed+pitch change by resampling
            f = rng.uniform(0.88, 1.12)
            x = audio.resample(x, int(SR * f), SR)
        if mode == "crop":  # random crop of a sentence
            if len(x) > W:
                st = int(rng.integers(0, len(x) - W + 1))
                y = x[st:st + W].copy()
            else:
                y = np.zeros(W, np.float32)
                st = int(rng.integers(0, W - len(x) + 1))
                y[st:st + len(x)] = x
        elif late:
            y, end = _place_end(x, rng, real, LATE_END_GAP)
            if mode == "train" and rng.random() < LATE_SPEECH_P:
                y = _speech_after(y, end, x, rng, babble_pool)
        elif label in KEYWORDS and PLACEMENT == "end":
            y, _ = _place_end(x, rng, real, POS_END_GAP)
        else:
            y = _place(x, rng, real)
        if mode == "clean":
            y = y + audio.white(W, rng) * (1e-4 if not real else 0.0)
        else:
            if rng.random() < 0.3:
                y = audio.reverb(y, rng)
            if rng.random() < 0.15:
                y = audio.bandlimit(y, rng)
            p_noise = REAL_NOISE_P if real else 0.9
            if babble_only or rng.random() < p_noise:
                kind = str(rng.choice(AUG_KINDS, p=AUG_P)) if not babble_only else ("babble" if rng.random() < 0.7 else "cafe")
                snr = (rng.uniform(*BABBLE_SNR_DB) if babble_only else
                       rng.uniform(0, 20) if mode != "val" else rng.uniform(5, 20))
                bed = _bed(kind, W, rng, babble_pool)
                s_rms = audio.rms(y[np.abs(y) > 0.02 * np.max(np.abs(y))]) if np.max(np.abs(y)) > 0 else 1.0
                y = y + bed * s_rms / (10 ** (snr / 20))
            else:
                y = y + audio.white(W, rng) * 10 ** (rng.uniform(-80, -55) / 20)
        peak = np.max(np.abs(y)) + 1e-9
        y = y / peak * 10 ** (rng.uniform(-30, -1) / 20 if mode != "clean" else -6 / 20)
        audio.write(out, y)
        return str(out)
    except Exception as e:
        print(f"render: {src}: {e}", flush=True)
        return None


def _write_csv(path: Path, rows) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        for r in rows:
            w.writerow(r)


def heldout_streams(paths: Paths, sources: list[str], rng: np.random.Generator, n_streams: int,
                    minutes: float, folder: Path | None = None, prefix: str = "background",
                    snr_db: tuple[float, float] | None = None) -> list[str]:
    """Long background streams from held-out speech + noise + music, for false-alarm evaluation.
    With `snr_db`, speech sits at a steady level and the noise beds at an SNR drawn from that range
    (as in the test streams); otherwise noise beds are quiet (−55…−30 dBFS) under louder speech."""
    out = []
    pool = list(sources)
    rng.shuffle(pool)
    per = int(np.ceil(len(pool) / n_streams))
    for k in range(n_streams):
        p = (folder or paths.heldout) / f"{prefix}_{k:02d}.wav"
        out.append(str(p))
        if p.exists():
            continue
        if snr_db is not None:
            audio.write(p, _snr_stream(pool[k * per:(k + 1) * per], rng, int(minutes * 60 * SR), snr_db, pool[:50]))
            continue
        n = int(minutes * 60 * SR)
        y = np.zeros(n, np.float32)
        # noise floor that changes type every ~20 s
        pos = 0
        while pos < n:
            seg = min(n - pos, int(rng.uniform(10, 30) * SR))
            kind = str(rng.choice(BED_KINDS + ["silence"], p=[0.1, 0.2, 0.1, 0.2, 0.2, 0.05, 0.15]))
            lvl = 10 ** (rng.uniform(-55, -30) / 20)
            if kind == "silence":
                y[pos:pos + seg] += audio.white(seg, rng) * 1e-4
            else:
                y[pos:pos + seg] += _bed(kind, seg, rng, pool[:50]) * lvl
            pos += seg
        pos = int(rng.uniform(0.5, 2) * SR)
        for src in pool[k * per:(k + 1) * per]:
            x = audio.load(src)
            x = x / (np.max(np.abs(x)) + 1e-9) * 10 ** (rng.uniform(-20, -3) / 20)
            if pos + len(x) >= n:
                break
            y[pos:pos + len(x)] += x
            pos += len(x) + int(rng.uniform(0.2, 3.0) * SR)
        audio.write(p, y / max(1.0, float(np.max(np.abs(y)))))
    return out


def _snr_stream(sources: list[str], rng: np.random.Generator, n: int, snr_db: tuple[float, float],
                babble_pool: list[str]) -> np.ndarray:
    """Speech pieces at −26 dBFS active RMS (±4 dB) with 0.2–2 s pauses, over noise beds that change type
    every 10–30 s, each at an SNR drawn from `snr_db` below the speech level."""
    speech = np.zeros(n, np.float32)
    level = 10 ** (-26 / 20)
    pos = int(rng.uniform(0.5, 2) * SR)
    for src in sources:
        x = audio.load(src)
        s, e = audio.speech_region(x)
        act = audio.rms(x[s:e]) if e > s else audio.rms(x)
        x = x / (act + 1e-9) * level * 10 ** (rng.uniform(-4, 4) / 20)
        if pos + len(x) >= n:
            break
        speech[pos:pos + len(x)] += x
        pos += len(x) + int(rng.uniform(0.2, 2.0) * SR)
    noise = np.zeros(n, np.float32)
    pos = 0
    while pos < n:
        seg = min(n - pos, int(rng.uniform(10, 30) * SR))
        kind = str(rng.choice(AUG_KINDS, p=AUG_P))
        bed = _bed(kind, seg, rng, babble_pool)
        noise[pos:pos + seg] = bed / (audio.rms(bed) + 1e-9) * level / 10 ** (rng.uniform(*snr_db) / 20)
        pos += seg
    y = speech + noise
    return y / max(1.0, float(np.max(np.abs(y))) / 0.99)


LATE_REAL_REPS = 2
LATE_TTS_EVERY = 2
"""Late negatives: 2 per training recording, 1 per 2nd synthetic keyword (≈ 1 per 3 keyword windows)."""

TUNE_NOISY_STREAMS = 6
"""Noisy threshold-tuning streams of 6 min (0.6 h) beside the 2 quiet ones (0.2 h)."""

EXTRA_SENTENCES = RECIPE_SPEC.extra_sentences
"""Training-only fortunes sentences beyond the 2000 of the split (a3): 2 crops each, and more speech to mine."""

EXTRA_CROPS = 2
"""Crops per extra sentence (the 1200 training sentences of the split keep 5)."""

MINE_QUIET_STREAMS, MINE_NOISY_STREAMS = RECIPE_SPEC.mine_streams
"""Hard-negative mining streams of 6 min: a2 20 at 0–15 dB SNR (2 h) beside 10 quiet ones (1 h); a3 40 (4 h) and 12 (1.2 h)."""

LONG_READS = RECIPE_SPEC.long_reads
"""Long training-only readings (a4; as many as the non-test fortunes files give, about 3,700)."""

MINE_LONG_STREAMS = 80
"""Mining streams of continuous long readings at 0–15 dB SNR (a4): 80 × 6 min = 8 h."""

MINE_TAG = RECIPE_SPEC.mine_tag
"""Names the mining streams of the a3 speech pool (mine_b_NN, mine_b_snr_NN), so a2's (mine_NN, mine_snr_NN) are not reused."""

HELDOUT_MINUTES = 7.0
"""Length of each held-out background stream (8 of them: 0.93 h)."""


def window_key(split: str, src: str, label: str, rep: int, mode: str) -> str:
    """The cache key of one rendered window (its file is clips/<split>/<label>/<sha1 of the key>[:16].wav, and it
    seeds the window's augmentation): split, source, repetition, render mode and everything that changes rendering."""
    key = f"{split}|{src}|{rep}|{mode}|{AUG_VERSION}"
    if PLACEMENT == "end" and (label in KEYWORDS or mode.startswith("late")):
        key += f"|{PLACE_TAG}"
    if "/keywords/" in src and TRIM_ZEROS:
        key += "|z1"  # recordings with their digital-zero edges trimmed
    return key


def prepare(paths: Paths, scale: float = 1.0, workers: int = 2, seed: int = 0) -> dict:
    """Builds every dataset artefact; cached files are reused. `scale` < 1 makes a tiny set (smoke test)."""
    import time
    started = time.time()
    rng = np.random.default_rng(seed)
    n = lambda v: max(1, int(round(v * scale)))
    plan = synth_plan(paths, rng, per_keyword=n(130), near_miss_reps=max(2, n(6)), common_reps=n(2),
                      sentences=n(2000), word_fraction=min(1.0, scale * 2), extra_near_reps=n(8),
                      extra_sentences=n(EXTRA_SENTENCES) if EXTRA_SENTENCES else 0,
                      long_reads=n(LONG_READS) if LONG_READS else 0)
    jobs = [j for j, _, _ in plan]
    made = {"tts": sum(1 for j in jobs if not Path(j.out).exists())}  # work this run does (not cached)
    written = tts.synthesize_jobs(jobs, workers)
    tts_sources = [(w, lab, split) for (j, lab, split), w in zip(plan, written) if w]

    real = real_keyword_split(paths)
    if scale < 1:
        real = [r for i, r in enumerate(real) if i % int(round(1 / scale)) == 0]
    fsdd = fsdd_split(paths)
    if scale < 1:
        fsdd = fsdd[:: int(round(1 / scale))]
    kt = ktuberling_split(paths)
    if scale < 1:
        kt = kt[:: int(round(1 / scale))]
    ast = asterisk_split(paths) if REAL_SPEECH else []
    if scale < 1:
        ast = ast[:: int(round(1 / scale))]

    # source split lists for other tools
    src_train = [(p, l) for p, l, s in real + tts_sources if s == "train"]
    src_val = [(p, l) for p, l, s in real + tts_sources if s == "val"]
    _write_csv(paths.splits / "train.txt", src_train)
    _write_csv(paths.splits / "val.txt", src_val)

    sent_train = [p for p, l, s in tts_sources if "/sent/" in p and s == "train"]
    # held-out general background: held-out sentences, the held-out FSDD speaker and recorded words of
    # held-out languages, over noise beds (what the Picovoice benchmark's background is: speech that is
    # not the keyword, not phrases built to sound like it)
    heldout_src = [p for p, l, s in tts_sources + fsdd if s == "heldout"]
    heldout_src += [p for p, l, s in kt if s == "heldout"]
    streams = heldout_streams(paths, heldout_src, np.random.default_rng(seed + 7), n_streams=max(1, n(8)),
                              minutes=HELDOUT_MINUTES if scale >= 1 else 0.5, prefix="general")
    _write_csv(paths.splits / "background_heldout.txt", [(s, BACKGROUND) for s in streams])
    # held-out near misses (the validation voice of each phrase; never trained on), with the keyword each
    # imitates: scored apart from the background as near-miss false accepts
    target = {w: kw for kw, ws in NEAR_MISS_TARGETS.items() for w in ws}
    _write_csv(paths.splits / "nearmiss_heldout.txt",
               [(w, target[j.text], j.text) for (j, lab, s), w in zip(plan, written)
                if w and "/near/" in w and s == "val"])
    # threshold-tuning streams from validation sentences (separate from the held-out test streams)
    tune_src = [p for p, l, s in tts_sources if "/sent/" in p and s == "val"]
    tune = heldout_streams(paths, tune_src, np.random.default_rng(seed + 11), n_streams=max(1, n(2)),
                           minutes=6.0 if scale >= 1 else 0.5, folder=paths.cache / "tune", prefix="tune")
    # and the same validation sentences at 0–15 dB SNR: default thresholds must hold in noise too (with the quiet
    # streams alone they gave 7–19 false alarms per hour on the noisy held-out background)
    tune += heldout_streams(paths, tune_src, np.random.default_rng(seed + 19), n_streams=max(1, n(TUNE_NOISY_STREAMS)),
                            minutes=6.0 if scale >= 1 else 0.5, folder=paths.cache / "tune", prefix="tune_snr",
                            snr_db=(0.0, 15.0))
    _write_csv(paths.splits / "tune_streams.txt", [(s, BACKGROUND) for s in tune])
    # hard-negative mining streams: training-side negative speech only (training mines the windows on
    # which a first model fires and trains on them as _unknown_)
    mine_src = [p for p, l, s in tts_sources if s == "train" and ("/sent/" in p or "/near/" in p or "/words/" in p)]
    mine_src += [p for p, l, s in fsdd + kt if s == "train"]
    mine = heldout_streams(paths, mine_src, np.random.default_rng(seed + 13), n_streams=max(1, n(MINE_QUIET_STREAMS)),
                           minutes=6.0 if scale >= 1 else 0.5, folder=paths.cache / "mine", prefix=f"mine{MINE_TAG}")
    # the same negatives again at 0–15 dB SNR (the test streams use 10 dB): what the network must not
    # fire on in noise, which the quiet-noise streams above do not show it
    mine += heldout_streams(paths, mine_src, np.random.default_rng(seed + 17), n_streams=max(1, n(MINE_NOISY_STREAMS)),
                            minutes=6.0 if scale >= 1 else 0.5, folder=paths.cache / "mine", prefix=f"mine{MINE_TAG}_snr",
                            snr_db=(0.0, 15.0))
    if ast:  # d3: the recorded prompts over noise, 0–15 dB SNR
        mine += heldout_streams(paths, [p for p, _, _ in ast], np.random.default_rng(seed + 29),
                                n_streams=max(1, n(MINE_REAL_STREAMS)), minutes=6.0 if scale >= 1 else 0.5,
                                folder=paths.cache / "mine", prefix="mine_real_snr", snr_db=(0.0, 15.0))
    long_src = [p for p, l, s in tts_sources if "/long/" in p]
    if long_src:
        mine += heldout_streams(paths, long_src, np.random.default_rng(seed + 23), n_streams=max(1, n(MINE_LONG_STREAMS)),
                                minutes=6.0 if scale >= 1 else 0.5, folder=paths.cache / "mine", prefix="mine_long_snr",
                                snr_db=(0.0, 15.0))
    _write_csv(paths.splits / "mining_streams.txt", [(s, BACKGROUND) for s in mine])

    items = {"train": [], "val": []}
    babble = sent_train[:200]

    def add(split, src, label, reps, mode):
        for r in range(reps):
            key = window_key(split, src, label, r, mode)
            name = hashlib.sha1(key.encode()).hexdigest()[:16]
            out = paths.clips / split / label / f"{name}.wav"
            items[split].append((src, label, str(out), _h(key) + seed, mode, babble))

    for p, lab, s in real:
        if s == "train":
            add("train", p, lab, REAL_REPS, "train")
            if BABBLE_REPS:
                add("train", p, lab, BABBLE_REPS, "babble")
            if PLACEMENT == "end":
                add("train", p, UNKNOWN, LATE_REAL_REPS, "late")
        else:
            add("val", p, lab, 1, "clean")
            add("val", p, lab, 1, "val")
            if PLACEMENT == "end":
                add("val", p, UNKNOWN, 1, "late_val")
    for p, lab, s in tts_sources:
        if "/kw/" in p:
            add("train", p, lab, 3, "train")
            if BABBLE_REPS:
                add("train", p, lab, 1, "babble")
            if PLACEMENT == "end" and _h(p) % LATE_TTS_EVERY == 0:
                add("train", p, UNKNOWN, 1, "late")
        elif "/near/" in p:
            add(s, p, lab, 2 if s == "train" else 1, "train" if s == "train" else "val")
        elif "/words/" in p:
            add("train", p, lab, 1, "train")
        elif "/long/" in p:  # long readings: one crop each (they are mined as streams too)
            add("train", p, lab, 1, "crop")
        elif "/sent/x" in p:  # extra training sentences
            add("train", p, lab, EXTRA_CROPS, "crop")
        elif "/sent/" in p and s in ("train", "val"):
            add(s, p, lab, 5 if s == "train" else 1, "crop")
    for p, lab, s in kt:
        if s == "train":
            add("train", p, lab, 3, "train")
    for p, lab, s in ast:
        add("train", p, lab, ASTERISK_CROPS, "crop")
    for p, lab, s in fsdd:
        if s == "train" and _h(p) % 3 == 0:
            add("train", p, lab, 1, "train")
        elif s == "heldout" and _h(p) % 4 == 0:
            add("val", p, lab, 1, "val")
    kinds = AUG_KINDS + ["silence"]
    for split, count in (("train", n(2400)), ("val", n(300))):
        for i in range(count):
            add(split, kinds[i % len(kinds)], BACKGROUND, 1, f"bg{i}")

    summary = {}
    for split in ("train", "val"):
        todo = items[split]
        print(f"render: {split}: {len(todo)} clips", flush=True)
        made["windows"] = made.get("windows", 0) + sum(1 for it in todo if not Path(it[2]).exists())
        with Pool(workers) as pool:
            res = pool.map(render, todo, chunksize=16)
        rows = [(r, it[1], it[0]) for r, it in zip(res, todo) if r]  # window, label, source it was rendered from
        _write_csv(paths.clips / f"{split}.csv", rows)
        counts = {}
        for _, lab, _ in rows:
            counts[lab] = counts.get(lab, 0) + 1
        summary[split] = counts
    summary["sources"] = {
        "real_train": sum(1 for r in real if r[2] == "train"),
        "real_val": sum(1 for r in real if r[2] == "val"),
        "tts_keyword": sum(1 for p, _, _ in tts_sources if "/kw/" in p),
        "tts_near_miss": sum(1 for p, _, _ in tts_sources if "/near/" in p),
        "tts_words": sum(1 for p, _, _ in tts_sources if "/words/" in p),
        "tts_sentences": sum(1 for p, _, _ in tts_sources if "/sent/" in p),
        "tts_long_reads": sum(1 for p, _, _ in tts_sources if "/long/" in p),
        "fsdd_train": sum(1 for r in fsdd if r[2] == "train"),
        "recorded_words_train": sum(1 for r in kt if r[2] == "train"),
        "recorded_words_heldout": sum(1 for r in kt if r[2] == "heldout"),
        "mining_streams": mine,
        "heldout_sources": len(heldout_src),
        "heldout_streams": streams,
        "heldout_hours": len(streams) * (HELDOUT_MINUTES if scale >= 1 else 0.5) / 60,
        "mining_hours": len(mine) * (6.0 if scale >= 1 else 0.5) / 60,
    }
    summary["prepare_seconds"] = round(time.time() - started, 1)
    summary["prepare_made"] = made
    (paths.cache / "data_summary.json").write_text(json.dumps(summary, indent=2))
    print(json.dumps(summary, indent=2), flush=True)
    return summary
