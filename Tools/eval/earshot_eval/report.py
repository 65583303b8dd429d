"""Scoring of detections, the Markdown report and the DET plot."""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from . import bootstrap, nearmiss
from .data import KEYWORDS
from .metrics import (DetCurve, Detection, Instance, curve_from_runs, det_curve,
                      false_alarm_kinds, per_stream)

TARGETS = (1.0, 0.1)


def curves_for(system: dict, dets: list[Detection], labels: list[Instance], bg_hours: float
               ) -> dict[str, DetCurve]:
    out = {}
    for kw in system["keywords"]:
        if system.get("runs"):
            by_score: dict[float, list[Detection]] = {}
            for d in dets:
                by_score.setdefault(d.score, [])
            for d in dets:
                by_score[d.score].append(d)
            params = sorted(set(system.get("run_params", [])) | set(by_score))
            runs = [(p, by_score.get(p, [])) for p in params]
            out[kw] = curve_from_runs(kw, runs, labels, bg_hours)
        else:
            out[kw] = det_curve(kw, dets, labels, bg_hours)
    return out


def _kinds(name, kw, thr, detections, labels) -> str:
    if not detections or name not in detections or labels is None:
        return ""
    k = false_alarm_kinds(kw, detections[name], labels, thr)
    return (f"; of those, {k['repeat']} repeat firings within 3 s of a hit, "
            f"{k['other_keyword']} on another keyword, {k['background']} on background")


def _fmt(op) -> str:
    s = f"{100 * op.miss_rate:.1f} %"
    return ("≤ " + s) if op.bound_only else s


def _thr(x: float) -> str:
    if not math.isfinite(x):
        return "off"
    return f"{x:.3g}"


def per_stream_section(ran: list[dict], curves: dict[str, dict[str, DetCurve]], detections: dict[str, list[Detection]],
                       labels: list[Instance], manifest: dict, results: dict) -> list[str]:
    """The report's per-stream table (misses / instances and false alarms, summed over each system's keywords at
    each keyword's own 1 FA/h and 1 FA/10 h thresholds); also stored in results["per_stream"]."""
    files = [st["file"] for st in manifest["streams"]]
    table: dict[str, dict[str, dict[str, dict[str, int]]]] = {}
    for s in ran:
        if s["name"] not in detections:
            continue
        for tag, target in (("1_fa_per_h", TARGETS[0]), ("0.1_fa_per_h", TARGETS[1])):
            sums = {f: {"instances": 0, "misses": 0, "false_alarms": 0} for f in files}
            for kw, c in curves[s["name"]].items():
                op = c.miss_at(target)
                for f, row in per_stream(kw, detections[s["name"]], labels, op.threshold, bool(s.get("runs"))).items():
                    if f in sums:
                        for k, v in row.items():
                            sums[f][k] += v
            table.setdefault(s["name"], {})[tag] = sums
    if not table:
        return []
    results["per_stream"] = table
    results["stream_noise"] = {f: str(manifest.get("noise", {}).get(f, "")).split(":")[0] for f in files}
    names = list(table)
    lines = ["## Misses and false alarms per stream", "",
             "Each stream has one noise type. Cell: keyword instances missed / instances, and false alarms, "
             "summed over the system's keywords, each at its own threshold for 1 FA/h or for 1 FA/10 h "
             "(the thresholds of the table above).", "",
             "| stream | noise | " + " | ".join(f"{n} @ 1 FA/h | {n} @ 1 FA/10 h" for n in names) + " |",
             "|" + "---|" * (2 + 2 * len(names))]
    for f in files:
        cells = []
        for n in names:
            for tag in ("1_fa_per_h", "0.1_fa_per_h"):
                r = table[n][tag][f]
                cells.append(f"{r['misses']}/{r['instances']}, {r['false_alarms']} FA")
        lines.append(f"| {f} | {results['stream_noise'][f]} | " + " | ".join(cells) + " |")
    lines.append("")
    return lines


