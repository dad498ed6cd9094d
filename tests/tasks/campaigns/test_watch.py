"""The intraday watch: the plan, the curve, the findings, and runs replayed on a warehouse."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from connectors.config import parse_config
from reports.content.alerts import alert_text, why_text
from reports.i18n import Locale
from tasks.campaigns.curve import Point, counted, expected_at, learn_profile, poisson_quantile
from tasks.campaigns.plan import live_campaigns, store_campaigns
from tasks.campaigns.run import run_watch
from tasks.campaigns.watch import (
    Pace,
    Today,
    day_pace,
    silence_chance,
    silent_span_expectation,
    stopped_level,
    watch_findings,
)
from tasks.checks.findings import Finding
from tasks.checks.lifecycle import apply
from tasks.reporting.daily import alert_line
from tasks.warehouse import schema as tables
from tasks.warehouse.engine import get_engine
from tests.support.campaign_shop import CAMPAIGN_START, CampaignShop, campaign_config, write_shop

DAY = CAMPAIGN_START + timedelta(days=2)


def _today(**overrides: object) -> Today:
    values: dict[str, object] = {
        "store": "shop",
        "day": DAY,
        "minute": 14 * 60 + 30,
        "orders": 130,
        "sales": 6500.0,
        "last_order_minute": 14 * 60 + 29,
        "orders_curve": Point(135.0, 90.0, 190.0),
        "expected_at_last": 134.5,
        "day_scale": 0.1,
    }
    return Today(**(values | overrides))  # type: ignore[arg-type]


def _row(finding: Finding) -> dict[str, object]:
    """The finding as an alerts row reads back."""
    return {
        "fingerprint": finding.fingerprint,
        "severity": finding.severity,
        "kind": finding.kind,
        "check_name": finding.check,
        "message": finding.message,
        "metric": finding.metric,
        "actual": finding.actual,
        "expected": finding.expected,
        "lower": finding.lower,
        "upper": finding.upper,
        "explanation": json.dumps(finding.explanation),
    }


def test_builtin_events_are_campaigns_spanning_their_days() -> None:
    campaigns = store_campaigns("shop", [], [2026])
    weekend = next(c for c in campaigns if c.name == "BFCM weekend")
    assert weekend.days == [date(2026, 11, 28), date(2026, 11, 29)]
    assert weekend.builtin and not weekend.codes
    live = live_campaigns(campaigns, datetime(2026, 11, 11, 23, 59))
    assert [c.name for c in live] == ["11.11"]


def test_a_campaign_with_times_is_live_only_between_them() -> None:
    config = campaign_config()
    entry = {"name": "Flash", "start": "2026-07-01", "end": "2026-07-02"}
    timed = parse_config(
        config.model_dump(mode="json", exclude={"campaigns"})
        | {"campaigns": [entry | {"start_time": "20:00", "end_time": "02:00", "codes": ["FL"]}]}
    )
    campaigns = store_campaigns("shop", timed.campaigns, [])
    assert [c.codes for c in campaigns] == [("FL",)]
    moments = [datetime(2026, 7, 1, 19, 59), datetime(2026, 7, 1, 20), datetime(2026, 7, 2, 2)]
    assert [bool(live_campaigns(campaigns, m)) for m in moments] == [False, True, False]


def test_the_profile_pools_days_and_the_band_widens_with_their_spread() -> None:
    rng = np.random.default_rng(3)
    steady = {date(2026, 1, d): list(rng.uniform(0, 1440, 200)) for d in range(1, 15)}
    profile = learn_profile(steady)
    assert profile is not None
    assert profile.at(0) == 0 and profile.at(1440) == 1
    assert profile.at(720) == pytest.approx(0.5, abs=0.03)
    tight = expected_at(profile, 400, 0.05, 720, 3.0)
    loose = expected_at(profile, 400, 0.3, 720, 3.0)
    assert tight.expected == pytest.approx(200, rel=0.06)
    assert loose.lower < tight.lower < tight.expected < tight.upper < loose.upper
    assert learn_profile({date(2026, 1, 1): [600.0]}) is None  # one day has no shape


def test_orders_stopped_when_the_silence_is_longer_than_history_allows() -> None:
    busy = _today(last_order_minute=14 * 60, expected_at_last=120.0, orders=120)
    found = watch_findings(busy).findings
    assert [(f.check, f.severity, f.explanation["main_driver"]) for f in found] == [
        ("watch_stopped", "critical", "purchases")
    ]
    assert "No orders since 14:00" in found[0].message
    for language in ("en", "zh-CN"):  # worded in the reader's language, naming purchases
        line = alert_line(_row(found[0]), "new")
        assert "14:00" in alert_text(line, Locale(language))
    assert why_text(found[0].explanation, Locale("en")).startswith("purchases 0 vs")
    assert watch_findings(_today()).findings == []  # an order a minute ago


def test_a_slow_day_waits_longer_before_calling_orders_stopped() -> None:
    # the same silence (12 orders by the curve) on a day running at the curve and at half of
    # it, with a day expectation doubtful enough (scale 0.3) that the day's own orders count
    silence = {"last_order_minute": 14 * 60, "expected_at_last": 123.0, "day_scale": 0.3}
    assert watch_findings(_today(orders=123, **silence)).findings
    assert watch_findings(_today(orders=60, **silence)).findings == []


def test_a_busy_day_calls_the_same_silence_sooner() -> None:
    silence = {"last_order_minute": 14 * 60 + 15, "expected_at_last": 129.0}
    assert watch_findings(_today(orders=129, **silence)).findings == []
    assert [f.check for f in watch_findings(_today(orders=190, **silence)).findings] == [
        "watch_stopped"
    ]


def test_a_day_running_slow_expects_fewer_orders_in_a_silence() -> None:
    span = {"orders_curve": Point(135.0, 90.0, 190.0), "expected_at_last": 120.0}
    paced = [
        silent_span_expectation(_today(orders=n, day_scale=0.3, **span)) for n in (84, 120, 156)
    ]
    assert paced[0] < paced[1] < paced[2]
    # most of the day's orders are in: the pace is nearly the day's own 0.7 and 1.3
    assert paced[0] / 15 == pytest.approx(0.7, abs=0.06)
    assert paced[2] / 15 == pytest.approx(1.3, abs=0.06)


def test_the_pace_stays_near_one_while_little_of_the_day_has_passed() -> None:
    early = _today(minute=7 * 60, orders=1, expected_at_last=3.0, day_scale=0.2)
    late = _today(orders=40, expected_at_last=120.0, day_scale=0.2)
    shape, rate = day_pace(early)
    assert shape / rate == pytest.approx(0.93, abs=0.01)  # 1 order of 3 barely moves it
    shape, rate = day_pace(late)
    assert shape / rate < 0.5  # 40 of 120 does


def test_a_silence_is_alerted_below_the_weekly_budget_shared_by_the_runs() -> None:
    assert stopped_level(15) == pytest.approx(0.5 / (7 * 96))
    assert stopped_level(30) == pytest.approx(2 * stopped_level(15))
    silence = {"last_order_minute": 14 * 60, "expected_at_last": 127.0, "orders": 127}
    certain = _today(day_scale=0.0, **silence)  # floored: some doubt is always left
    doubtful = _today(day_scale=1.0, **silence)
    assert silent_span_expectation(certain) == pytest.approx(8.0)
    assert silence_chance(certain) == pytest.approx(np.exp(-8.0), rel=0.1)
    # doubt about the day's pace makes a silence likelier by luck
    assert silence_chance(doubtful) > silence_chance(certain)
    assert silence_chance(certain) < stopped_level(15) < silence_chance(_today())


def test_below_the_band_alerts_only_on_the_second_run_running() -> None:
    low = _today(orders=80)
    first = watch_findings(low)
    assert first.below_band and first.findings == []
    second = watch_findings(_today(orders=80, was_below=True))
    assert [f.check for f in second.findings] == ["watch_band"]
    assert watch_findings(_today(was_below=True)).findings == []  # back in the range


def test_a_handful_of_expected_orders_is_judged_as_the_poisson_count_it_is() -> None:
    # Five orders expected by 01:00 with a tight log band: none is luck about one night in
    # 150, not a sign; forty missing from two hundred is.
    night = counted(Point(5.0, 1.2, 12.0), 3.0)
    assert night.lower == 0  # no count is below it
    day = counted(Point(200.0, 150.0, 250.0), 3.0)
    assert day.lower == 150.0  # the log band is already wider than Poisson noise there
    assert poisson_quantile(5.0, 0.00135) == 0  # P(X = 0) ≈ 0.0067 is above the tail
    assert poisson_quantile(200.0, 0.00135) == 159
    assert poisson_quantile(0.0, 0.5) == 0


def test_target_pace_slips_below_ninety_percent_of_its_due() -> None:
    behind = Pace("Autumn sale", "net_sales", 100_000, 40_000, 0.5)
    on_pace = Pace("Autumn sale", "orders", 1_000, 460, 0.5)
    early = Pace("Autumn sale", "orders", 1_000, 0, 0.05)
    found = watch_findings(_today(), [behind, on_pace, early]).findings
    assert [(f.check, f.metric, f.dimension_value) for f in found] == [
        ("watch_pace", "net_sales", "Autumn sale")
    ]
    assert found[0].expected == 50_000


@pytest.fixture
def broken(tmp_path: Path) -> str:
    """A shop whose checkout breaks at 14:00 on a campaign day and works again at 15:00."""
    url = f"sqlite:///{tmp_path / 'watch.db'}"
    silent = (datetime.combine(DAY, time(14)), datetime.combine(DAY, time(15)))
    write_shop(url, CampaignShop(seed=7, orders_per_day=150, history_days=420, silent=silent))
    return url


def _watch_alerts(url: str) -> list[tuple[str, str, str]]:
    a = tables.alerts.c
    with get_engine(url).connect() as conn:
        rows = conn.execute(select(a.check_name, a.severity, a.status).order_by(a.opened_at))
        return [tuple(r) for r in rows]  # type: ignore[misc]


def test_a_broken_checkout_opens_a_critical_alert_that_resolves_when_orders_return(
    broken: str,
) -> None:
    config = campaign_config()
    before = run_watch(config, broken, as_of=datetime.combine(DAY, time(13, 45)))
    assert before.changes.opened == [] and before.watched[0].campaigns == ["Autumn sale"]
    runs = [datetime.combine(DAY, time(14, m)) for m in (15, 30, 45)]
    opened = [bool(run_watch(config, broken, as_of=m).changes.opened) for m in runs]
    assert any(opened)
    assert _watch_alerts(broken) == [("watch_stopped", "critical", "open")]
    after = run_watch(config, broken, as_of=datetime.combine(DAY, time(15, 30)))
    assert len(after.changes.resolved) == 1
    assert _watch_alerts(broken) == [("watch_stopped", "critical", "resolved")]


def test_a_replay_counts_only_orders_placed_before_its_moment(broken: str) -> None:
    config = campaign_config()
    noon = run_watch(config, broken, as_of=datetime.combine(DAY, time(12))).watched[0]
    one = run_watch(config, broken, as_of=datetime.combine(DAY, time(13))).watched[0]
    o = tables.orders.c
    zone = config.stores[0].zone
    cut = datetime.combine(DAY, time(12)).replace(tzinfo=zone).astimezone(UTC)
    with get_engine(broken).connect() as conn:
        placed = conn.execute(
            select(o.order_id).where(o.local_date == DAY, o.processed_at < cut)
        ).all()
    assert noon.today.orders == len(placed) < one.today.orders
    assert noon.today.orders_curve.expected < one.today.orders_curve.expected


def test_no_live_campaign_no_watch_unless_always(broken: str) -> None:
    ordinary = datetime.combine(CAMPAIGN_START - timedelta(days=10), time(15))
    assert run_watch(campaign_config(), broken, as_of=ordinary).idle == ["shop"]
    always = run_watch(campaign_config(watch="always"), broken, as_of=ordinary)
    assert [w.store for w in always.watched] == ["shop"] and always.watched[0].campaigns == []


def test_the_daily_checks_leave_watch_alerts_to_the_watch(broken: str) -> None:
    config = campaign_config()
    for minute in (15, 30, 45):
        run_watch(config, broken, as_of=datetime.combine(DAY, time(14, minute)))
    now = datetime(2026, 11, 5, 13, tzinfo=UTC)
    anomaly = Finding("shop", DAY, "orders", "anomaly", "business", "warning", "low")
    with get_engine(broken).begin() as conn:
        apply(conn, [anomaly], {"shop": DAY + timedelta(days=1)}, now)
    assert ("watch_stopped", "critical", "open") in _watch_alerts(broken)
