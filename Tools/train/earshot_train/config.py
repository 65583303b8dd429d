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

@dataclass(frozen=True)
class Recipe:
    """One training recipe: its data, its student's width, its teachers and its mining (Tools/train/README.md has
    each recipe's section and figures)."""
    summary: str
    teachers: tuple[tuple[str, int], ...] = ()
    """(recipe, training seed) of each teacher, trained first by this pipeline when missing (distill.py); none =
    trained from labels alone."""
    transfer_prefixes: tuple[str, ...] = ()
    """Mining streams of the distillation transfer set, $EARSHOT_CACHE/mine/<prefix>_*.wav (distill.py)."""
    wide: bool = False
    """The wider student (52/52/60/60/64 channels, 19,576 B) instead of v9's 48/48/56/56/64."""
    extra_sentences: int = 4000
    """Training-only fortunes sentences beyond the 2,000 of the split (data.EXTRA_SENTENCES)."""
    long_reads: int = 0
    """Long continuous readings of fortunes files the test never reads, also mined as streams (data.LONG_READS)."""
    real_speech: bool = False
    """Recorded prompts of Debian's asterisk-core-sounds as negatives (data.ASTERISK_TRAIN)."""
    babble_reps: int = 0
    """Extra windows per training recording of a keyword (and one per TTS keyword clip) over babble or cafe noise
    (data.BABBLE_REPS)."""
    mine_streams: tuple[int, int] = (12, 40)
    """Hard-negative mining streams of 6 min: quiet, and at 0–15 dB SNR."""
    mine_tag: str = "_b"
    """Names the mining streams (mine<tag>_*.wav), so recipes with other streams do not share a cache entry."""
    mining_rounds: int = 2
    max_mined: int = 12000
    testlike_sets: tuple[int, ...] = ()
    """Seeds of training-side streams made like the test background (TESTLIKE_HOURS each: Tools/eval's calibration
    builder reading a4's long-reading pool, train.testlike_streams), mined in every mining round as well; what the
    network fires on there joins training as _unknown_ with label-only targets (Tools/train/README.md, *More
    test-like data*)."""

    @property
    def distilled(self) -> bool:
        """Whether the network learns from teachers' posteriors (earshot_train/distill.py)."""
        return bool(self.teachers)


_A3_A4 = (("a3", 0), ("a3", 1), ("a4", 0))
_D2_NETS = (("d2", 0), ("d2", 1), ("d2", 2))
_LONG = ("mine_long_snr",)
_WIDE_TRANSFER = ("mine_long_snr", "mine_b")
RECIPES: dict[str, Recipe] = {
    "a2": Recipe("model v8: TTS and recorded keywords, noise and room augmentation, one mining round",
                 extra_sentences=0, mine_streams=(10, 20), mine_tag="", mining_rounds=1, max_mined=6000),
    "a3": Recipe("model v9: a2 + 4,000 training-only fortunes sentences, 5.2 h of mining streams, two mining rounds"),
    "a4": Recipe("a3 + long continuous readings from fortunes files the test background never reads, 8 h more mining "
                 "streams; not better than a3 alone, a teacher of d1/d2", long_reads=4000),
    "d1": Recipe("v9's shape distilled from three teachers this pipeline trains first (a3 seeds 0 and 1, a4), with a "
                 "transfer set of a4's mining streams", teachers=_A3_A4, transfer_prefixes=_LONG),
    "d2": Recipe("model v10: d1 with the wider student and a3's mining streams in the transfer set too",
                 teachers=_A3_A4, transfer_prefixes=_WIDE_TRANSFER, wide=True),
    "d3": Recipe("d2 + ~80 min of telephone prompts recorded by two people (Debian's asterisk-core-sounds) as "
                 "negatives and mining streams", teachers=_A3_A4, transfer_prefixes=_WIDE_TRANSFER + ("mine_real_snr",),
                 wide=True, real_speech=True),
    "e2": Recipe("model v11, born-again: d2's student, data and schedule distilled from three d2 networks (seeds 0, 1 "
                 "and 2, which the pipeline trains first) instead of the narrower a3/a4 ones",
                 teachers=_D2_NETS, transfer_prefixes=_WIDE_TRANSFER, wide=True),
    "e2b": Recipe("e2 + 4 extra windows per training recording of a keyword and 1 per TTS keyword clip over babble or "
                  "cafe noise at 0–15 dB SNR", teachers=_D2_NETS, transfer_prefixes=_WIDE_TRANSFER, wide=True,
                  babble_reps=4),
    "a3t": Recipe("a3 + two sets of 8 h of training-side streams made like the test background, mined in both rounds "
                  "(label-only _unknown_); experiment", testlike_sets=(77, 78)),
    "e3": Recipe("e2 + the test-like mining of a3t in the student's mining rounds (label-only targets there); experiment",
                 teachers=_D2_NETS, transfer_prefixes=_WIDE_TRANSFER, wide=True, testlike_sets=(77, 78)),
    "e4": Recipe("e3's student distilled from four independently trained networks: e2 seed 0 (model v11) and a3t seeds "
                 "0, 1 and 2 (their mean posterior misses 4.9 % at 1 FA/10 h on the 10.45 h test set); experiment",
                 teachers=(("e2", 0), ("a3t", 0), ("a3t", 1), ("a3t", 2)), transfer_prefixes=_WIDE_TRANSFER, wide=True,
                 testlike_sets=(77, 78)),
}
"""Every recipe `EARSHOT_RECIPE` can name."""

RECIPE = os.environ.get("EARSHOT_RECIPE", "e2")
"""Training recipe, a key of RECIPES: "e2" by default (the shipped model v11)."""
if RECIPE not in RECIPES:
    raise SystemExit(f"EARSHOT_RECIPE={RECIPE!r}: not one of {', '.join(RECIPES)}")
RECIPE_SPEC = RECIPES[RECIPE]
"""The chosen recipe."""
DISTILLED = RECIPE_SPEC.distilled
"""Whether the recipe distils its network from teachers the pipeline trains first (earshot_train/distill.py)."""
WIDE = RECIPE_SPEC.wide
"""The wider student (52/52/60/60/64 channels) of d2, d3 and the e recipes."""
REAL_SPEECH = RECIPE_SPEC.real_speech
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
