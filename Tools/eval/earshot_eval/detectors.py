"""Systems under test, each behind a small adapter that yields detections for one stream.

An adapter is called once per stream WAV and returns a list of Detection(file, keyword, time,
score) made at a low threshold; the scorer sweeps the threshold over the scores afterwards.
Peers that only expose a per-frame score trace are turned into detections by peak picking with a
1 s refractory period (metrics.peaks_from_trace). PocketSphinx exposes no usable per-detection
score, so it is run once per kws_threshold of a ladder and each run is one operating point.
"""
from __future__ import annotations

import json
import shlex
import subprocess
import time
from pathlib import Path
from typing import Callable

import numpy as np
import soundfile as sf

from .data import SR, log
from .metrics import Detection, peaks_from_trace

REFRACTORY = 1.0


def norm_keyword(k: str) -> str:
    return k.strip().lower().replace(" ", "_").replace("-", "_")


def read_int16(wav: Path) -> np.ndarray:
    x, sr = sf.read(str(wav), dtype="int16")
    if sr != SR or x.ndim != 1:
        raise ValueError(f"{wav}: expected 16 kHz mono")
    return x


# --------------------------------------------------------------------------- command (Earshot)

class CommandDetector:
    """Any command printing JSON Lines {file, keyword, time, score} for one WAV.

    `template` is a shell-like string with {wav} and {threshold} placeholders, e.g.
    ".build/release/earshot score {wav} --format json --threshold {threshold}".
    """

    def __init__(self, name: str, template: str, threshold: float, cwd: Path | None = None):
        self.name = name
        self.template = template
        self.threshold = threshold
        self.cwd = cwd
        self.keywords: list[str] | None = None  # whatever the command reports

    def command(self, wav: Path) -> list[str]:
        return [a.format(wav=str(wav), threshold=self.threshold)
                for a in shlex.split(self.template)]

    def __call__(self, wav: Path) -> list[Detection]:
        cmd = self.command(wav)
        p = subprocess.run(cmd, capture_output=True, text=True, cwd=self.cwd)
        if p.returncode != 0:
            raise RuntimeError(f"{self.name}: `{shlex.join(cmd)}` exited {p.returncode}: "
                               f"{p.stderr.strip()[-800:]}")
        out = []
        for ln, line in enumerate(p.stdout.splitlines(), 1):
            line = line.strip()
            if not line or not line.startswith("{"):
                continue
            try:
                r = json.loads(line)
                out.append(Detection(wav.name, norm_keyword(str(r["keyword"])),
                                     float(r["time"]), float(r["score"])))
            except (ValueError, KeyError, TypeError) as e:
                raise RuntimeError(f"{self.name}: line {ln} of output for {wav.name} is not a "
                                   f"detection record ({e}): {line[:200]}") from e
        return out


# --------------------------------------------------------------------------- openWakeWord

class OpenWakeWordDetector:
    """openwakeword 0.5.1 with the 'alexa' model shipped in its wheel, ONNX runtime."""

    name = "openwakeword"
    keywords = ["alexa"]

    def __init__(self, floor: float = 0.01):
        from openwakeword.model import Model  # noqa: F401  (fail early if missing)
        self.floor = floor

    def __call__(self, wav: Path) -> list[Detection]:
        from openwakeword.model import Model
        m = Model(wakeword_models=["alexa"], inference_framework="onnx")
        x = read_int16(wav)
        hop = 1280
        times, scores = [], []
        for i in range(0, len(x) - hop + 1, hop):
            p = m.predict(x[i:i + hop])
            times.append((i + hop) / SR)
            scores.append(float(p["alexa"]))
        peaks = peaks_from_trace(np.array(times), np.array(scores), self.floor, REFRACTORY)
        return [Detection(wav.name, "alexa", t, s) for t, s in peaks]


# --------------------------------------------------------------------------- microWakeWord

