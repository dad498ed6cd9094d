"""The detector and its scoring, on series whose answer is known."""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np

from connectors.config import WatchConfig
from tasks.checks.business import anomaly_findings
from tasks.checks.detect import DetectorSettings, detect, zscore
from tasks.checks.evaluation.backtest import Event, alert_starts, events_from_labels, tally
from tasks.checks.history import History
from tasks.checks.tails import tail_threshold

WEEKLY = np.array([1.0, 0.9, 0.9, 0.95, 1.1, 1.4, 1.3])  # Monday … Sunday


def store_series(days: int = 140, level: float = 200.0, seed: int = 1) -> np.ndarray:
    """Daily orders: weekly rhythm, gentle growth, multiplicative noise."""
    rng = np.random.default_rng(seed)
    trend = level * 1.002 ** np.arange(days)
    return np.round(trend * WEEKLY[np.arange(days) % 7] * rng.lognormal(0, 0.06, days))


def test_a_drop_is_flagged_on_its_day_and_nowhere_else() -> None:
    x = store_series()
    x[120] *= 0.4
    scored = detect(x, DetectorSettings(counts=True))
    assert list(np.flatnonzero(scored.any_flag)) == [120]
    assert scored.score[120] < -4
    assert scored.lower[120] <= scored.expected[120] <= scored.upper[120]
    assert 0.85 < scored.expected[120] / (x[120] / 0.4) < 1.15  # it expected the usual day


def test_busy_weekends_are_seasonality_not_anomalies() -> None:
    x = store_series(seed=3)
    scored = detect(x, DetectorSettings(counts=True))
    assert not scored.any_flag.any()
    saturday = 124  # 124 % 7 == 5
    assert scored.expected[saturday] > 1.25 * scored.expected[saturday - 4]


def test_a_flat_series_does_not_alert_on_a_tiny_change() -> None:
    x = np.full(100, 50.0)
    x[90] = 48.0  # MAD is zero: the scale floor keeps this at a small score
    scored = detect(x)
    assert not scored.flagged.any()
    assert math.isfinite(scored.score[90]) and abs(scored.score[90]) < 1


def test_a_level_that_moved_weeks_ago_does_not_hide_a_spike() -> None:
    # A busy spell began eight weeks ago (+50 %): the noise is read from day-to-day steps, so
    # the two levels inside the window do not widen the range and a 1.7x day still stands out.
    rng = np.random.default_rng(2)
    level = np.where(np.arange(140) < 80, 200.0, 300.0)
    x = np.round(level * WEEKLY[np.arange(140) % 7] * rng.lognormal(0, 0.1, 140))
    x[135] *= 1.7
    scored = detect(x, DetectorSettings(counts=True))
    assert scored.score[135] > 4.5
    assert list(np.flatnonzero(scored.any_flag[90:])) == [135 - 90]


def test_noise_that_carries_over_from_day_to_day_does_not_page() -> None:
    # Real traffic has runs of good and bad days (weather, an ad budget): AR(1) noise with
    # φ = 0.5. Steps a week apart see all of that noise, and the thresholds are calibrated on
    # the series' own scores, so the one-day check stays within its share of the budget.
    flags = days = 0
    settings = DetectorSettings(counts=True)
    for seed in range(20):
        rng = np.random.default_rng(seed)
        noise = np.zeros(400)
        for t in range(1, 400):
            noise[t] = 0.5 * noise[t - 1] + rng.normal(0, 0.15 * np.sqrt(0.75))
        x = 1000 * WEEKLY[np.arange(400) % 7] * np.exp(noise)
        flags += int(detect(x, settings).flagged[120:].sum())
        days += 280
    share = settings.false_alerts_per_month * (1 - settings.cumulative_share) / 30.44
    assert flags / days < 1.5 * share


def test_sparse_counts_do_not_page_anyone() -> None:
    rng = np.random.default_rng(5)
    x = rng.poisson(2.0, 120).astype(float)
    x[110] = 0
    scored = detect(x, DetectorSettings(counts=True, min_volume=5))
    assert not scored.flagged.any()


def test_excluded_days_are_neither_scored_nor_learned_from() -> None:
    x = store_series()
    excluded = np.zeros(len(x), bool)
    excluded[100:104] = True
    x[100:104] *= 3  # Black Friday to Cyber Monday
    scored = detect(x, DetectorSettings(counts=True), excluded)
    assert np.isnan(scored.score[100:104]).all()
    assert not scored.any_flag.any()


def test_side_drop_ignores_spikes() -> None:
    x = store_series()
    x[120] *= 3
    assert detect(x, DetectorSettings(counts=True)).flagged[120]
    assert not detect(x, DetectorSettings(counts=True, side="drop")).flagged[120]


