#!/usr/bin/env python3
"""Latency figures of an `earshot listen --format json` run over a labelled stream.

    python3 Tools/listen_latency.py det.jsonl labels.csv

labels.csv is `file,keyword,start,end` (as written by Tools/listen_bench_audio.py). A detection is a
hit when its keyword matches and its time falls inside the keyword or up to 0.5 s after its end.
Prints, over the hits: the processing latency of the line (its `latency_ms.total`: the deciding
frame's last sample entering ALSA → the line), and the labelled keyword end → the line (audio time
of the decision minus the labelled end, plus that processing latency). Standard library only.
"""
import csv
import json
import statistics
import sys


def percentile(sorted_values, p):
    """Nearest-rank percentile of an ascending list."""
    i = min(len(sorted_values) - 1, max(0, round(p * (len(sorted_values) - 1))))
    return sorted_values[i]


def main(argv):
    if len(argv) != 3:
        sys.exit(__doc__.strip().splitlines()[2].strip())
    labels = list(csv.DictReader(open(argv[2], newline="")))
    dets = [json.loads(line) for line in open(argv[1]) if line.startswith("{")]
    used, processing, end_to_line, false_alarms = set(), [], [], 0
    for d in dets:
        match = [i for i, r in enumerate(labels) if i not in used and r["keyword"] == d["keyword"]
                 and float(r["start"]) <= d["time"] <= float(r["end"]) + 0.5]
        if not match:
            false_alarms += 1
            continue
        used.add(match[0])
        total = d.get("latency_ms", {}).get("total", 0.0)
        processing.append(total)
        end_to_line.append((d["time"] - float(labels[match[0]]["end"])) * 1000 + total)
    print(f"{len(dets)} detections: {len(used)} hits of {len(labels)} keywords, {false_alarms} other")
    if used:
        processing.sort()
        end_to_line.sort()
        print(f"processing latency of a line: median {statistics.median(processing):.2f} ms, "
              f"p95 {percentile(processing, 0.95):.2f} ms")
        print(f"labelled keyword end → line: median {statistics.median(end_to_line):.0f} ms, "
              f"p95 {percentile(end_to_line, 0.95):.0f} ms")


if __name__ == "__main__":
    main(sys.argv)