class MicroWakeWordDetector:
    """pymicro-wakeword 2.5.0 with its bundled 'alexa' model (sliding-window mean probability)."""

    name = "microwakeword"
    keywords = ["alexa"]

    def __init__(self, floor: float = 0.01):
        import pymicro_wakeword  # noqa: F401
        self.floor = floor

    def __call__(self, wav: Path) -> list[Detection]:
        from pymicro_wakeword import MicroWakeWord, MicroWakeWordFeatures, Model
        mww = MicroWakeWord.from_builtin(Model.ALEXA)
        feats = MicroWakeWordFeatures()
        x = read_int16(wav)
        times, scores = [], []
        n_feat = 0
        chunk = 1600
        for i in range(0, len(x), chunk):
            for f in feats.process_streaming(x[i:i + chunk].tobytes()):
                n_feat += 1
                p = mww.process_streaming_prob(f)
                if p is not None:
                    times.append(n_feat * 0.010 + 0.020)
                    scores.append(float(p))
        peaks = peaks_from_trace(np.array(times), np.array(scores), self.floor, REFRACTORY)
        return [Detection(wav.name, "alexa", t, s) for t, s in peaks]


# --------------------------------------------------------------------------- PocketSphinx

POCKETSPHINX_LADDER = [1e-40, 1e-30, 1e-20, 1e-10, 1e-5, 1e0]


class PocketSphinxDetector:
    """PocketSphinx 5 keyword spotting (kws mode, all six phrases at once) with its bundled
    en-us model; "snowboy" is not in its dictionary and is added as S N OW B OY.

    It exposes no usable per-detection score, so it runs once per kws_threshold of a ladder;
    a detection's score is log10(kws_threshold) of its run and the scorer treats each run as one
    operating point (runs=True). After any detection the utterance is restarted (the usual
    pocketsphinx kws loop), which resets all phrases.
    """

    name = "pocketsphinx"
    runs = True
    keywords = ["alexa", "computer", "jarvis", "smart_mirror", "snowboy", "view_glass"]

    def __init__(self, thresholds=POCKETSPHINX_LADDER):
        import pocketsphinx  # noqa: F401
        self.thresholds = list(thresholds)

    def run_one(self, wav: Path, thr: float) -> list[Detection]:
        import tempfile
        import pocketsphinx
        from pocketsphinx import Decoder
        x = read_int16(wav)
        model = Path(pocketsphinx.get_model_path()) / "en-us"
        with tempfile.TemporaryDirectory() as tmp:
            dic = Path(tmp) / "dict"
            dic.write_text((model / "cmudict-en-us.dict").read_text() + "snowboy S N OW B OY\n")
            kws = Path(tmp) / "kws"
            kws.write_text("".join(f"{k.replace('_', ' ')} /{thr:g}/\n" for k in self.keywords))
            d = Decoder(hmm=str(model / "en-us"), dict=str(dic), kws=str(kws), loglevel="FATAL")
        out = []
        d.start_utt()
        utt_start = 0
        step = 1600
        for i in range(0, len(x), step):
            d.process_raw(x[i:i + step].tobytes(), False, False)
            if d.hyp() is not None:
                for seg in d.seg():
                    k = norm_keyword(seg.word)
                    if k in self.keywords:
                        t = utt_start / SR + (seg.end_frame + 1) * 0.01
                        out.append(Detection(wav.name, k, t, float(np.log10(thr))))
                d.end_utt()
                d.start_utt()
                utt_start = i + step
        d.end_utt()
        return out

    cache: Path | None = None  # per-(stream, threshold) cache, so a longer ladder reuses runs

    def run_params(self) -> list[float]:
        """The DET parameter of each run, as its detections' score: log10(kws_threshold)."""
        return [float(np.log10(t)) for t in self.thresholds]

    def __call__(self, wav: Path) -> list[Detection]:
        return run_ladder(self, wav)


