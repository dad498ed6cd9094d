"""A spend file's rows as warehouse rows: every reason names file, row and column; a campaign-day
with a bad row is set aside whole; a file's time is what it states, else its modification time,
else its import."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from connectors.adspend import SpendBatch, read_spend
from tasks.ingest.context import StoreContext
from tasks.ingest.spend import export_time, spend_rows

NOW = datetime(2026, 11, 12, 1, 0, tzinfo=UTC)
ZONE = ZoneInfo("America/New_York")
CTX = StoreContext("web", ZONE, "USD", NOW)
HEADER = "date,channel,campaign,spend,clicks,impressions,conversions,conversion_value,currency\n"


def rows_of(text: str) -> tuple[dict, list[tuple[str, str]]]:  # type: ignore[type-arg]
    batch = read_spend((HEADER + text).encode(), "spend.csv")
    totals, rejected = spend_rows(CTX, batch.spend, "spend.csv", batch.unread)
    return totals, sorted((r.record_key, r.reason) for r in rejected)


def test_a_later_bad_row_sets_its_whole_campaign_day_aside() -> None:
    totals, rejected = rows_of(
        "2026-11-09,TikTok,Spark ads,100.00,10,1000,1,150.00,USD\n"  # row 2: ad group A
        "2026-11-10,TikTok,Spark ads,80.00,8,800,1,90.00,USD\n"
        "2026-11-09,TikTok,Spark ads,abc,5,500,0,0,USD\n"  # row 4: ad group B
        "2026-11-09,TikTok,Reels,40.00,4,400,0,0,USD\n"
    )
    assert {key: t.spend for key, t in totals.items()} == {
        (date(2026, 11, 10), "tiktok", "Spark ads"): 8_000,
        (date(2026, 11, 9), "tiktok", "Reels"): 4_000,
    }
    assert rejected == [
        (
            "spend.csv:2",
            "spend.csv row 2: tiktok campaign 'Spark ads' on 2026-11-09 is set aside whole with "
            "row 4 (row 4, column spend: 'abc' is not an amount)",
        ),
        ("spend.csv:4", "spend.csv row 4, column spend: 'abc' is not an amount"),
    ]


def test_a_row_in_another_currency_or_finer_than_a_cent_names_its_row_and_column() -> None:
    totals, rejected = rows_of(
        "2026-11-09,TikTok,Spark ads,100.00,10,1000,1,150.00,USD\n"
        "2026-11-09,TikTok,Spark ads,20.00,2,200,0,0,EUR\n"
        "2026-11-10,TikTok,Spark ads,10.005,1,100,0,0,USD\n"
        "2026-11-10,TikTok,Reels,1.00,1,100,0,0.125,USD\n"
    )
    assert totals == {}
    assert rejected == [
        (
            "spend.csv:2",
            "spend.csv row 2: tiktok campaign 'Spark ads' on 2026-11-09 is set aside whole with "
            "row 3 (row 3, column currency: tiktok campaign 'Spark ads' on 2026-11-09 is in "
            "EUR where row 2 is in USD)",
        ),
        (
            "spend.csv:3",
            "spend.csv row 3, column currency: tiktok campaign 'Spark ads' on 2026-11-09 is in "
            "EUR where row 2 is in USD",
        ),
        ("spend.csv:4", "spend.csv row 4, column spend: 10.005 is finer than USD's minor unit"),
        (
            "spend.csv:5",
            "spend.csv row 5, column conversion_value: 0.125 is finer than USD's minor unit",
        ),
    ]


def test_a_row_without_a_readable_day_sets_aside_every_day_of_its_campaign() -> None:
    totals, rejected = rows_of(
        "2026-11-09,TikTok,Spark ads,100.00,10,1000,1,150.00,USD\n"
        "2026-11-10,TikTok,Spark ads,80.00,8,800,1,90.00,USD\n"
        "Nov 2026,TikTok,Spark ads,5.00,1,10,0,0,USD\n"
        "2026-11-10,Meta,Spark ads,30.00,3,300,0,0,USD\n"
        "2026-11-10,TikTok,,7.00,1,10,0,0,USD\n"  # no campaign: any TikTok campaign that day
    )
    assert list(totals) == [(date(2026, 11, 10), "meta", "Spark ads")]
    assert [key for key, _ in rejected] == [f"spend.csv:{n}" for n in (2, 3, 4, 6)]
    assert rejected[1][1] == (
        "spend.csv row 3: tiktok campaign 'Spark ads' on 2026-11-10 is set aside whole with "
        "rows 4, 6 (row 4, column date: 'Nov 2026' is not a day such as 2026-11-11)"
    )


def batch(*days: int, stated: datetime | None = None) -> SpendBatch:
    text = "".join(f"2026-11-{d:02d},TikTok,Spark ads,1.00,1,1,,,\n" for d in days)
    read = read_spend((HEADER + text).encode(), "spend.csv")
    read.stated_at = stated
    return read


def test_a_files_time_is_what_it_states_else_its_modification_time_else_its_import() -> None:
    modified = datetime(2026, 11, 11, 9, 0, tzinfo=UTC)
    # A stated wall-clock time is the store's; a stated zone is kept.
    stated = batch(10, stated=datetime(2026, 11, 11, 6, 0))
    assert export_time(stated, modified, ZONE, NOW) == datetime(2026, 11, 11, 11, 0, tzinfo=UTC)
    zoned = batch(10, stated=datetime(2026, 11, 11, 6, 0, tzinfo=UTC))
    assert export_time(zoned, modified, ZONE, NOW) == datetime(2026, 11, 11, 6, 0, tzinfo=UTC)
    assert export_time(batch(9, 10), modified, ZONE, NOW) == modified
    # A modification time that cannot be the export's: after the import, or before the last
    # day the file reports began; none at all.
    assert export_time(batch(10), NOW + timedelta(minutes=1), ZONE, NOW) == NOW
    assert export_time(batch(9, 11), datetime(2026, 11, 9, tzinfo=UTC), ZONE, NOW) == NOW
    assert export_time(batch(10), datetime(2026, 11, 9, tzinfo=UTC), ZONE, NOW).day == 9
    assert export_time(batch(10), None, ZONE, NOW) == NOW
