"""A digest, a weekly review and an alert notice with every section filled, and hostile text
where users type."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

from reports.model import (
    AlertLine,
    AlertNotice,
    CampaignLift,
    CampaignReview,
    Change,
    ChannelShare,
    CohortRow,
    DailyDigest,
    DataProblem,
    Kpi,
    Pacing,
    ProductLine,
    PromotionResult,
    SpecialDay,
    SpendPacing,
    StockRisk,
    WeeklyReview,
)

GOLDEN = Path(__file__).parent / "golden"
HOSTILE = "<!channel> *Sale* <https://evil.example|click> & <script>alert(1)</script> [x](y)"
STALE: dict[str, str | float | None] = {"hours": 48.0, "allowed": 36.0}


def sample_digest(alerts: int = 2) -> DailyDigest:
    kpis = [
        Kpi(
            "net_sales",
            "money",
            Decimal("5531.33"),
            Change(-0.732),
            Change(-0.537),
            Change(-0.497),
            vs_target=1.24,
            trend=(Decimal(100), Decimal(120), None, Decimal(90), Decimal(40)),
        ),
        Kpi("orders", "count", 35.0, Change(-0.759), Change(-0.568), Change(None)),
        Kpi(
            "conversion_rate",
            "ratio",
            0.009,
            Change(-0.64, -0.016),
            Change(-0.6, -0.016),
            Change(-0.62, -0.015),
        ),
        Kpi(
            "refund_rate",
            "ratio",
            0.098,
            Change(0.7, 0.041),
            Change(0.6, 0.039),
            Change(1.7, 0.062),
            good_when_up=False,
        ),
        Kpi("ad_spend", "money", Decimal("812.40"), Change(0.12), Change(0.05), Change(None)),
        Kpi("platform_roas", "multiple", 3.42, Change(-0.21), Change(-0.1), Change(None)),
        Kpi("attributed_roas", "multiple", 2.15, Change(-0.3), Change(-0.12), Change(None)),
        Kpi("mer", "multiple", 6.81, Change(-0.76), Change(-0.56), Change(None)),
    ]
    alert = AlertLine(
        "demo/conversion_rate/anomaly",
        "new",
        "critical",
        "business",
        "anomaly",
        "Conversion rate 0.9%, expected 2.5%",
        metric="conversion_rate",
        unit="ratio",
        actual=0.009,
        expected=0.025,
        lower=0.016,
        upper=0.040,
        explanation={
            "main_driver": "purchases",
            "drivers": [
                {"factor": "sessions", "actual": 3204, "expected": 3072, "held": True},
                {"factor": "purchases", "actual": 29, "expected": 76.8, "held": False},
            ],
            "top_slice": {
                "breakdown": "channel_orders",
                "value": HOSTILE,
                "actual": 22,
                "expected": 63.5,
            },
        },
    )
    data = AlertLine(
        "demo/orders/freshness",
        "ongoing",
        "critical",
        "data",
        "freshness",
        "Orders are stale: last synced 48 h ago (allowed: 36 h)",
        metric="orders",
        params=STALE,
    )
    return DailyDigest(
        store="demo",
        day=date(2026, 11, 24),
        currency="USD",
        kpis=kpis,
        alerts=[alert, data][:alerts] if alerts <= 2 else [alert] * alerts,
        top_products=[
            ProductLine(HOSTILE, Decimal(862), Decimal(-762)),
            ProductLine("Oak Cushion", Decimal(807), Decimal(10)),
        ],
        risers=[ProductLine("Knit Tote", Decimal(276), Decimal(184))],
        fallers=[ProductLine("Heavyweight Tee", Decimal(374), Decimal(-2373))],
        stock_risks=[
            StockRisk("Botanical Body Wash – 100 ml", 0.0),
            StockRisk("Canvas Belt – Olive", 3.5),
        ],
        data_problems=[DataProblem("freshness", STALE)],
        run_url="http://127.0.0.1:4200/runs/flow-run/abc",
    )


def sample_event_day() -> DailyDigest:
    """The digest of a campaign day whose name a user typed: its KPIs against the day's
    special-day expectation, taken from the same campaign last year."""
    digest = sample_digest(alerts=1)
    expected = (Change(-0.412), Change(-0.45), Change(None, -0.021), Change(None, 0.05))
    # Spend has no special-day expectation: its KPIs keep only their usual comparisons.
    expected += (None,) * (len(digest.kpis) - len(expected))
    kpis = [replace(k, vs_expected=e) for k, e in zip(digest.kpis, expected, strict=True)]
    event = SpecialDay(f"BFCM {HOSTILE}", "same_event", (date(2025, 11, 25),))
    return replace(digest, kpis=kpis, special_day=event)


def sample_weekly() -> WeeklyReview:
    daily = sample_digest()
    return WeeklyReview(
        store="demo",
        week=date(2026, 11, 16),
        currency="USD",
        kpis=[replace(k, trend=(), vs_target=None) for k in daily.kpis],
        pacing=[Pacing("net_sales", 0.88, 1.2)],
        spend_pacing=[
            SpendPacing(None, 0.61, 1.14, Decimal("24180.00")),
            SpendPacing("meta", 0.42, 0.79, Decimal("7110.50")),
        ],
        cohorts=[
            CohortRow(date(2026, 9, 1), 1290, (1.0, 0.11, 0.42)),
            CohortRow(date(2026, 10, 1), 1418, (1.0, 0.05)),
            CohortRow(date(2026, 11, 1), 1308, (1.0,)),
        ],
        channels=[
            ChannelShare("online_store", Decimal(50269), 0.54, -0.014),
            ChannelShare(HOSTILE, Decimal(9915), 0.11, None),
        ],
        top_products=daily.top_products,
        bottom_products=daily.fallers,
        promotions=[PromotionResult("BFCM25", 2, Decimal(30000), Decimal(12000))],
        alerts=daily.alerts,
        run_url=daily.run_url,
    )


def sample_campaign() -> CampaignReview:
    """A campaign review with every section filled (a hostile code among the codes)."""
    return CampaignReview(
        store="demo",
        campaign="BFCM25",
        first=date(2026, 11, 27),
        last=date(2026, 11, 30),
        currency="USD",
        lifts=[
            CampaignLift("net_sales", "money", 61200.0, 40100.0, 0.526, 0.41, 0.65),
            CampaignLift("orders", "count", 980.0, 690.0, 0.42, 0.33, 0.52),
            CampaignLift("aov", "money", 62.4, 58.1, 0.074, -0.02, 0.18),
            CampaignLift("conversion_rate", "ratio", 0.031, 0.024, 0.29, None, None),
            CampaignLift("new_customers", "count", 310.0, 0.0, None, None, None),
        ],
        after=CampaignLift("net_sales", "money", 9100.0, 10400.0, -0.125, -0.2, -0.04),
        discount_cost=Decimal("7345.50"),
        code_orders=[("BFCM25", 412), (HOSTILE, 3)],
        targets=[("net_sales", 60000.0, 61200.0), ("orders", 1200.0, 980.0)],
        run_url="http://127.0.0.1:4200/runs/flow-run/abc",
        halo=CampaignLift("halo_sales", "money", 21400.0, 18900.0, 0.132, 0.05, 0.22),
        promoted_products=12,
    )


def sample_notice(severity: str = "critical") -> AlertNotice:
    opened = replace(sample_digest().alerts[0], severity=severity)
    resolved = replace(sample_digest().alerts[1], state="resolved", opened_for=date(2026, 11, 21))
    return AlertNotice(
        "demo", date(2026, 11, 24), "USD", [opened, resolved], ["S0ONCALL", "U0LEAD"]
    )


def assert_golden(rendered: str, path: Path) -> None:
    """``rendered`` equals the golden file at ``path`` (pytest shows the diff when not);
    STOREPULSE_UPDATE_GOLDEN=1 rewrites it first, after a deliberate change: review the diff."""
    if os.environ.get("STOREPULSE_UPDATE_GOLDEN"):
        path.write_text(rendered, encoding="utf-8")
    assert rendered == path.read_text(encoding="utf-8")
