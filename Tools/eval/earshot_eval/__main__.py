"""Command line: build the streams, run the systems, score them, write the report.

    python -m earshot_eval [--systems earshot,openwakeword,microwakeword,pocketsphinx] ...
(Tools/eval/run.sh runs this with the right PYTHONPATH and interpreter.)
"""
from __future__ import annotations

import argparse
import hashlib
import json
import shlex
import sys
import traceback
from pathlib import Path

from . import data, detectors, nearmiss, report, streams
from .data import KEYWORDS, log
from .metrics import background_hours

DESCRIPTIONS = {
    "earshot": "Earshot `earshot score STREAM --format json --threshold T` (this repository), "
               "one run per threshold in " + ", ".join(f"{t:g}" for t in detectors.EARSHOT_LADDER)
               + " (each run is one DET point, exactly what a user gets at that threshold)",
    "openwakeword": "openWakeWord 0.5.1, bundled alexa_v0.1 model, ONNX runtime; per-frame "
                    "scores peak-picked with a 1 s refractory period",
    "microwakeword": "pymicro-wakeword 2.5.0, bundled alexa model (microWakeWord, sliding "
                     "window 5); per-step probabilities peak-picked with a 1 s refractory period",
    "pocketsphinx": "PocketSphinx 5.1.1 keyword spotting, bundled en-us acoustic model and "
                    "dictionary (+ snowboy S N OW B OY); one run per kws_threshold in "
                    + ", ".join(f"{t:g}" for t in detectors.POCKETSPHINX_LADDER)
                    + " (each run is one DET point)",
}


def main(argv=None) -> int:
    repo = Path(__file__).resolve().parents[3]
    ap = argparse.ArgumentParser(prog="Tools/eval/run.sh", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=data.cache_dir() / "eval",
                    help="output dir for report.md, det.png, results.json, detections/ "
                         "(default $EARSHOT_CACHE/eval)")
    ap.add_argument("--streams", type=Path, default=None,
                    help="stream dir (default OUT/streams)")
    ap.add_argument("--systems", default="earshot,openwakeword,microwakeword,pocketsphinx",
                    help="comma list of: earshot, openwakeword, microwakeword, pocketsphinx, "
                         "cmd:NAME=TEMPLATE (TEMPLATE with {wav} and {threshold}, printing JSON "
                         "Lines file,keyword,time,score)")
    ap.add_argument("--earshot-args", default="",
                    help="extra arguments for `earshot score`, e.g. '--model Models/earshot-kws.tflite'")
    ap.add_argument("--threshold", type=float, default=0.05,
                    help="low threshold passed to command systems; the sweep starts there")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--n-streams", type=int, default=6)
    ap.add_argument("--background-hours", type=float, default=1.0,
                    help="hours of background speech + pauses to synthesise (about)")
    ap.add_argument("--rerun", action="store_true", help="run systems again even if cached")
    ap.add_argument("--rebuild-streams", action="store_true")
    ap.add_argument("--streams-only", action="store_true", help="build the streams and stop")
    args = ap.parse_args(argv)

    out: Path = args.out
    sdir: Path = args.streams or out / "streams"
    command = "Tools/eval/run.sh " + shlex.join(argv if argv is not None else sys.argv[1:])

    log(f"building streams in {sdir}")
    manifest = streams.build_streams(sdir, seed=args.seed, n_streams=args.n_streams,
                                     background_hours=args.background_hours,
                                     force=args.rebuild_streams)
    if args.streams_only:
        print(json.dumps({k: v for k, v in manifest.items() if k != "keyword_clips_skipped"},
                         indent=1))
        return 0
    labels = streams.load_labels(sdir)
    wavs = [sdir / s["file"] for s in manifest["streams"]]
    total = sum(s["seconds"] for s in manifest["streams"])
    bg = background_hours(total, labels)
    phrases = nearmiss.load(sdir) if manifest.get("nearmiss") else []
    if phrases:  # run on it too; its detections are scored apart (never background false alarms)
        wavs.append(sdir / nearmiss.FILE)

    systems, curves, all_dets, near_dets = [], {}, {}, {}
    for spec in [s.strip() for s in args.systems.split(",") if s.strip()]:
        name = spec.split("=", 1)[0][4:] if spec.startswith("cmd:") else spec
        sysinfo = {"name": name, "spec": spec,
                   "description": DESCRIPTIONS.get(name, f"command `{spec[4:]}`")}
        systems.append(sysinfo)
        try:
            det = detectors.make_detector(spec, args.threshold, repo, args.earshot_args,
                                          cache=out / "detections")
            ident = json.dumps({"streams": manifest["key"], "spec": spec,
                                "nearmiss": (manifest.get("nearmiss") or {}).get("key"),
                                "template": getattr(det, "template", None),
                                "threshold": args.threshold,
                                "ladder": getattr(det, "thresholds", None),
                                # the run cache is keyed by what the runs read (Earshot: model and
                                # sidecar contents), so a new model is never scored from old runs
                                "runs_cache": str(getattr(det, "cache", None))}, sort_keys=True)
            h = hashlib.sha256(ident.encode()).hexdigest()[:16]
            if name == "earshot":
                sysinfo["description"] += f"; command: `{det.template}`"
            djson = out / "detections" / f"{name}.jsonl"
            meta = out / "detections" / f"{name}.json"
            cached = (djson.exists() and meta.exists()
                      and json.loads(meta.read_text()).get("id") == h and not args.rerun)
            if cached:
                sysinfo["timing"] = json.loads(meta.read_text()).get("timing")
                if getattr(det, "cache", None) is not None:
                    sysinfo["timing"] = None
                log(f"{name}: using cached detections {djson}")
            else:
                log(f"{name}: running on {len(wavs)} streams")
                timing = detectors.run_detector(det, wavs, djson)
                meta.write_text(json.dumps({"id": h, "ident": json.loads(ident),
                                            "timing": timing}, indent=1))
                sysinfo["timing"] = timing
                if getattr(det, "cache", None) is not None:
                    sysinfo["timing"] = None  # only the runs not cached before were timed
            dets = detectors.load_detections(djson)
            near_dets[name] = [d for d in dets if d.file == nearmiss.FILE]
            dets = [d for d in dets if d.file != nearmiss.FILE]
            kws = getattr(det, "keywords", None)
            if not kws:
                seen = {d.keyword for d in dets}
                kws = [k for k in KEYWORDS if k in seen] or list(KEYWORDS)
            sysinfo["keywords"] = kws
            sysinfo["runs"] = bool(getattr(det, "runs", False))
            if sysinfo["runs"]:
                sysinfo["run_params"] = det.run_params()
            curves[name] = report.curves_for(sysinfo, dets, labels, bg)
            all_dets[name] = dets
        except Exception as e:  # one system failing must not hide the others
            sysinfo["status"] = f"{type(e).__name__}: {e}"
            log(f"{name}: FAILED: {e}")
            if not isinstance(e, (FileNotFoundError, RuntimeError)):
                traceback.print_exc(file=sys.stderr)

    out.mkdir(parents=True, exist_ok=True)
    summary = report.write_report(out, manifest, systems, curves, command, all_dets, labels,
                                  near=(phrases, near_dets) if phrases else None)
    print(summary)
    return 0 if curves else 1


if __name__ == "__main__":
    sys.exit(main())
