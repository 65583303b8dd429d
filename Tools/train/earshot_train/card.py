"""Writes Models/README.md (the model card) from the pipeline's report and data summary."""
from __future__ import annotations

import json
from pathlib import Path

from .config import RECIPE, RECIPES, EVALUATE_EVERY_HOPS, FEATURES, FRAMES, KEYWORDS, LABELS, PLACEMENT, REFRACTORY_SECONDS, \
    SMOOTHING_INFERENCES, WINDOW_SAMPLES, Paths
from .data import LATE_END_GAP, POS_END_GAP
from .train import BLOCKS, HEAD_STEPS, STEM, TUNE_FA_PER_HOUR, VAL_FALSE_ACCEPT

# The one command from an empty cache (a fresh clone beside ../shared, this 2-core machine, the Debian packages
# already installed), per recipe: what the card says when the run that wrote it did not start from an empty cache.
_D2_EMPTY = (
    "venv and `earshot` build 1.4 min; the three teachers 65 min (a3 seed 0 31 min, of which 8.6 min making the data, "
    "8,002 TTS clips and 34,871 windows, and 9.6 min of TTS for the calibration streams; a3 seed 1 11 min; a4 23 min, "
    "of which 5.6 min for its extra data); the student 36 min; building the 1 h and 10 h test streams, scoring them "
    "and the card 10.4 min")
SMOKE_TEXT = {"d2": "d2 with three tiny teachers, ~2.5 min", "e2": "e2: three tiny a3/a4 teachers, three tiny d2 networks, then the student, ~2.5 min"}
"""What the card says of the CI smoke run of the recipe that made it."""
EMPTY_CACHE_RUN = {
    "d2": (
        "From an empty cache the one command took **113 min** on this machine (2026-12-07: a fresh clone beside ../shared "
        "and an empty `$EARSHOT_CACHE`; the Debian packages were already installed and pip had its wheels cached, which a "
        f"fresh machine adds a few minutes to): {_D2_EMPTY}. Its network is not this one "
        "(training on two threads is not bit-reproducible): on this card's 10.45 h streams it misses 4.8 % at 1 false "
        "alarm per hour and 16.8 % at 1 per 10 hours (v10 5.1 % and 13.1 %), within the spread between training "
        "runs.\n"),
    "e2": (
        "From an empty cache the one command takes **about 3.8 h** on this machine: an estimate from stages measured "
        "here, not a run end to end. Recipe d2's run from an empty cache took 113 min on 2026-12-07 (a fresh clone beside "
        f"../shared, the Debian packages and pip wheels already present): {_D2_EMPTY}. Recipe e2 runs that up to its "
        "network (d2 seed 0, the first teacher; 103 min), then d2 seeds 1 and 2 (about 36 min each, as seed 0), then "
        "its own student (43 min alone on the cores, 55 min while they were shared), then the test streams and the card "
        "(10.4 min).\n"),
}


