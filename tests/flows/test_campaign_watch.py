"""The ``campaign-watch`` flow on a real Prefect server: a broken checkout on a campaign day
opens one alert and tells it once, however often the watch runs."""

from __future__ import annotations

import asyncio
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowFilter, FlowFilterName
from sqlalchemy import select

from flows.campaign_watch import campaign_watch
from tasks.warehouse import schema as tables
from tasks.warehouse.engine import get_engine
from tests.support.campaign_shop import CAMPAIGN_START, ZONE, CampaignShop, write_shop

pytestmark = [pytest.mark.usefixtures("prefect_server"), pytest.mark.slow]
DAY = CAMPAIGN_START + timedelta(days=3)
SECRET = "shpat_watch_secret_value"


@pytest.fixture
def broken(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, Path]:
    """A shop whose checkout breaks at 11:00 on a campaign day, its config and warehouse."""
    url = f"sqlite:///{tmp_path / 'watch.db'}"
    silent = (datetime.combine(DAY, time(11)), datetime.combine(DAY + timedelta(days=1), time()))
    write_shop(url, CampaignShop(seed=5, orders_per_day=150, history_days=420, silent=silent))
    monkeypatch.setenv("WATCH_TOKEN", SECRET)
    monkeypatch.setenv("STOREPULSE_OUTBOX_DIR", str(tmp_path / "outbox"))
    store = {
        "name": "shop",
        "platform": "shopify",
        "url": "http://127.0.0.1:1",
        "timezone": ZONE,
        "currency": "USD",
        "token_env": "WATCH_TOKEN",
    }
    campaign = {"name": "Autumn sale", "start": str(CAMPAIGN_START), "end": str(DAY)}
    path = tmp_path / "storepulse.yaml"
    path.write_text(yaml.safe_dump({"stores": [store], "campaigns": [campaign]}), "utf-8")
    return url, path


def test_a_broken_checkout_is_alerted_once_across_runs(broken: tuple[str, Path]) -> None:
    url, path = broken
    first = campaign_watch(
        as_of=datetime.combine(DAY, time(13)), config_path=str(path), database_url=url
    )
    again = campaign_watch(
        as_of=datetime.combine(DAY, time(13, 30)), config_path=str(path), database_url=url
    )
    assert (first["watched"], first["opened"]) == (["shop"], 1) and first["sent"] >= 1
    assert (again["opened"], again["sent"]) == (0, 0)
    a, o = tables.alerts.c, tables.outbox.c
    with get_engine(url).connect() as conn:
        alerts = conn.execute(select(a.check_name, a.status)).all()
        keys = conn.execute(select(o.key).where(o.key.like("alert%"))).scalars().all()
    assert [tuple(x) for x in alerts] == [("watch_stopped", "open")]
    # One notice per language, however many runs saw the alert.
    assert sorted(k.rsplit("/", 1)[-1] for k in keys) == ["en", "zh-CN"]
    parameters = asyncio.run(_watch_parameters())
    assert len(parameters) == 2
    for p in parameters:
        assert set(p) <= {"stores", "as_of", "config_path", "database_url"}
        assert SECRET not in repr(p) and "WATCH_TOKEN" not in repr(p)


async def _watch_parameters() -> list[dict[str, Any]]:
    async with get_client() as client:
        runs = await client.read_flow_runs(
            flow_filter=FlowFilter(name=FlowFilterName(any_=["campaign-watch"]))
        )
    return [r.parameters for r in runs]
