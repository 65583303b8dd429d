"""Deterministic test streams: keyword clips interleaved with background speech, noise at a fixed SNR.

Writes <out>/stream_NN.wav (16 kHz mono 16-bit), <out>/labels.csv (file,keyword,start,end in
seconds: the voiced part of each inserted keyword clip) and <out>/manifest.json (what is inside).
"""
from __future__ import annotations

import csv
import hashlib
import json
import random
from pathlib import Path

import numpy as np
import soundfile as sf

from . import data, nearmiss, noise
from .data import SR, log
from .metrics import Instance

STREAM_VERSION = 4


def _params_key(params: dict, clips) -> str:
    """What the streams are made of, independent of where the data and the cache live: each keyword clip by its
    folder and file name (the streams are the same from any clone or cache path)."""
    h = hashlib.sha256(json.dumps(params, sort_keys=True).encode())
    for c in clips:
        h.update(f"{Path(c.path).parent.name}/{Path(c.path).name},{c.keyword}\n".encode())
    return h.hexdigest()[:16]


def _heldout_fingerprint(held: list[str]) -> list[str]:
    """name:size:mtime of each held-out background stream: a rebuilt stream rebuilds the test streams, a cache
    reached through another path (or a symlink) does not."""
    def stamp(p: Path) -> str:
        st = p.stat() if p.exists() else None
        return f"{p.name}:{st.st_size if st else 0}:{int(st.st_mtime) if st else 0}"
    return [stamp(Path(p)) for p in held]


def _speech_level(x: np.ndarray, frame: int = 320) -> float:
    """RMS of the loud (speech) frames of a long recording: 90th percentile of frame RMS."""
    n = len(x) // frame
    if n == 0:
        return 1e-6
    r = np.sqrt((x[: n * frame].reshape(n, frame).astype(np.float64) ** 2).mean(axis=1))
    return float(np.percentile(r, 90)) + 1e-9


def _babble_pool(work: Path, seed: int) -> list[np.ndarray]:
    """Talkers for the babble noise: held-out TTS made here (cached)."""
    items = data.make_tts_pool(work / "tts_babble", 600.0, seed + 1, "babble")
    return [data.load_audio(i["path"]) for i in items]


def _background_items(params: dict, work: Path, target: float
                      ) -> tuple[list[tuple[str, np.ndarray, bool]], list[np.ndarray], dict]:
    """Background pieces (name, audio, already_levelled), a babble pool, and a description.

    Uses the training tool's held-out background streams when listed (each scaled once so its
    speech sits at the target level, cut into 4-20 s pieces), then fills up to the wanted amount
    with text-to-speech made here from fortunes entries longer than any training sentence."""
    seed = params["seed"]
    speech_seconds = params["background_hours"] * 3600 * params["speech_fraction"]
    babble_pool = _babble_pool(work, seed)
    segs: list[tuple[str, np.ndarray, bool]] = []
    desc: dict = {}
    total = 0.0
    held = data.heldout_background() or []
    used = 0
    for p in held:
        try:
            x = data.load_audio(p)
        except ValueError as e:
            log(f"background skipped: {e}")
            continue
        x = x * (target / _speech_level(x))
        used += 1
        rng = random.Random(f"{seed}-{Path(p).name}")  # the file's name, not its path: same cuts from any cache
        pos = 0
        while pos < len(x) and total < speech_seconds:
            L = int(rng.uniform(4, 20) * SR)
            seg = x[pos:pos + L]
            if len(seg) > SR:
                segs.append((Path(p).name, seg.astype(np.float32), True))
                total += len(seg) / SR
            pos += L
    if held:
        desc["heldout_streams"] = (f"{used} held-out background streams of the training tool "
                                   f"($EARSHOT_CACHE/splits/background_heldout.txt: held-out TTS "
                                   f"sentences, a held-out FSDD speaker, words "
                                   f"recorded by people in held-out languages (ktuberling-data), "
                                   f"noise beds), "
                                   f"{total / 60:.1f} min")
    rest = speech_seconds - total
    if rest > 1.0:
        # one pool per background size, so streams of different lengths do not rebuild each other's speech
        items = data.make_tts_pool(work / f"tts_background_{params['background_hours']:g}h", rest, seed, "bg")
        for i in items:
            segs.append((Path(i["path"]).name, data.load_audio(i["path"]), False))
        engines: dict[str, int] = {}
        voices: set[str] = set()
        for i in items:
            engines[i["engine"]] = engines.get(i["engine"], 0) + 1
            voices.add(f'{i["engine"]}:{i["voice"]}')
        tts_sec = sum(i["seconds"] for i in items)
        desc["tts"] = (f"{len(items)} utterances ({tts_sec / 60:.1f} min) synthesised here by "
                       f"espeak-ng ({engines.get('espeak-ng', 0)}) and flite "
                       f"({engines.get('flite', 0)}), {len(voices)} voice settings, reading "
                       f"{len({i['text'] for i in items})} fortunes(6) entries of "
                       f"{data.MIN_TEXT}-400 characters (training only uses entries of at most 90; "
                       f"when more speech is needed than the entries give, they are read again by "
                       f"newly drawn random voices), keyword words filtered out")
    desc["source"] = " + ".join(desc.values()) if desc else "none"
    return segs, babble_pool, desc


