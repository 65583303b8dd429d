"""Audio helpers: load/resample/write, speech-region trimming (energy VAD), noise and reverb."""
from __future__ import annotations

from functools import lru_cache
from math import gcd
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy.signal import lfilter, resample_poly, butter, sosfilt

SR = 16000


def load(path: Path | str, sr: int = SR) -> np.ndarray:
    """Reads a file as mono float32 at `sr` Hz; raises on unreadable files."""
    x, fs = sf.read(str(path), dtype="float32", always_2d=True)
    x = x.mean(axis=1)
    if fs != sr:
        x = resample(x, fs, sr)
    return x.astype(np.float32)


def resample(x: np.ndarray, src: int, dst: int) -> np.ndarray:
    """Polyphase resampling from src to dst Hz."""
    g = gcd(int(src), int(dst))
    return resample_poly(x, dst // g, src // g).astype(np.float32)


def write(path: Path | str, x: np.ndarray, sr: int = SR) -> None:
    """Writes 16-bit PCM WAV, clipping to [-1, 1]."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), np.clip(x, -1.0, 1.0), sr, subtype="PCM_16")


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x), dtype=np.float64)) + 1e-12)


def speech_region(x: np.ndarray, sr: int = SR, frame: int = 320, rel_db: float = -22.0,
                  pad: float = 0.08) -> tuple[int, int]:
    """Start/end samples of the active region: frames within rel_db of the loudest frame and 8 dB
    above the quiet (20th percentile) level, padded by `pad` seconds."""
    n = len(x) // frame
    if n == 0:
        return 0, len(x)
    e = np.square(x[: n * frame].reshape(n, frame)).mean(axis=1) + 1e-10
    db = 10 * np.log10(e)
    floor = np.percentile(db, 20)
    thr = max(db.max() + rel_db, floor + 8.0)
    act = np.where(db > thr)[0]
    if len(act) == 0:
        return 0, len(x)
    p = int(pad * sr)
    return max(0, act[0] * frame - p), min(len(x), (act[-1] + 1) * frame + p)


def trim(x: np.ndarray, sr: int = SR) -> np.ndarray:
    s, e = speech_region(x, sr)
    return x[s:e]


# ---------------------------------------------------------------- noise

def white(n: int, rng: np.random.Generator) -> np.ndarray:
    return rng.standard_normal(n).astype(np.float32)


def pink(n: int, rng: np.random.Generator) -> np.ndarray:
    # Paul Kellet's economy filter approximation of 1/f.
    b = [0.049922035, -0.095993537, 0.050612699, -0.004408786]
    a = [1, -2.494956002, 2.017265875, -0.522189400]
    y = lfilter(b, a, rng.standard_normal(n + 2000))[2000:]
    return (y / (np.std(y) + 1e-9)).astype(np.float32)


def brown(n: int, rng: np.random.Generator) -> np.ndarray:
    y = lfilter([1.0], [1.0, -0.995], rng.standard_normal(n + 4000))[4000:]
    y = y - np.mean(y)
    return (y / (np.std(y) + 1e-9)).astype(np.float32)


def synth_music(n: int, rng: np.random.Generator, sr: int = SR) -> np.ndarray:
    """Crude synthetic music: chords of harmonic tones with note envelopes plus percussive noise hits."""
    out = np.zeros(n, np.float32)
    t = np.arange(n) / sr
    bpm = rng.uniform(70, 160)
    beat = 60.0 / bpm
    pos = 0.0
    while pos < n / sr:
        dur = beat * rng.choice([0.5, 1, 2])
        root = 110 * 2 ** (rng.integers(0, 24) / 12)
        chord = [root * 2 ** (k / 12) for k in rng.choice([[0, 4, 7], [0, 3, 7], [0, 5, 9], [0, 7, 12]])]
        s, e = int(pos * sr), min(n, int((pos + dur) * sr))
        if e > s:
            tt = t[s:e] - pos
            env = np.exp(-tt * rng.uniform(1, 6))
            note = np.zeros(e - s, np.float32)
            for f in chord:
                for h in range(1, 5):
                    if f * h < sr / 2:
                        note += (0.5 ** h) * np.sin(2 * np.pi * f * h * tt + rng.uniform(0, 6.28)).astype(np.float32)
            out[s:e] += env.astype(np.float32) * note
            if rng.random() < 0.6:
                hl = min(e - s, int(0.08 * sr))
                out[s:s + hl] += 0.5 * rng.standard_normal(hl).astype(np.float32) * np.exp(-np.arange(hl) / (0.015 * sr)).astype(np.float32)
        pos += dur
    return out / (np.std(out) + 1e-9)


def bandlimit(x: np.ndarray, rng: np.random.Generator, sr: int = SR) -> np.ndarray:
    """Random telephone-ish or muffled band-limiting."""
    lo = rng.uniform(80, 400)
    hi = rng.uniform(2800, 7500)
    sos = butter(4, [lo, min(hi, sr / 2 - 100)], btype="band", fs=sr, output="sos")
    return sosfilt(sos, x).astype(np.float32)


@lru_cache(maxsize=1)
def _rirs() -> list[np.ndarray]:
    """A small bank of simulated room impulse responses (pyroomacoustics image source method)."""
    import pyroomacoustics as pra
    rng = np.random.default_rng(1234)
    bank = []
    for _ in range(40):
        dims = [rng.uniform(3, 9), rng.uniform(3, 8), rng.uniform(2.4, 3.5)]
        rt60 = rng.uniform(0.15, 0.8)
        try:
            absorption, max_order = pra.inverse_sabine(rt60, dims)
        except ValueError:
            absorption, max_order = 0.5, 10
        room = pra.ShoeBox(dims, fs=SR, materials=pra.Material(absorption), max_order=min(max_order, 14))
        src = [rng.uniform(0.5, d - 0.5) for d in dims]
        mic = [rng.uniform(0.5, d - 0.5) for d in dims]
        room.add_source(src)
        room.add_microphone(mic)
        room.compute_rir()
        h = np.asarray(room.rir[0][0], np.float32)
        h = h[: int(0.6 * SR)]
        bank.append(h / (np.max(np.abs(h)) + 1e-9))
    return bank


def reverb(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    bank = _rirs()
    h = bank[rng.integers(len(bank))]
    k = int(np.argmax(np.abs(h)))
    y = np.convolve(x, h)[k:k + len(x)]
    return (y * (rms(x) / rms(y))).astype(np.float32)