def write_report(out: Path, manifest: dict, systems: list[dict],
                 curves: dict[str, dict[str, DetCurve]], command: str,
                 detections: dict[str, list[Detection]] | None = None,
                 labels: list[Instance] | None = None,
                 near: tuple[list, dict[str, list[Detection]]] | None = None) -> str:
    """Write report.md, results.json and det.png to `out`; return a short stdout summary.
    `near` = (near-miss phrases, each system's detections on the near-miss stream)."""
    bg = manifest["background_hours"]
    lines = ["# Earshot wake-word evaluation", "",
             f"Command: `{command}`", ""]
    # ---- streams
    lines += ["## Test streams", "",
              f"- {len(manifest['streams'])} streams, {manifest['total_hours']:.2f} h in total, "
              f"**{bg:.2f} h of background** (total minus keyword speech) for false alarms.",
              "- Keyword instances: " + ", ".join(f"{k} {n}" for k, n in
                                                   sorted(manifest["keyword_instances"].items()))
              + f" — {manifest['keyword_source']}.",
              f"- Background speech (never in training): {manifest['background_speech']['source']}. "
              "No background recording or sentence was in the training data, but training did use "
              "the same TTS engines (other sentences), so false-alarm rates on real conversation "
              "will be higher.",
              "- Noise per stream: " + "; ".join(f"{f}: {d}" for f, d in manifest["noise"].items())
              + ".",
              f"- Mixing: {manifest['mixing']}.",
              "- Scoring: a detection is a hit if it falls inside the keyword (voiced span of the "
              "inserted clip) or within 0.5 s after it; each instance can be hit once; every other "
              "detection of that keyword is a false alarm (also a second firing on one instance, "
              "or a firing on another keyword). Miss rates are read from the threshold sweep at "
              "the lowest threshold whose FA/h is at or under the target (no interpolation).",
              f"- Resolution: with {bg:.2f} h of background, 1 FA/h allows "
              f"{int(math.floor(bg * 1.0 + 1e-9))} false alarms and 1 FA/10 h allows "
              f"{int(math.floor(bg * 0.1 + 1e-9))}: the 1 FA/10 h column is "
              + ("a zero-false-alarm operating point." if bg < 10 else "measured directly."),
              ""]
    # ---- systems
    lines += ["## Systems", ""]
    # systems also ran on the near-miss stream: its length belongs in the time per hour of audio
    run_hours = manifest["total_hours"] + ((manifest.get("nearmiss") or {}).get("seconds", 0.0) / 3600)
    for s in systems:
        st = s.get("status", "ok")
        lines.append(f"- **{s['name']}**: {s['description']}"
                     + (f" — *not run: {st}*" if st != "ok" else "")
                     + (f" ({s['timing']['wall_seconds'] / run_hours:.0f} s wall per "
                        f"hour of audio)" if s.get("timing") else ""))
    lines.append("")
    # ---- per keyword table
    ran = [s for s in systems if s["name"] in curves]
    lines += ["## Miss rate per keyword", "",
              "Cell: miss rate at 1 FA/h / at 1 FA/10 h (threshold used in brackets; `off` = only "
              "a threshold above every reported score meets the rate). "
              "`≤` = reached at the lowest score the system reported, so only an upper bound. "
              "`—` = the system has no model for that keyword.", ""]
    hdr = "| keyword | n | " + " | ".join(s["name"] for s in ran) + " |"
    lines += [hdr, "|" + "---|" * (2 + len(ran))]
    avg: dict[str, list] = {s["name"]: [[], []] for s in ran}
    results: dict = {"background_hours": bg, "total_hours": manifest["total_hours"],
                     "systems": {}}
    for kw in KEYWORDS:
        n = manifest["keyword_instances"].get(kw, 0)
        cells = []
        for s in ran:
            c = curves[s["name"]].get(kw)
            if c is None:
                cells.append("—")
                continue
            a, b = c.miss_at(TARGETS[0]), c.miss_at(TARGETS[1])
            avg[s["name"]][0].append(a.miss_rate)
            avg[s["name"]][1].append(b.miss_rate)
            ta = "off" if a.above_all else _thr(a.threshold)
            tb = "off" if b.above_all else _thr(b.threshold)
            cells.append(f"{_fmt(a)} ({ta}) / {_fmt(b)} ({tb})")
            results["systems"].setdefault(s["name"], {})[kw] = {
                "instances": c.n_instances, "detections": c.n_detections,
                "miss_at_1_fa_per_h": a.miss_rate, "threshold_1_fa_per_h": a.threshold,
                "fa_at_1_fa_per_h": a.false_alarms, "bound_only_1": a.bound_only,
                "miss_at_0.1_fa_per_h": b.miss_rate, "threshold_0.1_fa_per_h": b.threshold,
                "fa_at_0.1_fa_per_h": b.false_alarms, "bound_only_0.1": b.bound_only}
        lines.append(f"| {kw} | {n} | " + " | ".join(cells) + " |")
    cells = []
    for s in ran:
        a, b = avg[s["name"]]
        if a:
            cells.append(f"{100 * np.mean(a):.1f} % / {100 * np.mean(b):.1f} % "
                         f"({len(a)} kw)")
            results["systems"][s["name"]]["average"] = {
                "keywords": len(a), "miss_at_1_fa_per_h": float(np.mean(a)),
                "miss_at_0.1_fa_per_h": float(np.mean(b))}
        else:
            cells.append("—")
    lines.append("| **average** | | " + " | ".join(cells) + " |")
    lines.append("")
    # ---- how sure the averages are: block bootstrap over stretches of stream
    results["run_params"] = {s["name"]: (s.get("run_params") if s.get("runs") else None) for s in ran}
    if detections and labels is not None:
        seconds = {st["file"]: float(st["seconds"]) for st in manifest["streams"]}
        cells = []
        for s in ran:
            av = results["systems"].get(s["name"], {}).get("average")
            if not av or s["name"] not in detections:
                continue
            tab = bootstrap.block_table([kw for kw in KEYWORDS if kw in curves[s["name"]]], detections[s["name"]],
                                        labels, seconds, results["run_params"][s["name"]])
            (a_lo, a_hi), (b_lo, b_hi) = bootstrap.intervals(tab, TARGETS, reps=bootstrap.REPORT_REPS)
            av["interval95_1_fa_per_h"], av["interval95_0.1_fa_per_h"] = [a_lo, a_hi], [b_lo, b_hi]
            cells.append(f"{s['name']} {100 * av['miss_at_1_fa_per_h']:.1f} % [{100 * a_lo:.1f}, {100 * a_hi:.1f}] / "
                         f"{100 * av['miss_at_0.1_fa_per_h']:.1f} % [{100 * b_lo:.1f}, {100 * b_hi:.1f}]")
        if cells:
            lines += [f"**How sure the averages are** (95 % intervals, block bootstrap: the streams cut into "
                      f"{bootstrap.BLOCK_SECONDS / 60:.0f}-minute stretches, {bootstrap.REPORT_REPS} draws of as "
                      f"many stretches with replacement, each keyword's threshold chosen again in every draw; "
                      f"at 1 FA/h / 1 FA/10 h): " + "; ".join(cells) + ". Two systems or models scored on the "
                      f"same streams are compared draw by draw with `python -m earshot_eval.bootstrap RESULTS_A "
                      f"RESULTS_B --streams STREAMS` (Tools/eval/README.md, *How sure a figure is*).", ""]
    # ---- score saturation: the sweep cannot go above the top score
    sat = []
    for s in ran:
        if s.get("runs"):
            continue
        for kw, c in curves[s["name"]].items():
            if len(c.thresholds) < 2:
                continue
            top_i = len(c.thresholds) - 2  # last real score (the final one is above every score)
            if c.fa_per_hour[top_i] > TARGETS[0]:
                sat.append(f"{s['name']} {kw}: at its top score {c.thresholds[top_i]:.4g} it still "
                           f"makes {c.fa_per_hour[top_i]:.1f} FA/h "
                           f"({int(c.false_alarms[top_i])} false alarms) with miss rate "
                           f"{100 * c.miss_rate[top_i]:.1f} %"
                           + _kinds(s["name"], kw, float(c.thresholds[top_i]), detections, labels))
    if sat:
        lines += ["**Score saturation** — no threshold reaches 1 FA/h, because false alarms share "
                  "the highest score the system can output (e.g. an int8 softmax tops out at "
                  "255/256 = 0.9961):", ""] + [f"- {x}" for x in sat] + [""]
    # ---- where the misses and false alarms are: per stream (one noise type each)
    if detections and labels is not None:
        lines += per_stream_section(ran, curves, detections, labels, manifest, results)
    # ---- near-miss phrases, at each keyword's 1 FA/h threshold
    if near:
        phrases, ndets = near
        lines += ["## Near-miss phrases", "",
                  f"{len(phrases)} held-out phrases built to sound like a keyword (one held-out TTS voice "
                  f"each, never trained on; {manifest['nearmiss']['source']}), in `{nearmiss.FILE}` "
                  "2.5-3.5 s apart with the streams' noise types and SNR. They are not part of the "
                  "background above: some are nearly homophones ('come pewter'), and the Picovoice "
                  "benchmark's background is general speech. Cell: phrases that fire the keyword they "
                  "imitate at the system's 1 FA/h threshold (same hit rule), of the phrases for that keyword.", "",
                  "| keyword | phrases | " + " | ".join(s["name"] for s in ran) + " |",
                  "|" + "---|" * (2 + len(ran))]
        tot = {s["name"]: [0, 0] for s in ran}
        for kw in KEYWORDS:
            n = sum(1 for p in phrases if p.keyword == kw)
            cells = []
            for s in ran:
                c = curves[s["name"]].get(kw)
                if c is None or n == 0:
                    cells.append("—")
                    continue
                a = c.miss_at(TARGETS[0])
                if a.above_all:  # no threshold reaches 1 FA/h: the keyword is off, as in the main table
                    cells.append("off")
                    continue
                fired = nearmiss.false_accepts(
                    kw, ndets.get(s["name"], []), phrases, a.threshold, bool(s.get("runs")))
                tot[s["name"]][0] += len(fired)
                tot[s["name"]][1] += n
                cells.append(f"{len(fired)} / {n}" + (f" ({', '.join(fired)})" if fired else ""))
                results.setdefault("nearmiss", {}).setdefault(s["name"], {})[kw] = {
                    "phrases": n, "fired": fired, "threshold": a.threshold}
            lines.append(f"| {kw} | {n} | " + " | ".join(cells) + " |")
        lines.append("| **all** | | " + " | ".join(
            f"{f} / {n} ({100 * f / n:.0f} %)" if n else "—" for f, n in tot.values()) + " |")
        lines.append("")
    # ---- alexa side by side
    alexa = [s for s in ran if "alexa" in curves[s["name"]]]
    lines += ["## alexa, side by side", "",
              "| system | miss @ 1 FA/h | misses / instances | FA at that point | miss @ 1 FA/10 h | "
              "misses / instances | detections reported |",
              "|---|---|---|---|---|---|---|"]
    for s in alexa:
        c = curves[s["name"]]["alexa"]
        a, b = c.miss_at(1.0), c.miss_at(0.1)
        n = c.n_instances
        lines.append(f"| {s['name']} | {_fmt(a)} | {round(a.miss_rate * n)} / {n} | "
                     f"{a.false_alarms} | {_fmt(b)} | {round(b.miss_rate * n)} / {n} | "
                     f"{c.n_detections} |")
    lines += ["", "DET curves: `det.png` / `det.svg` (miss rate vs false alarms per hour; left: "
              "every keyword of the multi-keyword systems, right: alexa for every system). "
              "With a few dozen instances per keyword one miss moves the rate by several "
              "points: read small differences as noise.", ""]
    (out / "report.md").write_text("\n".join(lines))
    (out / "results.json").write_text(json.dumps(results, indent=1))
    plot_det(out / "det.png", curves, bg)
    # ---- stdout summary
    summ = [f"command: {command}",
            f"streams: {manifest['total_hours']:.2f} h, background {bg:.2f} h, "
            f"{sum(manifest['keyword_instances'].values())} keyword instances"]
    for s in ran:
        av = results["systems"].get(s["name"], {}).get("average")
        al = results["systems"].get(s["name"], {}).get("alexa")
        summ.append(f"{s['name']:>14}: "
                    + (f"avg miss {100 * av['miss_at_1_fa_per_h']:.1f} % @1FA/h, "
                       f"{100 * av['miss_at_0.1_fa_per_h']:.1f} % @1FA/10h over "
                       f"{av['keywords']} kw" if av else "")
                    + (f"; alexa {100 * al['miss_at_1_fa_per_h']:.1f} % / "
                       f"{100 * al['miss_at_0.1_fa_per_h']:.1f} %" if al else ""))
    if sat:
        summ.append(f"score saturation for {len(sat)} keyword(s): no threshold reaches 1 FA/h; "
                    f"see 'Score saturation' in the report")
    for s in systems:
        if s.get("status", "ok") != "ok":
            summ.append(f"{s['name']:>14}: not run: {s['status']}")
    summ.append(f"report: {out / 'report.md'}  plot: {out / 'det.png'}")
    return "\n".join(summ)


