"""The demo's spend files are exports storepulse reads without a rejected row."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from connectors.adspend import read_spend
from flows.cli.demo_spend import SPEND_DAYS, demo_budgets, write_spend_files

TRAFFIC = "date,channel,sessions,add_to_carts,checkouts,purchases\n" + "".join(
    f"2026-11-{d:02d},Paid Search,500,40,20,10\n2026-11-{d:02d},Direct,800,60,30,18\n"
    for d in range(1, 31)
)


def test_every_demo_spend_file_reads_cleanly(tmp_path: Path) -> None:
    for store in ("demo", "douyin", "tmall"):
        (tmp_path / "exports" / store).mkdir(parents=True)
    written = write_spend_files(tmp_path, TRAFFIC, date(2026, 11, 30))
    batches = {p.name: read_spend(p.read_bytes(), p.name) for p in tmp_path.rglob("*.csv")}
    assert written == len(batches) == 4
    assert {b.kind for b in batches.values()} == {
        "generic spend CSV",
        "Meta Ads Manager",
        "巨量引擎 广告计划",
        "万相台 推广报表",
    }
    for name, batch in batches.items():
        assert batch.unread == [], name
        assert len({r.day for r in batch.spend}) == SPEND_DAYS, name
    google = batches["google_ads_spend.csv"].spend
    # Paid-search clicks split between the two campaigns, from the shop's own traffic.
    assert {r.clicks for r in google if r.day == date(2026, 11, 30)} == {225, 275}
    meta = [r for r in batches["meta_ads_export.csv"].spend if r.day == date(2026, 11, 30)]
    assert [r.conversions for r in meta if r.campaign.startswith("Retargeting")] == [0]


def test_budgets_cover_last_month_and_this_one() -> None:
    months = {(b["month"], b.get("channel")) for b in demo_budgets(date(2026, 12, 2))}
    assert months == {
        ("2026-11", None),
        ("2026-11", "meta"),
        ("2026-12", None),
        ("2026-12", "meta"),
    }