def build_streams(out: Path, seed: int = 1234, n_streams: int = 6, background_hours: float = 1.0,
                  snr_db: float = 10.0, level_dbfs: float = -26.0, jitter_db: float = 4.0,
                  force: bool = False) -> dict:
    """Build (or reuse) the streams in `out`; returns the manifest."""
    params = {"version": STREAM_VERSION, "seed": seed, "n_streams": n_streams,
              "background_hours": background_hours, "snr_db": snr_db, "level_dbfs": level_dbfs,
              "jitter_db": jitter_db, "speech_fraction": 0.85}
    clips, clip_desc = data.validation_clips()
    held = data.heldout_background() or []
    params["heldout_background"] = _heldout_fingerprint(held)
    key = _params_key(params, clips)
    manifest_path = out / "manifest.json"
    work = data.cache_dir() / "eval" / "work"
    near = lambda pool: nearmiss.build(out, seed, level_dbfs, snr_db, jitter_db, pool, force)
    if manifest_path.exists() and not force:
        m = json.loads(manifest_path.read_text())
        if m.get("key") == key and all((out / s["file"]).exists() for s in m["streams"]):
            log(f"streams up to date in {out}")
            m["nearmiss"] = near(lambda: _babble_pool(work, seed))
            return m
        if m.get("key") != key:  # say what changed: a rebuild of long streams costs minutes to hours
            old = m.get("params") or {}
            changed = [f"{k} {old.get(k)!r} → {v!r}" for k, v in params.items()
                       if k != "heldout_background" and old.get(k) != v]
            if old.get("heldout_background") != params["heldout_background"]:
                changed.append("the training tool's held-out background streams changed")
            if not changed:
                changed.append("the held-out keyword clips changed")
            log(f"streams in {out} were built with other settings ({'; '.join(changed)}); rebuilding them")
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    nrng = np.random.default_rng(seed)

    # keyword clips: voiced region +- 0.4 s, label = voiced region
    kw_items = []
    skipped = []
    for c in clips:
        try:
            x = data.load_audio(c.path)
        except ValueError as e:
            skipped.append(str(e))
            continue
        s, e = data.active_region(x)
        a = max(0, s - int(0.4 * SR))
        b = min(len(x), e + int(0.4 * SR))
        if e - s < int(0.2 * SR):
            skipped.append(f"{c.path}: no speech found")
            continue
        kw_items.append((c, x[a:b], (s - a) / SR, (e - a) / SR))
    for msg in skipped:
        log(f"keyword clip skipped: {msg}")
    rng.shuffle(kw_items)

    target = 10 ** (level_dbfs / 20)
    bg, babble_pool, bg_desc = _background_items(params, work, target)
    bg = list(bg)
    rng.shuffle(bg)

    # distribute: keyword clips round-robin, background greedily by seconds
    per_kw = [kw_items[i::n_streams] for i in range(n_streams)]
    per_bg: list[list] = [[] for _ in range(n_streams)]
    secs = [0.0] * n_streams
    for item in bg:
        j = int(np.argmin(secs))
        per_bg[j].append(item)
        secs[j] += len(item[1]) / SR

    noise_rms = 10 ** ((level_dbfs - snr_db) / 20)
    labels: list[Instance] = []
    streams = []
    for si in range(n_streams):
        pieces: list[np.ndarray] = []
        pos = 0
        kws, bgs = per_kw[si], per_bg[si]
        # slots: before each keyword a share of the background items
        n_slots = len(kws) + 1
        bounds = np.linspace(0, len(bgs), n_slots + 1).round().astype(int)

        def gap(lo=0.3, hi=1.5):
            nonlocal pos
            g = np.zeros(int(rng.uniform(lo, hi) * SR), np.float32)
            pieces.append(g)
            pos += len(g)

        def put(x, levelled=False):
            nonlocal pos
            jitter = 10 ** (rng.uniform(-jitter_db, jitter_db) / 20)
            gain = jitter if levelled else target * jitter / data.active_rms(x)
            pieces.append((x * gain).astype(np.float32))
            pos += len(x)

        for slot in range(n_slots):
            for (_, seg, levelled) in bgs[bounds[slot]:bounds[slot + 1]]:
                put(seg, levelled)
                gap(0.2, 1.0)
            if slot < len(kws):
                gap(0.3, 1.5)
                c, x, s, e = kws[slot]
                start = pos / SR
                put(x)
                labels.append(Instance(f"stream_{si:02d}.wav", c.keyword, round(start + s, 3),
                                       round(start + e, 3)))
                gap(0.5, 2.0)
        clean = np.concatenate(pieces) if pieces else np.zeros(SR, np.float32)
        kind = noise.NOISE_TYPES[si % len(noise.NOISE_TYPES)]
        mix, peak = noise.add_noise(clean, kind, seed * 100 + si, babble_pool, noise_rms)
        name = f"stream_{si:02d}.wav"
        sf.write(str(out / name), mix, SR, subtype="PCM_16")
        streams.append({"file": name, "seconds": len(mix) / SR, "noise": kind,
                        "keyword_clips": len(kws), "background_segments": len(bgs),
                        "peak_rescaled": peak > 0.99})
        log(f"  {name}: {len(mix) / SR / 60:.1f} min, {len(kws)} keywords, noise {kind}")

    with open(out / "labels.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["file", "keyword", "start", "end"])
        for ins in labels:
            w.writerow([ins.file, ins.keyword, f"{ins.start:.3f}", f"{ins.end:.3f}"])
    total = sum(s["seconds"] for s in streams)
    kw_counts: dict[str, int] = {}
    for ins in labels:
        kw_counts[ins.keyword] = kw_counts.get(ins.keyword, 0) + 1
    from .metrics import background_hours as bgh
    manifest = {
        "key": key, "params": params, "streams": streams,
        "total_hours": total / 3600, "background_hours": bgh(total, labels),
        "keyword_instances": kw_counts, "keyword_source": clip_desc,
        "keyword_clips_skipped": skipped, "background_speech": bg_desc,
        "noise": {s["file"]: noise.NOISE_DESCRIPTIONS[s["noise"]] for s in streams},
        "mixing": (f"speech and keywords normalised to {level_dbfs} dBFS active RMS "
                   f"(+-{jitter_db} dB uniform jitter per piece), noise at {snr_db} dB SNR "
                   f"below the nominal speech level"),
    }
    manifest_path.write_text(json.dumps(manifest, indent=1))
    manifest["nearmiss"] = near(lambda: babble_pool)
    return manifest


def load_labels(stream_dir: Path) -> list[Instance]:
    out = []
    with open(stream_dir / "labels.csv", newline="") as f:
        for row in csv.DictReader(f):
            out.append(Instance(row["file"], row["keyword"], float(row["start"]), float(row["end"])))
    return out
