"""Why an alert fired, told in each language from its stored explanation."""

from __future__ import annotations

from reports.content.alerts import why_text
from reports.i18n import Locale

EN, ZH = Locale("en"), Locale("zh-CN")
#: The demo's broken checkout on Cyber Monday, as the checks store it.
CHECKOUT = {
    "main_driver": "orders/sessions",
    "drivers": [
        {"factor": "sessions", "actual": 8332.0, "expected": 8100.0, "held": True},
        {"factor": "orders/sessions", "actual": 0.0049, "expected": 0.031, "held": False},
    ],
    "expectation": {"code": "same_event", "event": "Cyber Monday", "past": ["2025-12-01"]},
}


def test_the_factor_that_moved_comes_first_and_the_one_that_held_says_so() -> None:
    assert why_text(CHECKOUT, EN) == (
        "orders per session 0.0049 vs 0.031 expected (-84.2%) while sessions held "
        "(8,332 vs 8,100 expected); expected from Cyber Monday on 2025-12-01, at this year's level"
    )
    assert why_text(CHECKOUT, ZH) == (
        "每次访问订单数 0.0049，预期 0.031（-84.2%），而访问量持平（8,332，预期 8,100）；"
        "预期来自 2025-12-01 的Cyber Monday，按今年的水平换算"
    )


def test_two_factors_that_moved_are_both_told() -> None:
    both = {
        "main_driver": "orders",
        "drivers": [
            {"factor": "orders", "actual": 40.0, "expected": 100.0, "held": False},
            {"factor": "net_sales/orders", "actual": 60.0, "expected": 90.0, "held": False},
        ],
    }
    assert why_text(both, EN) == (
        "orders 40 vs 100 expected (-60.0%) and sales per order 60 vs 90 expected (-33.3%)"
    )


def test_a_special_day_without_history_says_what_it_was_compared_with() -> None:
    note = {"expectation": {"code": "ordinary_days", "event": "SPRING20"}}
    assert why_text(note, EN) == (
        "no earlier SPRING20 in the history: compared with ordinary days, "
        "where only a fall is reported"
    )
    assert why_text(note, ZH) == "历史中没有更早的SPRING20：按平日比较，只报告下降"
    assert why_text({"special_day": "a campaign or holiday day, usually higher"}, ZH) == (
        "活动或节日当天，通常更高"  # an alert stored before special days had an expectation
    )


def test_a_spell_says_how_many_days_and_how_far_short() -> None:
    params = {"metric": "orders", "days": 3, "change": -0.38}
    english = Locale("en").finding("cumulative", params)
    chinese = Locale("zh-CN").finding("cumulative", params)
    assert english == "Orders -38% over the last 3 days together, against what was expected of them"
    assert "连续 3 天" in chinese and "-38%" in chinese
