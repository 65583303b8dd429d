"""Paths, labels and the feature/window configuration shared by every pipeline step."""
from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
"""The repository root (Tools/train/earshot_train/config.py is three levels below it)."""

KEYWORDS = ["alexa", "computer", "jarvis", "smart_mirror", "snowboy", "view_glass"]
"""Keyword labels, exactly as the runtime and the sidecar JSON spell them."""

BACKGROUND = "_background_"
UNKNOWN = "_unknown_"
LABELS = [BACKGROUND, UNKNOWN] + KEYWORDS
"""Class names in model output order."""

# Spoken form(s) of each keyword, used for synthetic speech.
KEYWORD_TEXTS = {
    "alexa": ["Alexa", "alexa", "Alexa!"],
    "computer": ["computer", "Computer", "computer!"],
    "jarvis": ["Jarvis", "jarvis", "Jarvis!"],
    "smart_mirror": ["smart mirror", "Smart mirror", "smart mirror!"],
    "snowboy": ["snowboy", "snow boy", "Snowboy!"],
    "view_glass": ["view glass", "View glass", "view glass!"],
}

# Near misses and fragments that must NOT trigger (labelled _unknown_), grouped by the keyword each
# one imitates. Some are close to homophones ("come pewter"); the held-out ones are scored on their own
# (Tools/eval: near-miss false accepts), not mixed into the general background of the test streams.
NEAR_MISS_TARGETS = {
    "alexa": ["alex", "alexander", "a lexus", "lexa", "election", "alexis", "alas", "relax", "a letter"],
    "computer": ["computing", "commuter", "compute", "come pewter", "compete", "commute her", "competitor",
                 "computed"],
    "jarvis": ["jar", "jars", "service", "nervous", "carvings", "harvest", "travis", "jarred", "garbage"],
    "smart_mirror": ["smart", "mirror", "smarter", "smart mister", "mister", "near her", "smart error",
                     "start mirror"],
    "snowboy": ["snow", "boy", "snowball", "snowy", "slow boy", "no boy", "cowboy", "snowplow", "show boy"],
    "view_glass": ["view", "glass", "new glass", "few glasses", "view class", "blue grass", "eyeglass", "review",
                   "hourglass", "viewer", "interview", "class", "grass"],
}
NEAR_MISSES = [w for kw in KEYWORDS for w in NEAR_MISS_TARGETS[kw]]
"""All near misses in one list (this order names the synthetic files and seeds their voices)."""

COMMON_WORDS = (
    "the of and to in is you that it he was for on are as with his they at be this have from or one had by "
    "word but not what all were we when your can said there use an each which she do how their if will up "
    "other about out many then them these so some her would make like him into time has look two more write "
    "go see number no way could people my than first water been call who oil its now find long down day did "
    "get come made may part over new sound take only little work know place year live me back give most very "
    "after thing our just name good sentence man think say great where help through much before line right "
    "too mean old any same tell boy follow came want show also around form three small set put end does "
    "another well large must big even such because turn here why ask went men read need land different home "
    "us move try kind hand picture again change off play spell air away animal house point page letter mother "
    "answer found study still learn should america world hello okay hey stop music weather lights timer "
    "kitchen tomorrow morning evening window table phone camera mirror-less glasses boxer carpet jacket"
).split()

PLACEMENT = os.environ.get("EARSHOT_PLACEMENT", "anywhere")
"""Where keyword windows put the keyword: "anywhere" (the shipped model v5: a random position, global
average pool) or "end" (experiment v7: the keyword ends 0–0.35 s before the window end, "late" keyword
windows are _unknown_ negatives, and the head pools into 3 time steps so it can tell the two apart).
v7 removed the keyword re-firing 0.5–3 s after its end but broke alexa on steady noise (Models/README.md)."""

ARCH = os.environ.get("EARSHOT_ARCH", "dscnn")
"""Network shape: "dscnn" (the shipped model v5: strided DS-CNN with SAME padding, run every 3 hops) or
"tcn" (stride 1 and VALID padding along time with dilated depthwise convolutions, run every hop: the
runtime computes one new row per layer per 20 ms hop instead of the whole window, see Interpreter.invoke(newFrames:))."""