def test_a_slow_drift_is_caught_by_the_spells_and_the_level_check() -> None:
    x = store_series(days=180)
    x[120:150] *= np.linspace(1, 0.5, 30)  # 1.7 % a day: no single day stands out
    scored = detect(x, DetectorSettings(counts=True))
    assert not scored.flagged[120:150].any()
    assert scored.cumulative_flagged[120:150].any()
    assert not scored.any_flag[:120].any()
    # Without the spells, the slower level check still finds it before it ends.
    alone = detect(x, DetectorSettings(counts=True, cumulative_days=()))
    assert alone.level_flagged[120:150].any()
    assert not alone.flagged[120:150].any()


def test_drifts_in_noisy_shops_are_caught() -> None:
    def caught(settings: DetectorSettings) -> int:
        found = 0
        for seed in range(1, 9):
            rng = np.random.default_rng(seed)
            days = np.arange(180)
            # A small shop: a day's orders swing about 25 %.
            x = np.round(200 * 1.002**days * WEEKLY[days % 7] * rng.lognormal(0, 0.25, 180))
            x[120:148] *= np.linspace(1, 0.5, 28)
            found += bool(detect(x, settings).any_flag[120:155].any())
        return found

    defaults = DetectorSettings(counts=True)
    assert caught(defaults) >= 7
    assert caught(defaults.with_(cumulative_days=())) < caught(defaults)  # the spells' part


def test_a_return_to_the_usual_level_after_a_busy_month_is_no_level_alert() -> None:
    x = store_series(days=180)
    x[100:128] *= 1.5  # a busy month (December, a good campaign), then back to normal
    always = DetectorSettings(counts=True, level_below_usual=-math.inf)
    assert detect(x, always).level_flagged[128:160].any()  # it has fallen against a month ago
    scored = detect(x, DetectorSettings(counts=True))
    assert not scored.any_flag[128:].any()  # but not below its usual level


def test_the_zscore_baseline_includes_the_scored_point_as_elementary_does() -> None:
    x = store_series()
    x[120] = 0  # an outage
    scored = zscore(x)
    bound = 13 / math.sqrt(14)  # Samuelson: |z| <= (n-1)/sqrt(n) with the point inside
    assert abs(scored.score[120]) <= bound + 1e-9


def test_events_are_scored_once_however_long_the_alert() -> None:
    flags = np.zeros(60, bool)
    flags[10:14] = True  # a level shift caught on day 10 and still open
    flags[30] = True  # nothing happened on day 30
    flags[45] = True  # the store recovering from the shift: neither hit nor false
    events = [Event(10, 40, "level_shift", settle=7), Event(50, 50, "spike")]
    result = tally([flags, flags], events, months=2)
    assert (result.hits, result.false_alerts, result.events) == (1, 0, 2)
    flags[46:] = False
    flags[30] = True
    result = tally([flags], [Event(10, 20, "level_shift")], months=2)
    assert (result.hits, result.false_alerts) == (1, 2)
    assert result.precision == 1 / 3 and result.recall == 1.0
    assert result.by_kind == {"level_shift": [1, 1]}


def test_labels_become_events() -> None:
    assert events_from_labels([0, 1, 1, 0, 0, 1]) == [
        Event(1, 2, "anomaly"),
        Event(5, 5, "anomaly"),
    ]


def test_a_campaign_day_reports_a_fall_but_not_its_lift() -> None:
    days = [date(2026, 7, 1) + timedelta(days=i) for i in range(140)]
    excluded = np.zeros(len(days), bool)
    excluded[-4:] = True  # the report day is the last of a four-day campaign
    watch = [WatchConfig(metric="orders")]

    def findings(last_day_factor: float) -> list[str]:
        x = store_series()
        x[-4:] *= 2.0  # the campaign's usual lift
        x[-1] = store_series()[-1] * last_day_factor
        history = History(days, {"orders": x}, {})
        found = anomaly_findings("shop", "USD", history, days[-1], watch, excluded)
        return [f.check for f in found]

    assert findings(3.0) == []  # a big campaign day is what campaigns are for
    assert findings(0.3) == ["anomaly"]  # orders collapsing on a campaign day is news
    assert excluded[-1]  # the caller's calendar is left as it was


def noisy_shop(days: int, seed: int, noise: float = 0.2) -> np.ndarray:
    """A shop whose day swings ``noise`` in log terms (a 20 % demand shock by default)."""
    rng = np.random.default_rng(seed)
    return 300 * WEEKLY[np.arange(days) % 7] * rng.lognormal(0, noise, days)