def plot_det(path: Path, curves: dict[str, dict[str, DetCurve]], bg_hours: float) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    floor = 0.05
    fig, axes = plt.subplots(1, 2, figsize=(13, 7), sharey=True)
    styles = ["-", "--", "-.", ":"]
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]

    def draw(ax, c: DetCurve, label, color, ls):
        # Best miss rate reachable at each false-alarm rate (what miss_at reads), as a staircase.
        order = np.lexsort((c.miss_rate, c.fa_per_hour))
        fa = c.fa_per_hour[order]
        env = np.minimum.accumulate(c.miss_rate[order])
        keep = np.r_[True, np.diff(env) != 0]
        x = np.maximum(fa[keep], floor)
        y = 100 * env[keep]
        x = np.r_[x, 1e3]
        y = np.r_[y, y[-1]]
        ax.plot(x, y, ls, color=color, label=label, drawstyle="steps-post",
                marker="o" if getattr(c, "is_runs", False) else None, ms=4)

    ax = axes[0]
    multi = {n: cs for n, cs in curves.items() if len(cs) > 1} or curves
    for si, (name, cs) in enumerate(multi.items()):
        for ki, (kw, c) in enumerate(cs.items()):
            draw(ax, c, f"{name}: {kw}", colors[ki % len(colors)], styles[si % len(styles)])
    ax.set_title("Every keyword (line style = system, colour = keyword)")
    ax = axes[1]
    for si, (name, cs) in enumerate(curves.items()):
        if "alexa" in cs:
            draw(ax, cs["alexa"], name, colors[si % len(colors)], "-")
    ax.set_title("alexa: systems side by side")
    for ax in axes:
        ax.set_xscale("log")
        ax.set_xlim(floor * 0.9, 200)
        ax.set_ylim(-2, 102)
        ax.axvline(1.0, color="grey", lw=0.8)
        ax.axvline(0.1, color="grey", lw=0.8, ls="--")
        ax.grid(True, which="both", alpha=0.3)
        ax.set_xlabel(f"false alarms per hour (background {bg_hours:.2f} h; 0 drawn at {floor})")
        ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=3,
                  frameon=False)
    axes[0].set_ylabel("miss rate (%)")
    fig.suptitle("Earshot evaluation — DET curves (keywords + 0.5 s tail, 10 dB SNR)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    fig.savefig(path.with_suffix(".svg"))
    plt.close(fig)