def run_ladder(det, wav: Path) -> list[Detection]:
    """Runs `det.run_one(wav, thr)` for every threshold of `det.thresholds`, cached per
    (stream, threshold) under `det.cache`."""
    st = wav.stat()

    def one(thr: float) -> list[Detection]:
        cf = (det.cache / f"{wav.stem}-{st.st_size}-{int(st.st_mtime)}-{thr:g}.jsonl"
              if det.cache else None)
        if cf is not None and cf.exists():
            return [Detection(**json.loads(l)) for l in cf.read_text().splitlines() if l]
        dets = det.run_one(wav, thr)
        if cf is not None:
            cf.parent.mkdir(parents=True, exist_ok=True)
            cf.write_text("".join(json.dumps(d.__dict__) + "\n" for d in dets))
        return dets

    if getattr(det, "parallel", False):  # runs are separate processes: one per core at a time
        import os
        from concurrent.futures import ThreadPoolExecutor
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as ex:
            return [d for dets in ex.map(one, det.thresholds) for d in dets]
    return [d for thr in det.thresholds for d in one(thr)]


# --------------------------------------------------------------------------- Earshot

EARSHOT_LADDER = [round(0.3 + 0.005 * i, 3) for i in range(140)]
"""Thresholds of the DET sweep: every 0.005 from 0.3 to 0.995 (a smoothed int8 softmax score moves in steps of 1/256
divided by the smoothing length, so a coarser ladder misses operating points between its rungs). Until 2026-12-07 the
ladder was coarse below 0.82 (0.3, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8), where the strict points then lay above; v11's 1 FA/10 h
thresholds lie at 0.66-0.805, between those coarse rungs, so they were read at the next rung up (its 10.45 h miss
rates are the same on both ladders)."""


class EarshotLadderDetector:
    """`earshot score --sweep T1,T2,...`: one network pass per stream feeds one real detector per
    threshold of a ladder, so every DET point is exactly what a user gets at that threshold (the
    real detector: smoothing, re-arming, refractory hold-off, and the detection time at which it
    fires) — the same detections as one `earshot score --threshold T` run per threshold, at the
    cost of one. A detection's score is its threshold (runs=True), as for PocketSphinx."""

    name = "earshot"
    runs = True
    keywords = None

    def __init__(self, exe: Path, extra_args: str = "", cwd: Path | None = None,
                 thresholds=EARSHOT_LADDER):
        self.exe, self.extra, self.cwd = exe, extra_args, cwd
        self.thresholds = list(thresholds)
        ladder = ",".join(f"{t:g}" for t in self.thresholds)
        self.template = (f"{shlex.quote(str(exe))} score {{wavs}} --format json --sweep {ladder}"
                         " --no-progress" + (" " + extra_args if extra_args else ""))
        self.cache: Path | None = None
        self._memo: dict[str, list[Detection]] = {}

    def run_params(self) -> list[float]:
        return list(self.thresholds)

    def identity(self, repo: Path) -> str:
        """A key for the run cache: the command, the binary and every model/sidecar file it
        reads (the shipped model unless --model names another), by content."""
        import hashlib
        h = hashlib.sha256(self.template.encode())
        h.update(str(self.exe.stat().st_mtime_ns).encode())
        files = [Path(a) for a in shlex.split(self.extra) if a.endswith(".tflite")]
        files = files or [repo / "Models" / "earshot-kws.tflite"]
        for f in files:
            for g in (f, f.with_suffix(".json")):
                if g.exists():
                    h.update(g.read_bytes())
        return h.hexdigest()[:16]

    def _cache_file(self, wav: Path) -> Path | None:
        st = wav.stat()
        return self.cache / f"{wav.stem}-{st.st_size}-{int(st.st_mtime)}-sweep.jsonl" if self.cache else None

    def prepare(self, wavs: list[Path]) -> None:
        """Scores every stream not cached yet in one `earshot score` process (its workers take the
        files in parallel, one per core)."""
        todo = [w for w in wavs if str(w) not in self._memo
                and not ((cf := self._cache_file(w)) is not None and cf.exists())]
        if not todo:
            return
        cmd = shlex.split(self.template)
        i = cmd.index("{wavs}")
        cmd[i:i + 1] = [str(w) for w in todo]
        p = subprocess.run(cmd, capture_output=True, text=True, cwd=self.cwd)
        if p.returncode != 0:
            raise RuntimeError(f"earshot: `{shlex.join(cmd[:3])} ...` exited {p.returncode}: "
                               f"{p.stderr.strip()[-800:]}")
        by_file: dict[str, list[Detection]] = {str(w): [] for w in todo}
        for ln, line in enumerate(p.stdout.splitlines(), 1):
            line = line.strip()
            if not line.startswith("{"):
                continue
            try:
                r = json.loads(line)
                f = str(r["file"])
                by_file[f].append(Detection(Path(f).name, norm_keyword(str(r["keyword"])),
                                            float(r["time"]), float(r["threshold"])))
            except (ValueError, KeyError, TypeError) as e:
                raise RuntimeError(f"earshot: line {ln} of the sweep output is not a detection "
                                   f"record with a threshold ({e}): {line[:200]}") from e
        for w in todo:
            dets = by_file[str(w)]
            self._memo[str(w)] = dets
            cf = self._cache_file(w)
            if cf is not None:
                cf.parent.mkdir(parents=True, exist_ok=True)
                cf.write_text("".join(json.dumps(d.__dict__) + "\n" for d in dets))

    def __call__(self, wav: Path) -> list[Detection]:
        cf = self._cache_file(wav)
        if str(wav) not in self._memo and cf is not None and cf.exists():
            return [Detection(**json.loads(l)) for l in cf.read_text().splitlines() if l]
        self.prepare([wav])
        return self._memo.pop(str(wav))


