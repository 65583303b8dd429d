"""Generated noise for the test streams (deterministic from a seed), all at unit RMS."""
from __future__ import annotations

import numpy as np
from scipy.signal import butter, sosfilt

SR = 16000
NOISE_TYPES = ["pink", "babble", "music", "appliance", "brown", "cafe"]
NOISE_DESCRIPTIONS = {
    "pink": "pink (1/f) noise",
    "brown": "brown (1/f^2) rumble, high-passed at 30 Hz",
    "babble": "babble: 6 overlapping held-out TTS talkers",
    "music": "synthetic music: random chord progressions of harmonic tones with a noise-burst beat",
    "appliance": "appliance/fan: 50 Hz mains hum with harmonics plus low-passed broadband noise",
    "cafe": "cafe-like: babble + pink noise + random clatter transients",
}


def _unit(x: np.ndarray) -> np.ndarray:
    x = x - x.mean()
    return (x / (np.sqrt(np.mean(x.astype(np.float64) ** 2)) + 1e-12)).astype(np.float32)


def _colored(n: int, rng: np.random.Generator, exponent: float) -> np.ndarray:
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1 / SR)
    f[0] = f[1]
    spec *= f ** (-exponent / 2)
    return np.fft.irfft(spec, n)


def pink(n, rng):
    return _unit(_colored(n, rng, 1.0))


def brown(n, rng):
    x = _colored(n, rng, 2.0)
    return _unit(sosfilt(butter(2, 30, "highpass", fs=SR, output="sos"), x))


def babble(n, rng, speech_pool: list[np.ndarray], talkers: int = 6):
    out = np.zeros(n, np.float64)
    if not speech_pool:
        return pink(n, rng)
    for _ in range(talkers):
        pos = 0
        track = np.zeros(n, np.float64)
        while pos < n:
            u = speech_pool[rng.integers(len(speech_pool))]
            u = u / (np.sqrt(np.mean(u.astype(np.float64) ** 2)) + 1e-9)
            m = min(len(u), n - pos)
            track[pos:pos + m] += u[:m]
            pos += m + int(rng.uniform(0.05, 0.4) * SR)
        out += track
    return _unit(out)


def music(n, rng):
    out = np.zeros(n, np.float64)
    bpm = rng.uniform(80, 140)
    beat = int(SR * 60 / bpm)
    bar = 4 * beat
    root = rng.uniform(110, 220)
    t = np.arange(bar) / SR
    env_note = np.exp(-t * rng.uniform(1.0, 3.0))
    pos = 0
    while pos < n:
        chord_root = root * 2 ** (rng.choice([0, 3, 5, 7, 8, 10]) / 12)
        seg = np.zeros(bar)
        for iv in (0, 4 if rng.random() < 0.5 else 3, 7):
            f0 = chord_root * 2 ** (iv / 12)
            for h in range(1, 5):
                seg += np.sin(2 * np.pi * f0 * h * t + rng.uniform(0, 6.28)) / h
        seg *= env_note
        # melody: one note per beat
        for b in range(4):
            f = root * 2 * 2 ** (rng.choice([0, 2, 4, 5, 7, 9, 11, 12]) / 12)
            tb = np.arange(beat) / SR
            seg[b * beat:(b + 1) * beat] += 0.6 * np.sin(2 * np.pi * f * tb) * np.exp(-tb * 4)
            # drum-like burst
            burst = rng.standard_normal(beat // 6) * np.exp(-np.arange(beat // 6) / (SR * 0.02))
            seg[b * beat:b * beat + len(burst)] += 0.8 * burst
        m = min(bar, n - pos)
        out[pos:pos + m] += seg[:m]
        pos += bar
    return _unit(out)


def appliance(n, rng):
    t = np.arange(n) / SR
    hum = sum(np.sin(2 * np.pi * 50 * k * t + rng.uniform(0, 6.28)) / k for k in range(1, 6))
    fan = sosfilt(butter(4, rng.uniform(600, 1500), "lowpass", fs=SR, output="sos"),
                  rng.standard_normal(n))
    return _unit(0.4 * _unit(hum) + _unit(fan))


def cafe(n, rng, speech_pool):
    x = 0.8 * babble(n, rng, speech_pool, talkers=8) + 0.5 * pink(n, rng)
    clatter = np.zeros(n)
    for _ in range(int(n / SR * 0.7)):
        p = rng.integers(0, max(1, n - 800))
        L = int(rng.integers(200, 800))
        clatter[p:p + L] += rng.standard_normal(L) * np.exp(-np.arange(L) / 80) * rng.uniform(2, 6)
    clatter = sosfilt(butter(2, 2000, "highpass", fs=SR, output="sos"), clatter)
    return _unit(x + clatter)


def make_noise(kind: str, n: int, seed: int, speech_pool: list[np.ndarray]) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if kind == "pink":
        return pink(n, rng)
    if kind == "brown":
        return brown(n, rng)
    if kind == "babble":
        return babble(n, rng, speech_pool)
    if kind == "music":
        return music(n, rng)
    if kind == "appliance":
        return appliance(n, rng)
    if kind == "cafe":
        return cafe(n, rng, speech_pool)
    raise ValueError(f"unknown noise type {kind!r}")


def add_noise(clean: np.ndarray, kind: str, seed: int, speech_pool: list[np.ndarray], rms: float
              ) -> tuple[np.ndarray, float]:
    """clean + a noise bed of `kind` at RMS `rms`, scaled down to a 0.99 peak if it would clip; returns
    (mix, peak before scaling). Test streams and calibration streams are mixed by this one function."""
    mix = clean + make_noise(kind, len(clean), seed, speech_pool) * rms
    peak = float(np.max(np.abs(mix)))
    if peak > 0.99:
        mix *= 0.99 / peak
    return mix, peak
