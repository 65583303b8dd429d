#!/usr/bin/env python3
"""Reference MFCC features for EarshotFeatures tests, computed with tf.signal (MLPerf Tiny front end).

Writes to Tests/EarshotFeaturesTests/Fixtures/:
  mfcc-<name>-input.npy   float32 [samples]      the test signal (16 kHz, range [-1, 1])
  mfcc-<name>-tf.npy      float32 [frames, 10]   tf.signal MFCCs of it
  mel-weights-tf.npy      float32 [257, 40]      tf.signal.linear_to_mel_weight_matrix(40, 257, 16000, 20, 4000)

Signals: a linear chirp 100 Hz -> 7.9 kHz over a -60 dB noise floor, seeded Gaussian noise, and 1 s of the real clip
Audio/alexa-1.flac around the word (decoded with the `flac` command line tool).

The front end is the one in MLPerf Tiny's keyword-spotting benchmark (get_dataset.py):
  stft(frame_length=480, frame_step=320, fft_length=512, periodic Hann, pad_end=False) -> |X|
  -> tensordot with linear_to_mel_weight_matrix(40, 257, 16000, 20, 4000) -> log(mel + 1e-6)
  -> mfccs_from_log_mel_spectrograms(...)[..., :10]
A float64 numpy re-implementation (`numpy_mfcc`) is also run and its distance to tf.signal is
printed, as a check that the semantics (window, DC bin, band edges, DCT scale) are understood.

Usage: .venv/bin/python Tools/mfcc_reference.py [--no-tf]   (run from the repository root)
"""
import argparse
import os
import subprocess
import sys

import numpy as np

SR, WIN, HOP, NFFT, MELS, LO, HI, NCOEF = 16000, 480, 320, 512, 40, 20.0, 4000.0, 10
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "EarshotFeaturesTests", "Fixtures")


def signals():
    t = np.arange(10240) / SR
    f0, f1 = 100.0, 7900.0
    dur = len(t) / SR
    rng = np.random.default_rng(1234)
    # A pure tone leaves far-away mel bands with only window-sidelobe leakage, below float32 FFT
    # round-off (~1e-4 of the peak), where log(mel + 1e-6) compares round-off noise, not features.
    # A -60 dB noise floor (as any real recording has) keeps every band well above round-off.
    chirp = 0.5 * np.sin(2 * np.pi * (f0 * t + (f1 - f0) / (2 * dur) * t * t)) + rng.normal(0, 1e-3, len(t))
    noise = np.clip(rng.normal(0, 0.1, 8000), -1, 1)
    raw = subprocess.run(["flac", "-d", "-c", "-s", "--force-raw-format", "--endian=little", "--sign=signed",
                          os.path.join(ROOT, "Audio", "alexa-1.flac")], check=True, capture_output=True).stdout
    clip = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    # 1 s centred on the highest-energy 1 s (hop 320), as `earshot features --align energy` would pick.
    e = np.concatenate([[0.0], np.cumsum(clip.astype(np.float64) ** 2)])
    starts = list(range(0, len(clip) - SR + 1, HOP))
    best = max(starts, key=lambda s: e[s + SR] - e[s])
    clip = clip[best:best + SR]
    return {"chirp": chirp.astype(np.float32), "noise": noise.astype(np.float32), "alexa": clip}


def hz_to_mel(f):
    return 1127.0 * np.log1p(np.asarray(f, dtype=np.float64) / 700.0)


def numpy_mel_matrix():
    """tf.signal.linear_to_mel_weight_matrix in float64: HTK mel, triangles in mel space, DC row zero."""
    bins = NFFT // 2 + 1
    freqs = np.linspace(0.0, SR / 2.0, bins)[1:]
    spec_mel = hz_to_mel(freqs)[:, None]
    edges = np.linspace(hz_to_mel(LO), hz_to_mel(HI), MELS + 2)
    lower, center, upper = edges[:-2], edges[1:-1], edges[2:]
    w = np.maximum(0.0, np.minimum((spec_mel - lower) / (center - lower), (upper - spec_mel) / (upper - center)))
    return np.vstack([np.zeros((1, MELS)), w])


def numpy_mfcc(x):
    x = np.asarray(x, dtype=np.float64)
    n = np.arange(WIN)
    window = 0.5 - 0.5 * np.cos(2 * np.pi * n / WIN)  # periodic Hann
    frames = 1 + (len(x) - WIN) // HOP if len(x) >= WIN else 0
    idx = np.arange(WIN)[None, :] + HOP * np.arange(frames)[:, None]
    spec = np.abs(np.fft.rfft(x[idx] * window, n=NFFT))
    logmel = np.log(spec @ numpy_mel_matrix() + 1e-6)
    k = np.arange(NCOEF)[:, None]
    m = np.arange(MELS)[None, :]
    dct = np.cos(np.pi * k * (2 * m + 1) / (2 * MELS)) * np.sqrt(2.0 / MELS)
    return logmel @ dct.T


def tf_mfcc(x):
    import tensorflow as tf
    stft = tf.signal.stft(tf.constant(x[None, :]), frame_length=WIN, frame_step=HOP, fft_length=NFFT)
    spec = tf.abs(stft)
    mel_w = tf.signal.linear_to_mel_weight_matrix(MELS, NFFT // 2 + 1, SR, LO, HI)
    mel = tf.tensordot(spec, mel_w, 1)
    logmel = tf.math.log(mel + 1e-6)
    return tf.signal.mfccs_from_log_mel_spectrograms(logmel)[..., :NCOEF].numpy()[0], mel_w.numpy()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-tf", action="store_true", help="use the numpy re-implementation (no TensorFlow)")
    args = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)
    mel_np = numpy_mel_matrix()
    for name, x in signals().items():
        ref_np = numpy_mfcc(x)
        if args.no_tf:
            ref, mel_w = ref_np, mel_np
        else:
            ref, mel_w = tf_mfcc(x)
            print(f"{name}: {len(x)} samples, {ref.shape[0]} frames; |tf - numpy64| max {np.abs(ref - ref_np).max():.2e}")
        np.save(os.path.join(OUT, f"mfcc-{name}-input.npy"), x.astype("<f4"))
        np.save(os.path.join(OUT, f"mfcc-{name}-tf.npy"), ref.astype("<f4"))
    np.save(os.path.join(OUT, "mel-weights-tf.npy"), mel_w.astype("<f4"))
    print(f"mel weights: |tf - numpy64| max {np.abs(mel_w - mel_np).max():.2e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