def eval_section(ev: dict | None) -> str:
    """The held-out stream evaluation (Tools/eval results.json, copied into the report by `card`)."""
    if not ev:
        return ("## Evaluation on held-out test streams\n\nNot run yet: `Tools/eval/run.sh --systems earshot --rerun`, "
                "then `python -m earshot_train card` (from Tools/train) adds it here.\n")
    systems = ev["results"]["systems"]
    names = [n for n in ["earshot", "openwakeword", "microwakeword", "pocketsphinx"] if n in systems]
    titles = {"earshot": "Earshot", "openwakeword": "openWakeWord 0.5.1",
              "microwakeword": "microWakeWord (pymicro-wakeword 2.5.0)", "pocketsphinx": "PocketSphinx 5.1.1"}
    rows = []
    for kw in KEYWORDS:
        cells = []
        n = None
        for s in names:
            r = systems[s].get(kw)
            if r is None:
                cells.append("—")
                continue
            n = r["instances"]
            cells.append(f"{100 * r['miss_at_1_fa_per_h']:.1f} % / {100 * r['miss_at_0.1_fa_per_h']:.1f} %")
        rows.append(f"| {kw} | {n or ''} | " + " | ".join(cells) + " |")
    avg = []
    for s in names:
        a = systems[s].get("average")
        avg.append(f"**{100 * a['miss_at_1_fa_per_h']:.1f} % / {100 * a['miss_at_0.1_fa_per_h']:.1f} %**"
                   + ("" if a["keywords"] == len(KEYWORDS) else f" ({a['keywords']} kw)") if a else "—")
    rows.append("| **average** | | " + " | ".join(avg) + " |")
    lg = ev.get("long")
    near = ev["results"].get("nearmiss") or {}
    near_text = ""
    if near:
        nrows = []
        for kw in KEYWORDS:
            cells, n = [], None
            for s in names:
                r = near.get(s, {}).get(kw)
                if r is None:
                    cells.append("—")
                    continue
                n = r["phrases"]
                cells.append(f"{len(r['fired'])} / {n}" + (f" ({', '.join(r['fired'])})" if r["fired"] else ""))
            nrows.append(f"| {kw} | {n or ''} | " + " | ".join(cells) + " |")
        near_text = f"""
Near-miss phrases (held out, one TTS voice each, never trained on; not part of the background above,
because some are nearly homophones and the benchmark's background is general speech): phrases that fire the
keyword they imitate at that keyword's 1 FA/h threshold:

| keyword | phrases | {" | ".join(titles[s] for s in names)} |
|---|---|{"---|" * len(names)}
{chr(10).join(nrows)}
"""
    long_text = ""
    if lg and "earshot" in lg["results"]["systems"]:
        le = lg["results"]["systems"]["earshot"]
        lrows = [f"| {kw} | {le[kw]['instances']} | {100 * le[kw]['miss_at_1_fa_per_h']:.1f} % | "
                 f"{100 * le[kw]['miss_at_0.1_fa_per_h']:.1f} % ({le[kw]['fa_at_0.1_fa_per_h']} FA, threshold "
                 f"{le[kw]['threshold_0.1_fa_per_h']:g}) |" for kw in KEYWORDS if kw in le]
        la = le["average"]
        lrows.append(f"| **average** | | **{100 * la['miss_at_1_fa_per_h']:.1f} %** | **{100 * la['miss_at_0.1_fa_per_h']:.1f} %** |")
        lbg = lg["results"]["background_hours"]
        ps = (lg["results"].get("per_stream") or {}).get("earshot")
        noise_text = ""
        if ps:  # where the misses are: each stream has one noise type
            nz = lg["results"].get("stream_noise", {})
            cells = [f"{nz.get(f, f)}: {r['misses']} / {r['instances']}" for f, r in ps["0.1_fa_per_h"].items()]
            noise_text = (f"\nMisses at those 1 FA/10 h thresholds per stream, by its noise (misses / instances): "
                          f"{'; '.join(cells)}. Tools/eval/README.md, *Per stream*, says how they are counted.\n")
        if la.get("interval95_0.1_fa_per_h"):  # how sure: block bootstrap of the evaluation tool
            (a_lo, a_hi), (b_lo, b_hi) = la["interval95_1_fa_per_h"], la["interval95_0.1_fa_per_h"]
            noise_text += (f"\n95 % intervals of the averages (block bootstrap over 5-minute stretches of the streams; "
                           f"Tools/eval/README.md, *How sure a figure is*): {100 * a_lo:.1f}–{100 * a_hi:.1f} % at "
                           f"1 FA/h, {100 * b_lo:.1f}–{100 * b_hi:.1f} % at 1 FA/10 h.\n")
        long_text = f"""
**1 FA/10 h measured on a long background** (Earshot only; the peers take too long for ~10 h here):
`{lg['command']}`, the same keyword instances over **{lbg:.2f} h of background** ({lg['background']}),
so 1 FA/10 h allows {int(lbg * 0.1 + 1e-9)} false alarm(s) per keyword instead of none:

| keyword | n | miss @ 1 FA/h | miss @ 1 FA/10 h |
|---|---|---|---|
{chr(10).join(lrows)}
{noise_text}"""
        dflt = lg.get("at_defaults")
        if dflt:
            n_fa = sum(dflt["false_alarms"].values())
            scored = [kw for kw in KEYWORDS if dflt["miss"][kw] is not None]
            per = ", ".join(f"{kw} {100 * dflt['miss'][kw]:.1f} % / {dflt['false_alarms'][kw]}" for kw in scored)
            long_text += f"""
**At the default thresholds** (what `earshot score` and `earshot listen` do without options; `earshot score
$EARSHOT_CACHE/eval-10h/streams/stream_*.wav --labels $EARSHOT_CACHE/eval-10h/streams/labels.csv`): average miss
**{100 * sum(dflt['miss'][kw] for kw in scored) / max(1, len(scored)):.1f} %** with **{n_fa} false alarms** in {dflt['background_hours']:.2f} h
({n_fa / dflt['background_hours']:.2f} per hour over all six keywords, {n_fa / dflt['background_hours'] / len(KEYWORDS):.2f} per
keyword); per keyword miss / false alarms: {per}.
"""
    bg = ev["results"]["background_hours"]
    e_avg = systems.get("earshot", {}).get("average")
    target_text = ""
    if e_avg:
        m10 = 100 * e_avg["miss_at_0.1_fa_per_h"]
        where = ""
        if lg and "earshot" in lg["results"]["systems"]:
            m10 = 100 * lg["results"]["systems"]["earshot"]["average"]["miss_at_0.1_fa_per_h"]
            where = " on the long background below"
        target_text = (f"Target: average miss rate ≤ 5 % at 1 false alarm per 10 hours — "
                       + ("met" if m10 <= 5 else f"**not met** ({m10:.1f} %{where})") + ".")
    return f"""## Evaluation on held-out test streams (10 dB SNR), Earshot and peers

Made by `{ev['command']}` ({ev.get('date', '')}; streams are rebuilt deterministically from the training tool's
held-out splits; output in `$EARSHOT_CACHE/eval/`: `report.md`, `det.png`). {ev['results']['total_hours']:.2f} h of streams,
**{bg:.2f} h of background** ({ev.get('background', 'held-out speech never trained on')}), with the held-out
keyword recordings; every piece at −26 dBFS ±4 dB and noise at 10 dB SNR. A detection counts inside the keyword
or up to 0.5 s after it. Miss rate from the threshold sweep at ≤ 1 false alarm per hour / per 10 hours (with
{bg:.2f} h of background, 1 per 10 h means none at all):

| keyword | n | {" | ".join(titles[s] for s in names)} |
|---|---|{"---|" * len(names)}
{chr(10).join(rows)}

Earshot's points are exact: `earshot score --sweep` runs one real detector per threshold of a ladder
(every 0.005 from 0.3 to 0.995) on one pass of the network, so each point is what a user gets at that threshold. The peers run on the same streams (how each
is run and scored: Tools/eval/README.md). With a few dozen instances per keyword one miss moves
a rate by 2–6 points. Earlier cards reported Earshot from a single low-threshold run whose detection times were
those of the low threshold's first crossing; those figures were wrong (too pessimistic) and are superseded.
{target_text}
{long_text}
{near_text}
{ev.get('note', '')}
"""


