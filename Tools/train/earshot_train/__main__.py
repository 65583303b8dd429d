"""Command line: python -m earshot_train {prepare,features,train,all} [--scale S] [--epochs E] [--smoke]."""
from __future__ import annotations

import argparse
import os
import time

from .config import DISTILLED, Paths


def main() -> None:
    ap = argparse.ArgumentParser(prog="earshot_train", description=__doc__)
    ap.add_argument("step", choices=["prepare", "features", "train", "all", "streamtest", "card"])
    ap.add_argument("--scale", type=float, default=1.0, help="data scale (<1 for a tiny smoke-test set)")
    ap.add_argument("--epochs", type=int, default=50)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--train-seed", type=int, default=None,
                    help="seed of weight initialisation and shuffling only (default: --seed); the data stay --seed's")
    ap.add_argument("--eval-only", action="store_true",
                    help="train step: re-evaluate the exported model without training (thresholds, report, card)")
    ap.add_argument("--smoke", action="store_true", help="tiny run; writes to $EARSHOT_MODELS (not Models/)")
    a = ap.parse_args()
    paths = Paths()
    t0 = time.time()
    if a.step == "card":  # take in the held-out stream evaluation (Tools/eval) and rewrite the model card
        import datetime
        import json
        from .card import write_card
        rep_path = paths.models / "earshot-kws.report.json"
        report = json.loads(rep_path.read_text())
        ev_dir = paths.cache / "eval"
        res = json.loads((ev_dir / "results.json").read_text())
        man = json.loads((ev_dir / "streams" / "manifest.json").read_text())
        md = (ev_dir / "report.md").read_text().splitlines()
        cmd = next((l.split("`")[1] for l in md if l.startswith("Command: `")), "Tools/eval/run.sh")
        from .config import REPO
        cmd = cmd.replace(str(REPO) + "/", "")
        report["eval_streams"] = {
            "command": cmd, "date": datetime.date.today().isoformat(), "results": res,
            "background": man.get("background_speech", {}).get("source", ""),
        }
        long_dir = paths.cache / "eval-10h"  # Earshot alone on a ≥ 10 h background (Tools/eval/run.sh --background-hours 11.5)
        if (long_dir / "results.json").exists():
            lmd = (long_dir / "report.md").read_text().splitlines()
            lcmd = next((l.split("`")[1] for l in lmd if l.startswith("Command: `")), "")
            lman = json.loads((long_dir / "streams" / "manifest.json").read_text())
            report["eval_streams"]["long"] = {
                "command": lcmd.replace(str(REPO) + "/", "").replace(str(paths.cache), "$EARSHOT_CACHE"), "results": json.loads((long_dir / "results.json").read_text()),
                "background": lman.get("background_speech", {}).get("source", "")}
            from .streamtest import at_defaults
            report["eval_streams"]["long"]["at_defaults"] = at_defaults(paths, long_dir / "streams",
                                                                        paths.models / "earshot-kws.tflite")
        started = os.environ.get("EARSHOT_RUN_STARTED")  # set by run.sh: the whole command's wall time
        if started:
            report["run_sh"] = {"minutes": round((time.time() - float(started)) / 60, 1),
                                "empty_cache": os.environ.get("EARSHOT_RUN_EMPTY_CACHE") == "1",
                                "date": datetime.date.today().isoformat()}
        rep_path.write_text(json.dumps(report, indent=2) + "\n")
        summary = json.loads((paths.cache / "data_summary.json").read_text())
        write_card(paths, report, summary, paths.models / "README.md")
        print(json.dumps(res["systems"].get("earshot", {}).get("average"), indent=1))
        return
    if a.step == "streamtest":  # re-evaluate the shipped model on the streaming test; updates report + card
        import json
        from .streamtest import streaming_recall
        from .train import Int8Model
        from .card import write_card
        rep_path = paths.models / "earshot-kws.report.json"
        report = json.loads(rep_path.read_text())
        report["streaming_val"] = streaming_recall(paths, Int8Model(paths.models / "earshot-kws.tflite"),
                                                   report["thresholds"])
        print(json.dumps(report["streaming_val"], indent=2))
        rep_path.write_text(json.dumps(report, indent=2) + "\n")
        summary = json.loads((paths.cache / "data_summary.json").read_text())
        write_card(paths, report, summary, paths.models / "README.md")
        return
    teachers, teacher_seconds = None, 0.0
    if DISTILLED and a.step in ("train", "all") and not a.eval_only:
        # The teachers first: each trains in its own recipe's data (their data preparation rewrites the cache's
        # split lists, so the student's own preparation below comes after them).
        from .distill import ensure_teachers
        passed = ["--scale", str(a.scale), "--epochs", str(a.epochs), "--workers", str(a.workers), "--seed", str(a.seed)]
        teachers = ensure_teachers(paths, passed + (["--smoke"] if a.smoke else []))
        teacher_seconds = time.time() - t0
        print(f"distillation: teachers ready: {teacher_seconds:.0f} s", flush=True)
    if a.step in ("prepare", "all") or teachers:
        from .data import prepare
        t1 = time.time()
        prepare(paths, scale=a.scale, workers=a.workers, seed=a.seed)
        print(f"prepare: {time.time() - t1:.0f} s", flush=True)
    if a.step in ("features", "train", "all"):
        from .features import extract
        t1 = time.time()
        data = {s: extract(paths, s) for s in ("train", "val")}
        print(f"features: {time.time() - t1:.0f} s", flush=True)
        if a.step in ("train", "all"):
            from .train import run
            run(paths, data, epochs=a.epochs, seed=a.seed if a.train_seed is None else a.train_seed, smoke=a.smoke, started=t0, eval_only=a.eval_only,
                teachers=teachers, teacher_seconds=teacher_seconds)
    print(f"total: {time.time() - t0:.0f} s", flush=True)


if __name__ == "__main__":
    main()
