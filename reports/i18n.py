"""Words and number formats per language: English and Simplified Chinese."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from connectors.vocabulary import LANGUAGES, Language  # noqa: F401 (LANGUAGES: re-exported)

SYMBOLS = {
    "en": {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CNY": "CN¥", "CAD": "CA$"},
    "zh-CN": {"USD": "US$", "EUR": "€", "GBP": "£", "JPY": "JP¥", "CNY": "¥", "CAD": "CA$"},
}
TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "daily_title": "Daily digest",
        "kpi": "KPI",
        "value": "Value",
        "vs_prior": "vs prior day",
        "vs_week": "vs week ago",
        "vs_year": "vs year ago",
        "vs_target": "vs target pace",
        "alerts": "Alerts",
        "no_alerts": "Nothing unusual.",
        "new": "New",
        "ongoing": "Ongoing",
        "resolved": "Resolved",
        "top_products": "Top products",
        "risers": "Risers",
        "fallers": "Fallers",
        "stock_risks": "Stock at risk",
        "days_of_cover": "days of cover",
        "out_of_stock": "out of stock",
        "critical": "critical",
        "warning": "warning",
        "info": "info",
        "data_health": "Data health",
        "data_ok": "All data is fresh and complete.",
        "run": "Flow run",
        "why": "Why",
        "colon": ": ",
        "na": "n/a",
        "pp": " pp",
        "trend": "Last 14 days",
        "special_day": "a campaign or holiday day, usually higher",
        "alert_title": "Alerts",
        "resolved_mark": "Resolved",
        "test_title": "storepulse test message",
        "test_body": "This channel is set up: storepulse reports and alerts will arrive here.",
        "weekly_title": "Weekly review",
        "vs_last_week": "vs last week",
        "vs_last_year": "vs same week last year",
        "pacing": "Month to date vs target",
        "attained": "attained",
        "pace": "of the pace the target asks for",
        "cohorts": "Cohort retention (share ordering again, by months since the first order)",
        "first_order": "First order",
        "customers": "Customers",
        "channels": "Channel mix",
        "share_pp": "share",
        "bottom_products": "Biggest fallers",
        "promotions": "Promotions",
        "vs_week_before": "vs the same days a week before",
        "days": "days",
        "alert_rollup": "Alerts this week",
        "no_alerts_week": "No alerts this week.",
    },
    "zh-CN": {
        "daily_title": "每日简报",
        "kpi": "指标",
        "value": "数值",
        "vs_prior": "较前一日",
        "vs_week": "较上周同日",
        "vs_year": "较去年同期",
        "vs_target": "目标进度",
        "alerts": "告警",
        "no_alerts": "一切正常。",
        "new": "新增",
        "ongoing": "持续",
        "resolved": "已恢复",
        "top_products": "热销商品",
        "risers": "增长最多",
        "fallers": "下滑最多",
        "stock_risks": "库存风险",
        "days_of_cover": "天可售",
        "out_of_stock": "缺货",
        "critical": "严重",
        "warning": "警告",
        "info": "提示",
        "data_health": "数据健康",
        "data_ok": "数据完整且及时。",
        "run": "运行记录",
        "why": "原因",
        "colon": "：",
        "na": "无",
        "pp": "个百分点",
        "trend": "近14天",
        "special_day": "活动或节日当天，通常更高",
        "alert_title": "告警",
        "resolved_mark": "已恢复",
        "test_title": "storepulse 测试消息",
        "test_body": "此渠道已配置成功：storepulse 的报告和告警将发送到这里。",
        "weekly_title": "每周复盘",
        "vs_last_week": "较上周",
        "vs_last_year": "较去年同周",
        "pacing": "本月至今目标进度",
        "attained": "已完成",
        "pace": "（相对目标应有进度）",
        "cohorts": "同期群留存（按首单后月数的复购比例）",
        "first_order": "首单月份",
        "customers": "客户数",
        "channels": "渠道构成",
        "share_pp": "占比",
        "bottom_products": "下滑最多",
        "promotions": "促销活动",
        "vs_week_before": "较上周同期",
        "days": "天",
        "alert_rollup": "本周告警",
        "no_alerts_week": "本周无告警。",
    },
}
WEEKDAYS_ZH = "一二三四五六日"


@dataclass(frozen=True, slots=True)
class Locale:
    language: Language

    def __call__(self, key: str) -> str:
        return TEXTS[self.language][key]

    def money(self, value: float | None, currency: str, decimals: int = 2) -> str:
        if value is None:
            return self("na")
        symbol = SYMBOLS[self.language].get(currency)
        sign = "-" if value < 0 else ""
        amount = f"{abs(value):,.{decimals}f}"
        return f"{sign}{symbol}{amount}" if symbol else f"{sign}{amount} {currency}"

    def number(self, value: float | None, unit: str, currency: str) -> str:
        if value is None:
            return self("na")
        if unit == "money":
            return self.money(value, currency)
        if unit == "ratio":
            return f"{value:.1%}"
        if unit in ("days", "hours"):
            return f"{value:,.1f}"
        return f"{value:,.0f}"

    def change(self, ratio: float | None, points: float | None = None) -> str:
        """+12.3 % for amounts, +1.2 pp (个百分点) for rates, n/a when there is no base."""
        if points is not None:
            return f"{points * 100:+.1f}{self('pp')}"
        if ratio is None:
            return self("na")
        return f"{ratio:+.1%}"

    def week(self, monday: date) -> str:
        sunday = monday + timedelta(days=6)
        number = monday.isocalendar().week
        if self.language == "zh-CN":
            return (
                f"{monday.isocalendar().year}年第{number}周"
                f"（{monday.month}月{monday.day}日–{sunday.month}月{sunday.day}日）"
            )
        return f"week {number}, {monday.day} {monday:%B} – {sunday.day} {sunday:%B %Y}"

    def month(self, first: date) -> str:
        return f"{first.year}年{first.month}月" if self.language == "zh-CN" else f"{first:%b %Y}"

    def day(self, value: date) -> str:
        if self.language == "zh-CN":
            return (
                f"{value.year}年{value.month}月{value.day}日（星期{WEEKDAYS_ZH[value.weekday()]}）"
            )
        return f"{value:%A} {value.day} {value:%B %Y}"