def write_card(paths: Paths, report: dict, summary: dict, out: Path) -> None:
    m, tr, va, bg = report["model"], report["train"], report["val"], report["heldout_background"]
    hop_ms = 1000 * FEATURES["hopLength"] / FEATURES["sampleRate"]
    inf_per_s = 1000 / (hop_ms * EVALUATE_EVERY_HOPS)
    src = summary.get("sources", {})
    rows = []
    for kw in KEYWORDS:
        pc = va["per_class"].get(kw, {})
        rows.append(f"| {kw} | {report['thresholds'][kw]:.3f} | {pc.get('n', 0)} | "
                    f"{100 * pc.get('recall_argmax', 0):.1f} % | {100 * (pc.get('recall_at_threshold') or 0):.1f} % | "
                    f"{100 * pc.get('val_false_accept_rate', 0):.2f} % | {bg['false_alarms'][kw]} "
                    f"({bg['false_alarms_per_hour'][kw]:.2f}/h) |")
    cal = report.get("calibration")
    near_left = report.get("val_false_accept_check", {}).get("near_miss_clips_left_out", 0)
    near_text = (f" (the {near_left} near-miss clips left out: they are the recordings of the near-miss table below, "
                 f"so they report the thresholds' effect rather than set them)" if near_left else "")
    cal_text = ""
    if cal:
        fa_cal = ", ".join(f"{kw} {cal['false_alarms'][kw]}" for kw in KEYWORDS)
        cal_text = (f" **and** the calibration streams ({cal['hours']:.2f} h, `Tools/eval/earshot_eval/calibration.py`: "
                    f"{cal['description']}) give ≤ {cal['fa_per_hour_max']:g} false alarm(s) per hour for it. The "
                    f"calibration streams are made like the test streams (same voices, levels and noise) from text that "
                    f"neither training nor the test reads; false alarms on them at these thresholds: {fa_cal}")
    neg_rows = []
    for lab in LABELS[:2]:
        pc = va["per_class"].get(lab, {})
        neg_rows.append(f"| {lab} | {pc.get('n', 0)} | {100 * pc.get('recall_argmax', 0):.1f} % |")
    sv = report.get("streaming_val")
    if sv:
        per = ", ".join(f"{k} {100 * (v['recall'] or 0):.0f} % ({v['detected']}/{v['clips']})" for k, v in sv["per_keyword"].items())
        stream_text = (f"Streaming recall on the held-out recordings (all {sv['clips']} validation-speaker clips, as recorded, "
                       f"concatenated with 1.5–3 s pauses into a {sv['stream_minutes']:.1f} min stream and run like the runtime): "
                       f"**{100 * sv['recall']:.1f} %** ({per}); other/wrong-keyword detections in that stream: {sv['other_detections']}.")
    else:
        stream_text = ""
    train_counts = ", ".join(f"{k} {v}" for k, v in tr["per_class"].items())
    eval_text = eval_section(report.get("eval_streams"))
    n_tts = sum(src.get(k, 0) for k in ("tts_keyword", "tts_near_miss", "tts_words", "tts_sentences"))
    n_win = sum(summary.get("train", {}).values()) + sum(summary.get("val", {}).values())
    prep_what = f"{n_tts:,} TTS clips, {n_win:,} rendered windows, held-out, tuning and mining streams"
    made = summary.get("prepare_made")
    all_cached = made is not None and made.get("tts", 0) <= 10 and made.get("windows", 0) == 0
    dist = tr.get("distillation")
    teachers_made_it = bool(dist) and dist.get("teacher_seconds", 0) >= 60
    if all_cached and teachers_made_it:
        prep_text = "was made earlier in the same run, by the first teacher's data preparation (in its time below)"
    elif all_cached:
        prep_text = "came from the cache in the run that wrote this card"
    else:
        prep_text = "took " + (f"{summary['prepare_seconds'] / 60:.1f} min" if summary.get("prepare_seconds") else "not measured")
        if made is not None:
            prep_text += (f" in the run that wrote this card, which synthesised {made.get('tts', 0):,} clips and rendered "
                          f"{made.get('windows', 0):,} windows (the rest came from the cache)")
    long_text = (f", {src['tts_long_reads']:,} long readings of fortunes entries from files the test background never reads"
                 if src.get("tts_long_reads") else "")
    hn = tr.get("hard_negatives") or {}
    rounds = hn.get("rounds") or ([{"windows": hn.get("windows", 0), "epochs": hn.get("epochs", 0)}] if hn.get("windows") else [])
    round_text = "; then ".join(f"round {i + 1}: {r['windows']:,} windows, {r['epochs']} epochs" for i, r in enumerate(rounds))
    hn_text = (f" Then hard-negative mining: the model ran over {src.get('mining_hours', 0):.1f} h of long streams of "
               f"training-side negative speech (over quiet noise beds and at 0–15 dB SNR); the windows where a keyword scored "
               f"≥ {hn.get('threshold', 0)} (one per local peak) were added {hn.get('repeats', 0)}× as `_unknown_` and training went on "
               f"({round_text}; each round mines with the model the round before left)." if hn.get("windows") else "")
    hn_epochs = f" + {hn['epochs']} after mining" if hn.get("windows") else ""
    teacher_text = ""
    if dist:
        took = []
        for t in dist["teachers"]:
            rep = paths.cache / Path(t).parent / "earshot-kws.report.json"
            if rep.exists():
                ttr = json.loads(rep.read_text())["train"]  # its own training, not the teachers it trained first
                own = ttr["total_seconds"] - (ttr.get("distillation") or {}).get("teacher_seconds", 0)
                took.append(f"{Path(t).parent.name} {own / 60:.0f} min")
        spent = dist.get("teacher_seconds", 0)
        teacher_text = (f" That includes {spent / 60:.0f} min of training the three teachers first"
                        if spent >= 60 else
                        " That does not include the three teachers, which the run reused from `$EARSHOT_CACHE/teachers/`")
        teacher_text += (f" ({', '.join(took)} when they were trained here)." if took else ".")
    recipe = tr.get("recipe", "d1")
    spec = RECIPES.get(recipe, RECIPES["d1"])
    wide = spec.wide
    teachers_wide = all(RECIPES[r].wide for r, _ in spec.teachers)
    shape_text = ("of the narrower v9 shape (48/48/56/56/64 channels)" if wide and not teachers_wide else "of this same shape")
    first_text = ("d2 seed 0 is model v10; each was itself distilled by recipe d2 from a3 seeds 0 and 1 and a4"
                  if spec.teachers and spec.teachers[0][0] == "d2" else "a3 seed 0 is model v9")
    if dist and dist.get("note"):  # how this run's teachers differ from what the pipeline would train
        first_text += f". {dist['note']}"
    dist_text = (f"\n\nDistillation (recipe {recipe}, `earshot_train/distill.py`): every training target is "
                 f"{dist['alpha']:g} × the label-smoothed class + {1 - dist['alpha']:g} × the mean posterior of "
                 f"{len(dist['teachers'])} int8 networks {shape_text} "
                 f"that the pipeline trains first "
                 f"({', '.join(Path(t).parent.name.replace('-s', ' seed ') for t in dist['teachers'])}; {first_text}), and training also sees a transfer set "
                 f"of {dist['transfer_windows']:,} windows of {'a4' + chr(39) + 's 8 h of long training-only readings and a3' + chr(39) + 's 5.2 h of mining streams' if wide else 'a4' + chr(39) + 's 8 h of long training-only readings'} at 0–15 dB SNR with the "
                 f"teachers' mean posterior alone as target. Averaging independently trained networks removes most of "
                 f"their confident false alarms (each makes different ones); distillation moves part of that gain into one "
                 f"network of the budget." if dist else "")
    run_sh = report.get("run_sh")  # the whole of `Tools/train/run.sh`, when it wrote this card (see __main__.py)
    if run_sh:
        empty_text = (f"The whole command, `Tools/train/run.sh`, took **{run_sh['minutes']:.0f} min** from its start to this card "
                      f"({run_sh['date']}, {'starting from an empty cache' if run_sh['empty_cache'] else 'with the cache as it was'}).\n")
    else:
        empty_text = ""
    if dist and not (run_sh and run_sh["empty_cache"]):
        empty_text += EMPTY_CACHE_RUN.get(recipe, "")
    cached_text = (", with the synthetic speech and rendered clips already cached"
                   if (made is None or all_cached) and not teachers_made_it else "")
    ls = tr.get("label_smoothing")
    ls_text = (f" Label smoothing {ls} keeps the int8 softmax below its 255/256 ceiling, so scores still rank the "
               f"most confident windows." if ls else "")
    stem = f"Conv2D {STEM[2]}×({STEM[0]}×{FEATURES['coefficients']}), stride {STEM[1]} in time"
    blocks = "; ".join(f"DW {k}×1 s{s} → PW {c}" for k, s, c in BLOCKS)
    if PLACEMENT == "end":
        pool_text = f"average pool over time into {HEAD_STEPS} steps (position-sensitive head), flatten"
        placement_text = (
            f"* Placement (`EARSHOT_PLACEMENT=end`): keyword windows are end-aligned (the keyword ends {POS_END_GAP[0]:g}–"
            f"{POS_END_GAP[1]:g} s before the window end, with the recording's own context before it), other words anywhere "
            f"in the window. \"Late\" negatives: keyword recordings of the training split whose keyword ended "
            f"{LATE_END_GAP[0]:g}–{LATE_END_GAP[1]:g} s before the window end (half of them followed by a training sentence), "
            "labelled `_unknown_`, so the network does not fire again while the word is still in the window.\n")
    else:
        pool_text = "average pool over time"
        placement_text = "* Placement: the word at a random position in the window (recordings keep their own context).\n"
    text = f"""# earshot-kws — six wake words in one int8 DS-CNN

`earshot-kws.tflite` (+ sidecar `earshot-kws.json`) detects **{", ".join(KEYWORDS)}** ("smart mirror",
"view glass") in one network, with the extra classes `_background_` (silence/noise) and `_unknown_`
(other speech). Output order: `{json.dumps(LABELS)}`.

Made by `Tools/train/run.sh` (see *Reproduce*). All numbers below come from that run
(`earshot-kws.report.json` holds them in full).

## Model

| | |
|---|---|
| input | int8 `[1, {FRAMES}, {FEATURES['coefficients']}, 1]` MFCC (scale {m['input']['scale']:.4f}, zero point {m['input']['zero_point']}) = {FRAMES} frames = {WINDOW_SAMPLES / FEATURES['sampleRate']:.2f} s of audio |
| output | int8 `[1, {len(LABELS)}]` softmax (scale 1/256, zero point −128) |
| architecture | {stem}; {blocks}; {pool_text}; fully connected {len(LABELS)}; softmax (batch norm folded) |
| ops | {", ".join(m['ops'])} |
| weights + biases | **{m['param_bytes']:,} B** ({m['weight_bytes']:,} B int8 weights + {m['bias_bytes']:,} B int32 biases; budget 20,480 B) |
| file size | {m['tflite_bytes']:,} B (the rest is per-channel quantization parameters and names) |
| MACs per inference | **{m['macs']:,}** |
| evaluation stride | every {EVALUATE_EVERY_HOPS} hops = {hop_ms * EVALUATE_EVERY_HOPS:.0f} ms → {inf_per_s:.1f} inferences/s = {m['macs'] * inf_per_s / 1e6:.2f} M MAC/s |

Quantization: full-integer post-training quantization (TFLite converter, `Optimize.DEFAULT`,
`TFLITE_BUILTINS_INT8`, int8 input and output, 500 training windows as representative dataset;
per-channel weights). No QAT.{ls_text}{hn_text}{dist_text}

## Features (sidecar `features`)

MLPerf Tiny front end, computed by the runtime's own Swift extractor (`earshot features`) for training
too — there is no Python MFCC: {FEATURES['sampleRate']} Hz, {FEATURES['windowLength']}-sample ({1000 * FEATURES['windowLength'] / FEATURES['sampleRate']:.0f} ms) {FEATURES['window']}
window, {FEATURES['hopLength']}-sample ({hop_ms:.0f} ms) hop, {FEATURES['fftSize']}-point FFT, {FEATURES['spectrum']} spectrum,
{FEATURES['melBands']} mel bands {FEATURES['melLowHz']:.0f}–{FEATURES['melHighHz']:.0f} Hz, log(mel + {FEATURES['logFloor']:g}),
DCT-II scaled by {FEATURES['dctScale']:.6f} (√(2/40)), {FEATURES['coefficients']} coefficients.

**Window / hop / stride.** The network sees the newest {FRAMES} frames ({WINDOW_SAMPLES} samples,
{WINDOW_SAMPLES / FEATURES['sampleRate']:.2f} s): the two-word keywords last up to ~1.3 s in the recordings
(98th percentile of the energy-trimmed "smart mirror"/"view glass" clips, with padding), and 1 s windows
clipped them. It runs every {EVALUATE_EVERY_HOPS} hops ({hop_ms * EVALUATE_EVERY_HOPS:.0f} ms), so a keyword is
seen at ~{int(0.5 / (hop_ms * EVALUATE_EVERY_HOPS / 1000))} positions while it is fully inside the window; the detector
averages {SMOOTHING_INFERENCES} inferences and holds a keyword off for {REFRACTORY_SECONDS:.1f} s after it fires (at least
the window length: a word stays in the window for up to ~1 s after it ends and would otherwise fire twice;
with 1.0 s the streaming test below gave 49 such duplicates, with 1.5 s none).
Cost at this stride: {m['macs'] * inf_per_s / 1e6:.2f} M MAC per second of audio.

## Thresholds and validation (int8 model, LiteRT reference kernels `BUILTIN_REF`)

Validation clips are rendered from data never used in training: held-out speakers of the recorded
keywords (each held-out recording twice: as recorded, and with added noise 5–20 dB SNR / reverb),
held-out TTS sentences and near-miss words, the held-out FSDD speaker, and fresh noise.
Threshold per keyword = the lowest value in 0.30…0.995 at which ≤ {100 * VAL_FALSE_ACCEPT:g} % of the validation clips of all
other classes score at or above it{near_text} **and** the threshold-tuning streams ({report.get('tuning_hours', 0):.2f} h: validation
sentences, a quarter over quiet noise beds and the rest at 0–15 dB SNR, separate from the held-out test streams) give ≤ {TUNE_FA_PER_HOUR:g} false alarm(s) per hour for
that keyword{cal_text} (`earshot-kws.json` → `thresholds`).

* clip accuracy (argmax, {va['clips']} clips): **int8 {100 * va['accuracy_int8']:.1f} %**, float {100 * va['accuracy_float']:.1f} %

| keyword | threshold | val clips | recall (argmax) | recall at threshold | false accepts on other val clips | false alarms on held-out background |
|---|---|---|---|---|---|---|
{chr(10).join(rows)}

| class | val clips | recall (argmax) |
|---|---|---|
{chr(10).join(neg_rows)}

{stream_text}

Held-out background: {bg['hours']:.2f} h of long streams never seen in training (held-out TTS
sentences from several engines, the held-out FSDD speaker, recorded words of the held-out ktuberling
languages, over changing
white/pink/brown/babble/synthetic-music/hum/silence beds), run in streaming fashion (window every
{EVALUATE_EVERY_HOPS} hops, {SMOOTHING_INFERENCES}-inference smoothing, {REFRACTORY_SECONDS:.1f} s refractory, thresholds above).
The list is `$EARSHOT_CACHE/splits/background_heldout.txt`.

{eval_text}

## Data

All offline; generated data is cached outside the repository in `$EARSHOT_CACHE`
(default `<repo>/../earshot-cache`) and rebuilt by the pipeline.

* Positives: the recorded clips in `shared/data/keywords/<word>/*.flac` ({src.get('real_train', '?')} train,
  {src.get('real_val', '?')} validation; the 9 corrupt alexa FLACs are skipped). Split by speaker as far as names
  allow: numbered files (alexa) in blocks of 10 consecutive numbers; UUID-named files by a hash of the name
  (no speaker information, so a speaker may appear on both sides). Plus {src.get('tts_keyword', '?')} synthetic
  clips (espeak-ng with many voices/variants, mbrola us1/us2/us3/en1, flite kal/awb/rms/slt, festival
  kal/ked/slt-hts, SVOX pico en-US/en-GB, piper en_US-joe-medium), random rate and pitch.
* Unknown: {src.get('tts_near_miss', '?')} near-miss words/fragments (alexander, a lexus, computing, commuter, jar,
  service, smart, mirror, snow, boy, view, glass, …), {src.get('tts_words', '?')} common words,
  {src.get('tts_sentences', '?')} fortune-file sentences (2,000 split train/val/held-out by sentence; the rest training-only,
  recipe {RECIPE}){long_text}, FSDD spoken digits
  ({src.get('fsdd_train', '?')} clips of 4 training speakers; speaker "nicolas" is held out),
  {src.get('recorded_words_train', 0):,} words recorded by people in 23 languages (Debian's `ktuberling-data`; the
  languages fr, ru and sl, {src.get('recorded_words_heldout', 0):,} clips, are held out for the background streams).
* Background and noise beds: white, pink, brown, babble (3–10 overlapping TTS sentences), cafe (babble, broadband
  noise and clicks), appliance/fan (low-passed noise, often with 50/60 Hz hum), synthetic music, mains hum, near-silence.
{placement_text}* Augmentation (audio domain, before feature extraction): the placement above,
  noise beds at 0–20 dB SNR (85 % of the 8 windows per recorded keyword, 90 % of synthetic ones), room reverb (40 pyroomacoustics shoebox rooms, RT60 0.15–0.8 s), band-limiting,
  gain (−30…−1 dBFS peak), ±12 % resampling (rate+pitch) of TTS; time masking of features during training.
* Training windows: {tr['clips']:,} ({train_counts}).
* Split lists for other tools: `$EARSHOT_CACHE/splits/train.txt`, `$EARSHOT_CACHE/splits/val.txt`
  (`path,label` of the source clips), `$EARSHOT_CACHE/splits/background_heldout.txt`.

## Reproduce

```
Tools/train/run.sh            # EARSHOT_VENV=/path/to/venv to reuse a venv; EARSHOT_CACHE for the data cache
```

It installs the Debian TTS engines if missing (adds contrib/non-free for mbrola and pico), creates the
venv from `Tools/requirements.txt`, builds `earshot` (release), then runs
`python -m earshot_train all` (prepare → features → train → convert → evaluate) and writes
`Models/earshot-kws.tflite`, `.json`, `.report.json` and this card.
On this shared 2-core machine `python -m earshot_train all` took {tr['total_seconds'] / 60:.0f} min in total (training {tr['train_seconds'] / 60:.1f} min,
{tr['epochs']} epochs{hn_epochs}){cached_text}. Data preparation ({prep_what}) {prep_text}.{teacher_text}
{empty_text}CI smoke test: `Tools/train/smoke.sh` (tiny subset, one epoch, conversion, load check, tiny calibration set; recipe
{SMOKE_TEXT.get(recipe, recipe)}; CI runs it again with `EARSHOT_RECIPE=a3`, `a3t` and `d3`).

## Limitations

* Speaker-independent validation is only approximate for the UUID-named recordings.
* Synthetic speech covers few real voices; real recorded speech is limited to the keyword recordings, FSDD digits
  and ktuberling's single words; real conversation, far-field speech, music and TV are not in the data.
* The held-out background is mostly synthetic/TTS speech, so its false-alarm rate is optimistic for real rooms.

## The streaming model beside it

`earshot-kws-stream.tflite` (+ `.json`) is a second network for the same six keywords that Earshot runs
one 20 ms frame at a time (stride-1 dilated temporal ConvNet, 18,960 B): a tenth of this
model's CPU per decision, decisions every 20 ms, lower accuracy on the held-out streams. Its card:
[earshot-kws-stream.md](earshot-kws-stream.md). Use it with `--model Models/earshot-kws-stream.tflite`.
"""
    out.write_text(text)