def make_detector(spec: str, threshold: float, repo: Path, earshot_args: str = "",
                  cache: Path | None = None):
    """Build an adapter from its name: earshot | openwakeword | microwakeword | pocketsphinx |
    cmd:NAME=TEMPLATE."""
    if spec == "earshot":
        import os
        exe = Path(os.environ.get("EARSHOT_BIN") or repo / ".build" / "release" / "earshot")
        if not exe.exists():
            raise FileNotFoundError(f"earshot binary {exe} does not exist: build it with "
                                    f"`swift build -c release` in {repo}")
        d = EarshotLadderDetector(exe, earshot_args, cwd=repo)
        d.cache = cache / "earshot-runs" / d.identity(repo) if cache else None
        return d
    if spec == "openwakeword":
        return OpenWakeWordDetector()
    if spec == "microwakeword":
        return MicroWakeWordDetector()
    if spec == "pocketsphinx":
        d = PocketSphinxDetector()
        d.cache = cache / "pocketsphinx-runs" if cache else None
        return d
    if spec.startswith("cmd:") and "=" in spec:
        name, tmpl = spec[4:].split("=", 1)
        return CommandDetector(name, tmpl, threshold, cwd=repo)
    raise ValueError(f"unknown system {spec!r}")


def run_detector(det, wavs: list[Path], out_jsonl: Path) -> dict:
    """Run an adapter over all streams, write detections as JSON Lines; returns timing info."""
    t0 = time.time()
    cpu0 = time.process_time()
    n = 0
    out_jsonl.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_jsonl.with_suffix(".tmp")
    if hasattr(det, "prepare"):  # one process for all streams (Earshot's sweep)
        det.prepare(wavs)
    with open(tmp, "w") as f:
        for wav in wavs:
            ts = time.time()
            dets = det(wav)
            for d in dets:
                f.write(json.dumps({"file": d.file, "keyword": d.keyword, "time": round(d.time, 3),
                                    "score": d.score}) + "\n")
            n += len(dets)
            log(f"  {det.name}: {wav.name}: {len(dets)} detections ({time.time() - ts:.0f} s)")
    tmp.replace(out_jsonl)
    return {"detections": n, "wall_seconds": time.time() - t0,
            "python_cpu_seconds": time.process_time() - cpu0}


def load_detections(path: Path) -> list[Detection]:
    out = []
    with open(path) as f:
        for line in f:
            if line.strip():
                r = json.loads(line)
                out.append(Detection(r["file"], norm_keyword(r["keyword"]), float(r["time"]),
                                     float(r["score"])))
    return out
