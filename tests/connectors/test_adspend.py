"""Ad-spend exports read by their content, in their real encodings and quirks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from connectors.adspend import UnreadableFile, channel_of, read_spend, stated_time

FIXTURES = Path(__file__).parents[1] / "fixtures" / "adspend"


def read(name: str):  # type: ignore[no-untyped-def]
    return read_spend((FIXTURES / name).read_bytes(), name)


def test_google_ads_utf16_tab_separated_with_title_and_total_rows() -> None:
    batch = read("google_ads_campaigns.csv")
    assert (batch.kind, batch.file_format) == ("Google Ads campaign report", "csv")
    first = batch.spend[0]
    assert (first.day, first.channel, first.campaign) == (
        date(2026, 11, 9),
        "google_ads",
        "Brand search",
    )
    assert (first.spend, first.currency, first.clicks, first.impressions) == (
        Decimal("1234.50"),
        "USD",
        1020,
        12400,
    )
    assert (first.conversions, first.conversion_value) == (Decimal("31.50"), Decimal("4410.00"))
    assert [r.campaign for r in batch.spend] == ["Brand search", "Brand search", "Shopping – all"]
    assert batch.spend[2].conversion_value == 0  # "--": no data
    [bad] = batch.unread
    assert bad.reason == "google_ads_campaigns.csv row 7, column Cost: 'abc' is not an amount"


def test_meta_csv_skips_the_summary_row_and_refuses_a_row_spanning_days() -> None:
    batch = read("meta_ads.csv")
    assert [(r.day, r.campaign, r.spend) for r in batch.spend] == [
        (date(2026, 11, 9), "Prospecting – lookalike", Decimal("420.40")),
        (date(2026, 11, 9), "Retargeting 7d", Decimal("140.00")),
        (date(2026, 11, 10), "Prospecting – lookalike", Decimal("200.00")),
    ]
    assert {r.currency for r in batch.spend} == {"USD"}  # from "Amount spent (USD)"
    assert batch.spend[1].conversions == 0 and batch.spend[1].conversion_value == 0
    [spanning] = batch.unread
    assert "row 6" in spanning.reason and "covers 2026-11-09 to 2026-11-10" in spanning.reason


def test_meta_xlsx_reads_its_day_column_and_currency() -> None:
    [row] = read("meta_ads.xlsx").spend
    assert (row.day, row.spend, row.currency, row.conversions) == (
        date(2026, 11, 11),
        Decimal("300.00"),
        "EUR",
        Decimal(9),
    )


def test_ocean_engine_without_a_conversion_value_column() -> None:
    batch = read("ocean_engine.csv")
    assert [(r.campaign, r.spend, r.conversions) for r in batch.spend] == [
        ("双11预热-直播间引流", Decimal("3200.00"), Decimal(96)),
        ("新品种草-短视频", Decimal("860.50"), Decimal(0)),
        ("双11预热-直播间引流", Decimal("4100.00"), Decimal(130)),
    ]
    assert {(r.channel, r.currency, r.conversion_value) for r in batch.spend} == {
        ("ocean_engine", "CNY", None)
    }
    assert batch.unread == []  # the 总计 row is not data


def test_wanxiangtai_gb18030_with_a_title_row_and_a_garbled_day() -> None:
    batch = read("wanxiangtai.csv")
    assert [(r.day, r.campaign, r.conversion_value) for r in batch.spend] == [
        (date(2026, 11, 9), "货品加速-羽绒服", Decimal("12710.00")),
        (date(2026, 11, 9), "拉新快-𠮷祥系列", Decimal(0)),
        (date(2026, 11, 10), "货品加速-羽绒服", Decimal("13860.00")),
    ]
    [bad] = batch.unread
    assert (
        bad.reason
        == "wanxiangtai.csv row 6, column 日期: '2026年11月' is not a day such as 2026-11-11"
    )


def test_generic_file_names_its_channel_and_currency() -> None:
    batch = read("generic_spend.csv")
    assert [(r.channel, r.spend, r.currency) for r in batch.spend] == [
        ("tiktok", Decimal("1050.00"), "USD"),
        ("google_ads", Decimal("100.00"), "USD"),
        ("tiktok", Decimal("500.00"), "USD"),
    ]
    assert [r.reason for r in batch.unread] == [
        "generic_spend.csv row 5, column date: the day is empty",
        "generic_spend.csv row 6, column spend: '-20.00' is a negative amount",
    ]


def test_a_file_that_is_not_ad_spend_says_so() -> None:
    orders = Path(__file__).parents[1] / "fixtures" / "marketplaces" / "jd_orders.csv"
    with pytest.raises(UnreadableFile, match="is not an ad-spend export"):
        read_spend(orders.read_bytes(), orders.name)


def test_channel_names_are_normalised() -> None:
    assert channel_of(" Google Ads ", "channel") == "google_ads"
    assert channel_of("Facebook", "channel") == "meta"
    assert channel_of("巨量引擎", "channel") == "ocean_engine"
    with pytest.raises(ValueError, match="channel is empty"):
        channel_of("  ", "channel")


def test_each_row_keeps_its_row_number_and_an_unread_row_what_its_key_can_be() -> None:
    google = read("google_ads_campaigns.csv")
    assert [r.row for r in google.spend] == [4, 5, 6]
    assert google.spend[0].columns.spend == "Cost"
    [bad] = google.unread
    assert (bad.row, bad.first_day, bad.last_day, bad.channel, bad.campaign) == (
        7,
        date(2026, 11, 10),
        date(2026, 11, 10),
        "google_ads",
        "Display remarketing",
    )
    [garbled] = read("wanxiangtai.csv").unread
    assert (garbled.first_day, garbled.campaign) == (None, "货品加速-羽绒服")
    assert garbled.covers(date(2026, 11, 9), "wanxiangtai", "货品加速-羽绒服")
    assert not garbled.covers(date(2026, 11, 9), "wanxiangtai", "拉新快-𠮷祥系列")
    [spanning] = read("meta_ads.csv").unread
    assert (spanning.first_day, spanning.last_day) == (date(2026, 11, 9), date(2026, 11, 10))
    assert spanning.covers(date(2026, 11, 10), "meta", "Catalog sales")
    assert not spanning.covers(date(2026, 11, 11), "meta", "Catalog sales")
    [no_day, _negative] = read("generic_spend.csv").unread
    assert (no_day.first_day, no_day.channel, no_day.campaign) == (None, "tiktok", "Spark ads")


@pytest.mark.parametrize(
    ("title", "stated"),
    [
        (["Downloaded: Nov 11, 2026 9:05:00 PM"], datetime(2026, 11, 11, 21, 5)),
        (["导出时间：2026-11-11 10:23:45"], datetime(2026, 11, 11, 10, 23, 45)),
        (["导出时间", "2026/11/11 10:23"], datetime(2026, 11, 11, 10, 23)),
        (
            ["Report generated on 2026-11-11 10:23 (GMT+08:00)"],
            datetime(2026, 11, 11, 10, 23, tzinfo=timezone(timedelta(hours=8))),
        ),
        (["Created 2026-11-11T02:00:00Z"], datetime(2026, 11, 11, 2, tzinfo=UTC)),
        (["November 9, 2026 - November 10, 2026"], None),  # which days, not when
        (["Downloaded: yesterday"], None),
    ],
)
def test_the_time_a_title_row_states_the_export_was_made(
    title: list[str], stated: datetime | None
) -> None:
    assert stated_time([["Campaign report"], title]) == stated


def test_a_google_ads_report_with_a_downloaded_row_states_its_time() -> None:
    text = (
        "Campaign report\r\nNovember 9, 2026 - November 10, 2026\r\n"
        "Downloaded\tNov 11, 2026 9:05:00 AM\r\n"
        "Campaign\tDay\tCurrency code\tCost\tClicks\tImpr.\r\n"
        "Brand search\t2026-11-09\tUSD\t10.00\t1\t10\r\n"
    )
    batch = read_spend(b"\xff\xfe" + text.encode("utf-16-le"), "report.csv")
    assert batch.stated_at == datetime(2026, 11, 11, 9, 5)
    assert [r.row for r in batch.spend] == [5]
    assert read("google_ads_campaigns.csv").stated_at is None