def test_a_multi_day_drop_is_caught_by_its_second_day() -> None:
    def caught(settings: DetectorSettings) -> int:
        found = 0
        for seed in range(10):
            x = noisy_shop(300, seed)
            x[250:254] *= 0.45  # four days at 45 %: a single day is often within the range
            scored = detect(x, settings)
            found += bool(scored.any_flag[250:252].any())
            spell = scored.spell[251] or scored.spell[252]
            if spell is not None:
                assert spell.actual < 0.7 * spell.expected and spell.days >= 2
        return found

    defaults = DetectorSettings(counts=True)
    assert caught(defaults) >= 9
    assert caught(defaults.with_(cumulative_days=())) < caught(defaults)


def test_a_drift_that_continues_is_one_alert_episode() -> None:
    x = noisy_shop(300, 3)
    x[240:270] *= np.linspace(0.9, 0.45, 30)
    flags = detect(x, DetectorSettings(counts=True)).any_flag
    assert len(alert_starts(flags[240:275], quiet=3)) == 1


def test_thresholds_read_the_series_own_tails() -> None:
    # Sales with bulk orders: most days normal, some with an order worth 10-50 times a basket.
    # The normal range stretches upwards to what such days reach, and not downwards.
    rng = np.random.default_rng(7)
    light = noisy_shop(500, 7, noise=0.1)
    heavy = light.copy()
    bulk = rng.random(500) < 0.08
    heavy[bulk] *= 1 + rng.uniform(1.0, 2.0, bulk.sum())
    quiet, bulky = detect(light), detect(heavy)
    ordinary = ~bulk & (np.arange(500) > 400)
    upper = np.nanmedian(bulky.upper[ordinary] / quiet.upper[ordinary])
    lower = np.nanmedian(bulky.lower[ordinary] / quiet.lower[ordinary])
    assert upper > 1.3
    assert 0.85 < lower < 1.15
    assert bulky.calibration["thresholds"]["spike"] > quiet.calibration["thresholds"]["spike"]


def small_shop_sales(rng: np.random.Generator, days: int) -> np.ndarray:
    """A small shop's daily sales: about 30 orders, each a lognormal basket, 1 % of them bulk
    orders worth 10-50 baskets, on a day whose demand swings 20 %."""
    demand = 30 * WEEKLY[np.arange(days) % 7] * rng.gamma(25, 1 / 25, days)
    sales = np.zeros(days)
    for day, orders in enumerate(rng.poisson(demand)):
        baskets = rng.lognormal(4, 0.6, orders)
        bulk = rng.random(orders) < 0.01
        baskets[bulk] *= rng.uniform(10, 50, bulk.sum())
        sales[day] = baskets.sum()
    return sales


def test_calibrated_thresholds_keep_false_alerts_near_their_budget() -> None:
    # Heavy-tailed sales and light-tailed traffic alike: on clean series the alert episodes a
    # month stay within twice the metric's budget (0.125).
    for draw in (
        small_shop_sales,
        lambda rng, n: 300 * WEEKLY[np.arange(n) % 7] * rng.lognormal(0, 0.2, n),
    ):
        episodes, months = 0, 0.0
        for seed in range(12):
            x = draw(np.random.default_rng(100 + seed), 600)
            flags = detect(x, DetectorSettings()).any_flag[150:]
            episodes += len(alert_starts(flags))
            months += 450 / 30.44
        assert episodes / months <= 2 * 0.125, episodes / months


def test_tail_thresholds_find_the_rate_they_are_asked_for() -> None:
    rng = np.random.default_rng(0)
    gaussian = rng.normal(0, 1, 20000)
    exponential = rng.exponential(1.0, 20000)
    # 1 in 1000: 3.09 for Gaussian scores; ln 1000 for exponential ones (a heavier tail).
    assert abs(tail_threshold(gaussian, 0.001) - 3.09) < 0.1
    assert abs(tail_threshold(exponential, 0.001) - math.log(1000)) < 0.1 * math.log(1000)
    # Half-trusted, the tail's excess over a Gaussian one counts half.
    half = tail_threshold(exponential, 0.001, weight=0.5)
    full, none = tail_threshold(exponential, 0.001), tail_threshold(exponential, 0.001, 0.0)
    assert none < half < full


def test_a_fixed_threshold_overrides_the_calibration() -> None:
    x = store_series()
    scored = detect(x, DetectorSettings(counts=True, threshold=9.0))
    assert scored.calibration["thresholds"]["spike"] == 9.0
    assert np.nanmax(scored.threshold) == 9.0
