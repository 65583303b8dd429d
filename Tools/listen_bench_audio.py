#!/usr/bin/env python3
"""Builds a long raw S16_LE 16 kHz mono stream of real speech for measuring `earshot listen`.

Keyword clips of all six wake words (../shared/data/keywords, silence trimmed with sox) alternate with
spoken digits (../shared/data/speech/fsdd), separated by pauses of low noise. Writes OUT.raw, the same
audio as OUT.wav (for `earshot score`), and OUT.csv (file,keyword,start,end of each keyword clip in
the stream, for --labels and for end-to-end latency).

    python3 Tools/listen_bench_audio.py /tmp/listen-bench --seconds 660

Needs sox. Uses no Python packages beyond the standard library.
"""
import argparse
import os
import random
import struct
import subprocess
import sys

RATE = 16000
KEYWORDS = ["alexa", "computer", "jarvis", "smart_mirror", "snowboy", "view_glass"]
# Alexa clips that fail their FLAC checksums (see ../shared/data/README.md).
BAD = {("alexa", n) for n in ("32", "33", "34", "126", "127", "128", "129", "142", "144")}


def decode(path, trim):
    """Decodes a clip to 16 kHz mono S16_LE bytes, optionally trimming leading and trailing silence."""
    cmd = ["sox", "-q", path, "-t", "raw", "-e", "signed-integer", "-b", "16", "-c", "1", "-r", str(RATE), "-"]
    if trim:
        cmd += ["silence", "1", "0.02", "0.5%", "reverse", "silence", "1", "0.02", "0.5%", "reverse"]
    return subprocess.run(cmd, check=True, capture_output=True).stdout


def noise(seconds, rng, level=30):
    n = int(seconds * RATE)
    return struct.pack("<%dh" % n, *(rng.randint(-level, level) for _ in range(n)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", help="output path without extension")
    ap.add_argument("--seconds", type=float, default=660)
    ap.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data"))
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    clips = {k: sorted(f for f in os.listdir(os.path.join(a.data, "keywords", k))
                       if f.endswith(".flac") and (k, f[:-5]) not in BAD) for k in KEYWORDS}
    digits = sorted(f for f in os.listdir(os.path.join(a.data, "speech", "fsdd")) if f.endswith(".flac"))
    for k in KEYWORDS:
        rng.shuffle(clips[k])
    rng.shuffle(digits)
    out = bytearray()
    labels = []
    i = 0
    while len(out) / 2 / RATE < a.seconds:
        k = KEYWORDS[i % len(KEYWORDS)]
        clip = decode(os.path.join(a.data, "keywords", k, clips[k][(i // len(KEYWORDS)) % len(clips[k])]), True)
        out += noise(rng.uniform(1.0, 2.0), rng)
        start = len(out) / 2 / RATE
        out += clip
        labels.append((k, start, len(out) / 2 / RATE))
        out += noise(rng.uniform(1.5, 2.5), rng)
        out += decode(os.path.join(a.data, "speech", "fsdd", digits[i % len(digits)]), False)
        i += 1
    out += noise(2.0, rng)
    with open(a.out + ".raw", "wb") as f:
        f.write(out)
    subprocess.run(["sox", "-q", "-t", "raw", "-e", "signed-integer", "-b", "16", "-c", "1", "-r", str(RATE),
                    a.out + ".raw", a.out + ".wav"], check=True)
    with open(a.out + ".csv", "w") as f:
        f.write("file,keyword,start,end\n")
        for k, s, e in labels:
            f.write("%s.wav,%s,%.3f,%.3f\n" % (a.out, k, s, e))
    print("%s.raw: %.1f s, %d keywords" % (a.out, len(out) / 2 / RATE, len(labels)), file=sys.stderr)


if __name__ == "__main__":
    main()
