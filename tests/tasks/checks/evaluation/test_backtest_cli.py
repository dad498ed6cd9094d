"""``storepulse backtest --series``, ``storepulse alerts``, and the labelled benchmark's design."""

from __future__ import annotations

import json
from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from flows.cli import app
from tasks.checks.calendar import special_days
from tasks.checks.evaluation.labelled import (
    INCIDENTS,
    KINDS,
    RECOVERY_DAYS,
    campaigns,
    incidents_for,
    ordinary_life,
    store_spec,
)
from tasks.warehouse.engine import DATABASE_URL_ENV

runner = CliRunner()


def write_series(path: Path, drop_day: int = 100) -> None:
    rng = np.random.default_rng(4)
    start = date(2026, 1, 5)
    lines = ["date,value,label"]
    for i in range(130):
        value = 500 * (1.3 if i % 7 >= 5 else 1) * rng.lognormal(0, 0.05)
        label = int(i == drop_day)
        lines.append(f"{start + timedelta(days=i)},{value * (0.35 if label else 1):.2f},{label}")
    path.write_text("\n".join(lines) + "\n")


def test_a_users_series_is_flagged_and_scored_as_json(tmp_path: Path) -> None:
    series = tmp_path / "sales.csv"
    write_series(series)
    result = runner.invoke(app, ["backtest", "--series", str(series), "--format", "json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert [f["date"] for f in body["flagged"]] == ["2026-04-15"]
    flagged = body["flagged"][0]
    assert flagged["score"] < -4 and flagged["lower"] < flagged["expected"] < flagged["upper"]
    assert body["scores"]["storepulse"]["f1"] == 1.0
    assert body["scores"]["zscore"]["events"] == 1


def test_a_bad_series_names_the_line(tmp_path: Path) -> None:
    series = tmp_path / "bad.csv"
    series.write_text("date,value\n2026-01-01,10\n2026-01-02,lots\n")
    result = runner.invoke(app, ["backtest", "--series", str(series)])
    assert result.exit_code == 2 and "line 3" in result.output


def test_alerts_can_be_muted_and_listed(tmp_path: Path, monkeypatch: object) -> None:
    monkeypatch.setenv(DATABASE_URL_ENV, f"sqlite:///{tmp_path / 'w.db'}")  # type: ignore[attr-defined]
    assert runner.invoke(app, ["alerts", "mute", "shop/orders/anomaly"]).exit_code == 0
    result = runner.invoke(app, ["alerts"])
    assert result.exit_code == 0 and "No alerts." in result.output
    assert runner.invoke(app, ["alerts", "ack", "nope"]).exit_code == 1


def test_injected_anomalies_cover_every_kind_clear_of_special_days() -> None:
    for seed in (1, 7):
        pairs = incidents_for(seed)
        chosen = [a for _, a in pairs]
        assert sorted(kind for kind, _ in pairs) == sorted(KINDS)
        spans = sorted((a.day, a.day + timedelta(days=a.days + RECOVERY_DAYS)) for a in chosen)
        assert all(end < start for (_, end), (start, _) in pairwise(spans))
        first, last = spans[0][0] - timedelta(days=60), spans[-1][1] + timedelta(days=60)
        special = special_days("x", first, last, campaigns(first, last))
        for a in chosen:  # a long drift may have to span a holiday, which is then not scored
            assert a.day not in special
            assert a.days > 1 or a.day not in special


def test_incidents_keep_the_sizes_a_manager_cares_about() -> None:
    # Fixed in plain terms, never resized toward the detector: spikes 1.8-2.5x, drops to
    # 35-55 %, conversion drops of 35-50 %, multi-day drops of 2-5 days to 40-60 %.
    sizes = {kind: [] for kind in KINDS}
    for seed in range(1, 25):
        for kind, anomaly in incidents_for(seed):
            sizes[kind].append((anomaly.size, anomaly.days))
            low, high = INCIDENTS[kind].size
            assert low <= anomaly.size <= high
    assert min(s for s, _ in sizes["spike"]) >= 0.8 and max(s for s, _ in sizes["spike"]) <= 1.5
    assert {d for _, d in sizes["multi_day_drop"]} <= {2, 3, 4, 5}
    assert all(0.4 <= s <= 0.6 for s, _ in sizes["multi_day_drop"])


def test_both_twins_live_the_same_ordinary_life() -> None:
    clean, injected = store_spec(3, False), store_spec(3, True)
    life = ordinary_life(3, tuple(a for _, a in incidents_for(3)))
    assert clean.anomalies == life and injected.anomalies[-len(life) :] == life
    assert clean.bulk_share == injected.bulk_share > 0
    incident_days = {a.day for _, a in incidents_for(3)}
    assert not {a.day for a in life if a.kind == "spike"} & incident_days


def test_a_series_shows_its_episodes_and_calibrated_thresholds(tmp_path: Path) -> None:
    series = tmp_path / "sales.csv"
    write_series(series)
    body = json.loads(
        runner.invoke(app, ["backtest", "--series", str(series), "--format", "json"]).output
    )
    assert body["episodes"] == [
        {
            "start": "2026-04-15",
            "end": "2026-04-15",
            "days": 1,
            "checks": ["anomaly"],
            "worst_score": body["flagged"][0]["score"],
        }
    ]
    calibration = body["calibration"]
    assert calibration["calendar"] == "retail" and calibration["false_alerts_per_month"] < 0.1
    assert set(calibration["thresholds"]) == {"spike", "drop", "2 days", "3 days", "5 days"}
    table = runner.invoke(app, ["backtest", "--series", str(series)])
    assert "alert 2026-04-15 to 2026-04-15 (1 days): anomaly" in table.output
    assert "Thresholds calibrated to 0.0833 false alerts a month" in table.output


def test_the_retail_calendar_leaves_black_friday_unscored(tmp_path: Path) -> None:
    rng = np.random.default_rng(9)
    start = date(2026, 7, 1)
    lines = ["date,value"]
    for i in range(160):
        day = start + timedelta(days=i)
        busy = 3.0 if day == date(2026, 11, 27) else 1.0  # Black Friday
        lines.append(f"{day},{500 * busy * rng.lognormal(0, 0.05):.2f}")
    series = tmp_path / "bf.csv"
    series.write_text("\n".join(lines) + "\n")

    def flagged(*extra: str) -> list[str]:
        result = runner.invoke(
            app, ["backtest", "--series", str(series), "--format", "json", *extra]
        )
        return [f["date"] for f in json.loads(result.output)["flagged"]]

    assert "2026-11-27" not in flagged()
    assert "2026-11-27" in flagged("--calendar", "none")