RECIPE = os.environ.get("EARSHOT_RECIPE", "e2")
"""Training recipe (Tools/train/README.md): "e2" (the default, the shipped model v11, below), "d2" (model v10: a3's data and schedule for a wider student,
52/52/60/60/64 channels, 19,576 B, distilled from three teachers this pipeline trains first, a3 seeds 0 and 1 and
a4, with a transfer set from a4's and a3's mining streams; earshot_train/distill.py), "d1" (the same with v9's
width and a4's streams only), "a3" (the model v9: a2 + 4,000 training-only fortunes sentences, 5.2 h of mining
streams, two mining rounds), "a2" (the model v8 before it) or "a4" (a3 + long continuous readings from fortunes
files the test background never reads, 8 h more mining streams; not better than a3 alone, a teacher of d1/d2), or
"d3" (d2 + ~80 min of telephone prompts recorded by two people, Debian's asterisk-core-sounds, as negatives), or
"e2" (the shipped model v11, born-again: d2's student, data and schedule distilled from three d2 networks, seeds
0, 1 and 2, which the pipeline trains first, instead of the narrower a3/a4 ones)."""
if RECIPE not in ("a2", "a3", "a4", "d1", "d2", "d3", "e2"):
    raise SystemExit(f"EARSHOT_RECIPE={RECIPE!r}: not one of a2, a3, a4, d1, d2, d3, e2")
DISTILLED = RECIPE in ("d1", "d2", "d3", "e2")
"""Whether the recipe distils its network from teachers the pipeline trains first (earshot_train/distill.py)."""
WIDE = RECIPE in ("d2", "d3", "e2")
"""The wider student (52/52/60/60/64 channels) of d2, d3 and e2."""
REAL_SPEECH = RECIPE == "d3"
"""d3 = d2 + recorded prompts of Debian's asterisk-core-sounds as negatives (data.ASTERISK_TRAIN)."""

FSDD_HELDOUT_SPEAKERS = {"nicolas"}
"""FSDD speakers kept out of training for the held-out background set."""


@dataclass
class Paths:
    """Where inputs come from and generated data goes (never inside the repository)."""

    data: Path = field(default_factory=lambda: Path(os.environ.get("EARSHOT_DATA", REPO.parent / "shared" / "data")))
    cache: Path = field(default_factory=lambda: Path(os.environ.get("EARSHOT_CACHE", REPO.parent / "earshot-cache")))
    models: Path = field(default_factory=lambda: Path(os.environ.get("EARSHOT_MODELS", REPO / "Models")))
    earshot: Path = field(default_factory=lambda: Path(os.environ.get("EARSHOT_BIN", REPO / ".build" / "release" / "earshot")))

    @property
    def keywords(self) -> Path: return self.data / "keywords"
    @property
    def fsdd(self) -> Path: return self.data / "speech" / "fsdd"
    @property
    def tts(self) -> Path: return self.cache / "tts"
    @property
    def clips(self) -> Path: return self.cache / "clips"
    @property
    def splits(self) -> Path: return self.cache / "splits"
    @property
    def features(self) -> Path: return self.cache / "features"
    @property
    def heldout(self) -> Path: return self.cache / "heldout"
    @property
    def work(self) -> Path: return self.cache / "work"


# Front end: MLPerf Tiny MFCC (16 kHz, 30 ms Hann, 20 ms hop, 512 FFT, magnitude, 40 mel 20–4000 Hz, 10 MFCC).
FEATURES = {
    "sampleRate": 16000,
    "windowLength": 480,
    "window": "hann",
    "hopLength": 320,
    "fftSize": 512,
    "spectrum": "magnitude",
    "melBands": 40,
    "melLowHz": 20.0,
    "melHighHz": 4000.0,
    "logFloor": 1e-6,
    "dctScale": math.sqrt(2.0 / 40.0),
    "coefficients": 10,
}

SAMPLE_RATE = FEATURES["sampleRate"]
FRAMES = 74
"""Frames per model input: 74 frames of 20 ms hop + 30 ms window span 1.49 s of audio."""
WINDOW_SAMPLES = (FRAMES - 1) * FEATURES["hopLength"] + FEATURES["windowLength"]
"""Samples needed to produce exactly FRAMES frames (23,840 = 1.49 s)."""

EVALUATE_EVERY_HOPS = 1 if ARCH == "tcn" else 3
"""Run the network every 3 hops (60 ms) on the newest FRAMES frames; the streaming "tcn" network every hop (20 ms)."""
SMOOTHING_INFERENCES = 9 if ARCH == "tcn" else 3
"""Inferences averaged by the detector (180 ms either way: 9 at every hop, 3 at every 3rd)."""
MODEL_NAME = "earshot-kws-stream" if ARCH == "tcn" else "earshot-kws"
"""File stem of the exported model in Models/ (the streamable network ships beside the main one)."""
REFRACTORY_SECONDS = 1.5
"""Hold-off after a detection; ≥ the 1.49 s window, so one utterance that stays in the window fires once."""


def write_feature_config(path: Path) -> None:
    """Writes the FeatureConfig JSON that `earshot features --config` reads."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(FEATURES, indent=2) + "\n")
