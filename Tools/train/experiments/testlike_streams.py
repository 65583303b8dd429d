"""Training-side streams made like the test background (experiment, 2026-12-07): Tools/eval's calibration-stream
builder (espeak-ng and flite with the test's voices, rates and levels, pauses, its six noise types at 10 dB SNR) reading
training-side text: the long-reading pool of recipe a4 (fortunes entries of 91-300 characters from files the test
background never reads; calibration reads only entries of 330 characters or more). For mining hard negatives in the
condition the test's strict operating point is decided in.

    PYTHONPATH=.:../eval python experiments/testlike_streams.py OUT [--hours 8] [--seed 77]
"""
import argparse
from pathlib import Path

from earshot_eval import calibration
from earshot_train.data import LONG_READING_NOTE, long_reading_texts

ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("out", type=Path)
ap.add_argument("--hours", type=float, default=8.0)
ap.add_argument("--seed", type=int, default=77)
a = ap.parse_args()
texts = long_reading_texts()
m = calibration.build(a.out, a.hours, a.seed, texts=texts, text_note=f"{LONG_READING_NOTE}, {len(texts)} in the pool")
print(f"{len(m['streams'])} streams, {m['hours']:.2f} h in {a.out}: {m['description']}")
