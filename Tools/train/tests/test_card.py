"""The model card's account of how long the one command took (written from the shipped model's report)."""
from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from earshot_train.card import EMPTY_CACHE_RUN, write_card  # noqa: E402
from earshot_train.config import REPO, Paths  # noqa: E402

REPORT = json.loads((REPO / "Models" / "earshot-kws.report.json").read_text())
MEASURED = EMPTY_CACHE_RUN[REPORT["train"]["recipe"]]  # the shipped recipe's empty-cache figure
CACHED = {"prepare_seconds": 4.0, "prepare_made": {"tts": 1, "windows": 0}}


def card(tmp_path, report, summary) -> str:
    out = tmp_path / "README.md"
    write_card(Paths(cache=tmp_path / "cache", models=tmp_path), report, summary, out)
    return out.read_text()


def test_a_run_on_a_full_cache_says_so_and_gives_the_measured_empty_cache_time(tmp_path):
    text = card(tmp_path, REPORT, CACHED)
    assert "came from the cache in the run that wrote this card" in text
    assert "with the synthetic speech and rendered clips already cached" in text
    assert MEASURED.strip() in text
    assert "took 0.1 min" not in text


def test_a_run_sh_from_an_empty_cache_states_its_own_wall_time(tmp_path):
    report = copy.deepcopy(REPORT)
    report["run_sh"] = {"minutes": 141.4, "empty_cache": True, "date": "2026-12-07"}
    report["train"]["distillation"]["teacher_seconds"] = 3889
    made = {"prepare_seconds": 518.0, "prepare_made": {"tts": 8002, "windows": 34871}}
    text = card(tmp_path, report, made)
    assert "`Tools/train/run.sh`, took **141 min** from its start to this card (2026-12-07, starting from an empty cache)" in text
    assert MEASURED.strip() not in text  # the run measured it; no second figure from another day
    assert "already cached" not in text
    assert "includes 65 min of training the three teachers first" in text
    assert "took 8.6 min in the run that wrote this card, which synthesised 8,002 clips" in text


def test_teachers_trained_in_the_run_mean_the_data_was_not_already_cached(tmp_path):
    report = copy.deepcopy(REPORT)
    report["train"]["distillation"]["teacher_seconds"] = 3889
    text = card(tmp_path, report, CACHED)
    assert "already cached" not in text
    assert "was made earlier in the same run, by the first teacher's data preparation" in text
    assert MEASURED.strip() in text  # the run did not start from an empty cache


def test_the_long_evaluation_gives_misses_per_noise_stream():
    from earshot_train.card import eval_section
    from earshot_train.config import KEYWORDS
    kw = {k: {"instances": 10, "miss_at_1_fa_per_h": 0.1, "miss_at_0.1_fa_per_h": 0.2, "fa_at_0.1_fa_per_h": 1,
              "threshold_0.1_fa_per_h": 0.8} for k in KEYWORDS}
    kw["average"] = {"keywords": len(KEYWORDS), "miss_at_1_fa_per_h": 0.1, "miss_at_0.1_fa_per_h": 0.2}
    rows = {"stream_00.wav": {"instances": 30, "misses": 1, "false_alarms": 0},
            "stream_01.wav": {"instances": 30, "misses": 11, "false_alarms": 1}}
    long = {"results": {"background_hours": 10.4, "systems": {"earshot": kw},
                        "per_stream": {"earshot": {"1_fa_per_h": rows, "0.1_fa_per_h": rows}},
                        "stream_noise": {"stream_00.wav": "pink (1/f) noise", "stream_01.wav": "babble"}},
            "command": "Tools/eval/run.sh --background-hours 11.5", "background": "held-out speech"}
    ev = {"results": {"background_hours": 1.0, "total_hours": 1.1, "systems": {"earshot": kw}}, "command": "run.sh",
          "long": long}
    text = eval_section(ev)
    assert "pink (1/f) noise: 1 / 30; babble: 11 / 30" in text
    del long["results"]["per_stream"]  # an evaluation made before the per-stream table: no sentence
    assert "per stream" not in eval_section(ev)


def test_the_long_evaluation_gives_the_intervals_of_its_averages():
    from earshot_train.card import eval_section
    from earshot_train.config import KEYWORDS
    kw = {k: {"instances": 10, "miss_at_1_fa_per_h": 0.1, "miss_at_0.1_fa_per_h": 0.2, "fa_at_0.1_fa_per_h": 1,
              "threshold_0.1_fa_per_h": 0.8} for k in KEYWORDS}
    kw["average"] = {"keywords": len(KEYWORDS), "miss_at_1_fa_per_h": 0.1, "miss_at_0.1_fa_per_h": 0.2,
                     "interval95_1_fa_per_h": [0.026, 0.103], "interval95_0.1_fa_per_h": [0.052, 0.194]}
    long = {"results": {"background_hours": 10.4, "systems": {"earshot": kw}},
            "command": "Tools/eval/run.sh --background-hours 11.5", "background": "held-out speech"}
    ev = {"results": {"background_hours": 1.0, "total_hours": 1.1, "systems": {"earshot": kw}}, "command": "run.sh",
          "long": long}
    assert "2.6–10.3 % at 1 FA/h, 5.2–19.4 % at 1 FA/10 h" in eval_section(ev)
    del kw["average"]["interval95_0.1_fa_per_h"]  # an evaluation made before the intervals: no sentence
    assert "95 % intervals" not in eval_section(ev)
    # the shipped card carries the sentence its report gives
    la = REPORT["eval_streams"]["long"]["results"]["systems"]["earshot"]["average"]
    lo, hi = la["interval95_0.1_fa_per_h"]
    assert f"{100 * lo:.1f}–{100 * hi:.1f} % at 1 FA/10 h" in (REPO / "Models" / "README.md").read_text()
