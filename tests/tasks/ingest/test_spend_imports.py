"""Importing ad-spend files: any store's import_dir, re-dropped files, overlapping exports,
rows set aside with their reason."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select

from connectors.config import StoreConfig, parse_config
from tasks.ingest.imports import import_files, import_folder
from tasks.warehouse import schema as tables
from tasks.warehouse.engine import get_engine

FIXTURES = Path(__file__).parents[2] / "fixtures"
NOW = datetime(2026, 11, 12, 1, 0, tzinfo=UTC)
s = tables.ad_spend.c


def shopify_store(folder: Path) -> StoreConfig:
    entry = {
        "name": "web",
        "platform": "shopify",
        "url": "http://127.0.0.1:9",
        "token_env": "WEB_TOKEN",
        "timezone": "America/New_York",
        "currency": "USD",
        "import_dir": str(folder),
    }
    return parse_config({"stores": [entry]}).stores[0]


def dated(path: Path, moment: datetime) -> Path:
    """Give the file the modification time a download at ``moment`` would have."""
    os.utime(path, (moment.timestamp(), moment.timestamp()))
    return path


def spend(url: str) -> dict[tuple[date, str, str], tuple[str, int, float | None, int | None]]:
    query = select(
        s.local_date,
        s.channel,
        s.campaign,
        s.currency,
        s.spend_minor,
        s.conversions,
        s.conversion_value_minor,
    ).where(s.store == "web")
    with get_engine(url).connect() as conn:
        return {(r[0], r[1], r[2]): tuple(r[3:]) for r in conn.execute(query)}  # type: ignore[misc]


def reasons(url: str, resource: str = "ad_spend") -> list[str]:
    q = tables.quarantine.c
    query = select(q.reason).where(q.store == "web", q.resource == resource).order_by(q.reason)
    with get_engine(url).connect() as conn:
        return list(conn.execute(query).scalars())


def test_spend_files_load_once_and_a_later_export_replaces_the_days_it_covers(
    warehouse_url: str, tmp_path: Path
) -> None:
    folder = tmp_path / "drop"
    folder.mkdir()
    for name in ("google_ads_campaigns.csv", "meta_ads.csv"):
        shutil.copy(FIXTURES / "adspend" / name, folder / name)
        dated(folder / name, datetime(2026, 11, 11, 8, 0, tzinfo=UTC))
    store = shopify_store(folder)
    results = import_folder(store, warehouse_url, now=NOW)
    assert [(r.upserted, r.quarantined) for r in results] == [(3, 1), (3, 1)]
    loaded = spend(warehouse_url)
    assert loaded[(date(2026, 11, 9), "google_ads", "Brand search")] == (
        "USD",
        123_450,
        31.5,
        441_000,
    )
    assert loaded[(date(2026, 11, 9), "meta", "Retargeting 7d")] == ("USD", 14_000, 0.0, 0)
    assert len(loaded) == 6

    again = tmp_path / "again.csv"  # the same bytes under another name
    shutil.copy(FIXTURES / "adspend" / "google_ads_campaigns.csv", again)
    [skipped] = import_files(store, [again], warehouse_url, now=NOW)
    assert skipped.skipped == 1 and spend(warehouse_url) == loaded

    later = tmp_path / "later.csv"
    later.write_text(
        "date,channel,campaign,spend,clicks,impressions\n"
        "2026-11-09,google_ads,Brand search,1300.00,1100,13000\n",
        encoding="utf-8",
    )
    import_files(
        store, [dated(later, datetime(2026, 11, 11, 9, 0, tzinfo=UTC))], warehouse_url, now=NOW
    )
    replaced = spend(warehouse_url)
    # The later export's own currency is the store's; it states no conversions.
    assert replaced[(date(2026, 11, 9), "google_ads", "Brand search")] == (
        "USD",
        130_000,
        None,
        None,
    )
    assert {
        k: v for k, v in replaced.items() if k[2] != "Brand search" or k[0] != date(2026, 11, 9)
    } == {k: v for k, v in loaded.items() if k[2] != "Brand search" or k[0] != date(2026, 11, 9)}
    assert reasons(warehouse_url) == [
        "google_ads_campaigns.csv row 7, column Cost: 'abc' is not an amount",
        "meta_ads.csv row 6, column Reportingends: the row covers 2026-11-09 to 2026-11-10; "
        "export with a breakdown by day",
    ]


def test_a_file_that_is_not_spend_in_a_shopify_stores_folder_is_quarantined(
    sqlite_url: str, tmp_path: Path
) -> None:
    orders = FIXTURES / "marketplaces" / "jd_orders.csv"
    store = shopify_store(tmp_path)
    [result] = import_files(store, [orders], sqlite_url, now=NOW)
    assert result.quarantined == 1 and spend(sqlite_url) == {}
    [reason] = reasons(sqlite_url, "imports")
    assert reason.startswith(
        "jd_orders.csv is not an ad-spend export (Google Ads, Meta Ads Manager"
    )
    assert reason.endswith("a shopify store's import_dir holds ad-spend files only")


def test_a_marketplace_store_takes_its_spend_files_beside_its_orders(
    sqlite_url: str, tmp_path: Path
) -> None:
    entry = {"name": "web", "platform": "taobao", "import_dir": str(tmp_path)}
    store = parse_config({"stores": [entry]}).stores[0]
    files = [
        FIXTURES / "marketplaces" / "ExportOrderList2087.csv",
        FIXTURES / "adspend" / "wanxiangtai.csv",
    ]
    results = import_files(store, files, sqlite_url, now=NOW)
    # The row with a garbled day could be either day of 货品加速-羽绒服: both are set aside.
    assert [r.upserted for r in results] == [2, 1] and results[1].quarantined == 3
    assert spend(sqlite_url) == {
        (date(2026, 11, 9), "wanxiangtai", "拉新快-𠮷祥系列"): ("CNY", 72_000, 0.0, 0)
    }
    fault = "(row 6, column 日期: '2026年11月' is not a day such as 2026-11-11)"
    assert reasons(sqlite_url) == [
        f"wanxiangtai.csv row 3: wanxiangtai campaign '货品加速-羽绒服' on 2026-11-09 is set "
        f"aside whole with row 6 {fault}",
        f"wanxiangtai.csv row 5: wanxiangtai campaign '货品加速-羽绒服' on 2026-11-10 is set "
        f"aside whole with row 6 {fault}",
        "wanxiangtai.csv row 6, column 日期: '2026年11月' is not a day such as 2026-11-11",
    ]


def stored(url: str, store: str) -> dict[tuple[date, str, str], tuple[int, datetime]]:
    query = select(s.local_date, s.channel, s.campaign, s.spend_minor, s.exported_at).where(
        s.store == store
    )
    with get_engine(url).connect() as conn:
        return {(r[0], r[1], r[2]): (r[3], r[4]) for r in conn.execute(query)}


def test_an_older_export_never_overwrites_a_newer_one_whatever_the_import_order(
    warehouse_url: str, tmp_path: Path
) -> None:
    downloaded = datetime(2026, 11, 11, 14, 5, tzinfo=UTC)  # 09:05 in New York
    newer = tmp_path / "newer.csv"  # states when it was made; its file time says nothing
    newer.write_bytes(
        b"\xff\xfe"
        + (
            "Campaign report\r\nNovember 10, 2026 - November 11, 2026\r\n"
            "Downloaded: Nov 11, 2026 9:05:00 AM\r\n"
            "Campaign\tDay\tCurrency code\tCost\tClicks\tImpr.\r\n"
            "Brand search\t2026-11-10\tUSD\t990.00\t880\t11000\r\n"
            "Brand search\t2026-11-11\tUSD\t400.00\t300\t5000\r\n"
        ).encode("utf-16-le")
    )
    dated(newer, datetime(2026, 11, 8, tzinfo=UTC))
    older = tmp_path / "older.csv"  # the day before: 11-10 was not over yet
    older.write_text(
        "date,channel,campaign,spend,clicks,impressions\n"
        "2026-11-09,google_ads,Brand search,1234.50,1020,12400\n"
        "2026-11-10,google_ads,Brand search,610.00,500,6000\n",
        encoding="utf-8",
    )
    modified = datetime(2026, 11, 10, 20, 0, tzinfo=UTC)
    dated(older, modified)
    entries = [
        {
            "name": name,
            "platform": "shopify",
            "url": "http://127.0.0.1:9",
            "token_env": "WEB_TOKEN",
            "timezone": "America/New_York",
            "currency": "USD",
            "import_dir": str(tmp_path),
        }
        for name in ("web", "web2")
    ]
    web, web2 = parse_config({"stores": entries}).stores
    import_files(web, [older, newer], warehouse_url, now=NOW)
    import_files(web2, [newer], warehouse_url, now=NOW)
    [late] = import_files(web2, [older], warehouse_url, now=NOW)
    assert late.upserted == 1  # only 11-09, which the newer file does not cover
    expected = {
        (date(2026, 11, 9), "google_ads", "Brand search"): (123_450, modified),
        (date(2026, 11, 10), "google_ads", "Brand search"): (99_000, downloaded),
        (date(2026, 11, 11), "google_ads", "Brand search"): (40_000, downloaded),
    }
    assert stored(warehouse_url, "web") == stored(warehouse_url, "web2") == expected
