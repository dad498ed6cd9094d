"""Every word a reader sees, and number formats, per language: English and Simplified Chinese.

A third language is one more entry in each table here (TEXTS, METRIC_LABELS, FACTORS) and in
SYMBOLS; models and renderers carry keys and never words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from connectors.money import currency_exponent
from connectors.vocabulary import LANGUAGES, Language  # noqa: F401 (LANGUAGES: re-exported)

Params = dict[str, str | float | None]

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
        "vs_expected": "vs expected",
        "special_same_event": "{event}: expected from {event} last year ({past}), at this "
        "year's level",
        "special_same_event_before": "{event}: expected from earlier {event} ({past}), at this "
        "year's level",
        "special_similar_campaign": "{event}: no earlier {event} in the history, so expected "
        "from the most similar past campaign, {similar} ({past}), at this year's level",
        "special_ordinary_days": "{event}: no earlier {event} or similar campaign in the "
        "history, so expected as an ordinary day",
        "alerts": "Alerts",
        "no_alerts": "Nothing unusual.",
        "new": "New",
        "ongoing": "Ongoing",
        "resolved": "Resolved",
        "top_products": "Top products",
        "risers": "Risers",
        "fallers": "Fallers",
        "stock_risks": "Stock at risk",
        "traffic_from": "Traffic: {source} · conversion by channel",
        "source_ga4": "GA4",
        "source_csv": "CSV",
        "source_export": "export files",
        "funnel_steps": "sessions → add to cart → checkout → purchase · conversion",
        "ga4_sampled": "GA4 sampled this day's report ({share:.0%} of events read)",
        "ga4_thresholded": "GA4 withheld rows with few users (thresholding)",
        "ga4_other_row": "GA4 folded some channels into (other)",
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
        "semicolon": "; ",
        "na": "n/a",
        "pp": " pp",
        "trend": "Last 14 days",
        "special_day": "a campaign or holiday day, usually higher",
        "driver_moved": "{factor} {actual} vs {expected} expected ({change})",
        "driver_held": " while {factor} held ({actual} vs {expected} expected)",
        "driver_also": " and {factor} {actual} vs {expected} expected ({change})",
        "expectation_same_event": "expected from {event} on {past}, at this year's level",
        "expectation_ordinary_days": "no earlier {event} in the history: compared with "
        "ordinary days, where only a fall is reported",
        "expectation_similar_campaign": "no earlier {event} in the history: expected from the "
        "most similar past campaign, {similar} on {past}, at this year's level",
        "this_event": "this event",
        "alert_title": "Alerts",
        "resolved_mark": "Resolved",
        "opened_on": "open since {day}",
        "open_report": "Open the full report",
        "part": "part {n} of {total}",
        "call": "Please look",
        "test_title": "storepulse test message",
        "test_body": "This channel is set up: storepulse reports and alerts will arrive here.",
        "weekly_title": "Weekly review",
        "vs_last_week": "vs last week",
        "vs_last_year": "vs same week last year",
        "pacing": "Month to date vs target",
        "spend_pacing_heading": "Ad spend vs monthly budget",
        "all_channels": "All channels",
        "of_budget": "of budget",
        "budget_pace": "of the budget's pace so far",
        "projected": "month-end projection",
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
        "finding_anomaly": "{label} {actual}, expected {expected} ({change}; normal range {band})",
        "finding_level": "{label} has fallen {fall:.0%} over the last two weeks",
        "finding_cumulative": "{label} {change:+.0%} over the last {days:.0f} days together, "
        "against what was expected of them",
        "finding_freshness": "Orders are stale: last synced {hours:.0f} h ago "
        "(allowed: {allowed:g} h)",
        "finding_freshness_never": "Orders are stale: never synced (allowed: {allowed:g} h)",
        "finding_volume": "No orders recorded on {day} where the last four weeks had about "
        "{typical:.0f} a day: a sync, token or checkout outage?",
        "finding_count": "The warehouse has {ours:,.0f} orders updated before {cursor} UTC; "
        "the platform counts {theirs:,.0f}",
        "finding_quarantine": "{count:.0f} records quarantined in the last 24 hours "
        "(see the quarantine table)",
        "campaign_title": "Campaign review",
        "live_title": "Live",
        "live_as_of": "Orders placed by {clock} (store time); this page refreshes every minute.",
        "live_not_live": "This campaign is not live in any store now.",
        "hour": "Hour",
        "orders_so_far": "Orders so far",
        "expected_by_then": "Expected",
        "normal_range": "Normal range",
        "sales_so_far": "Sales so far",
        "target_pace": "Target pace",
        "without_campaign": "Without it",
        "lift_interval": "Lift (95% interval)",
        "campaign_days": "Days",
        "discount_cost": "Discount cost",
        "code_use": "Orders with the campaign's codes",
        "week_after": "The week after, against its expectation",
        "halo": "Products outside the promotion (the halo)",
        "halo_line": "sales of all but the {count} promoted products: {actual} against "
        "{expected} without the campaign, {lift}",
        "targets_reached": "Targets reached",
        "finding_watch_stopped": "No orders since {since}; about {expected:.0f} were expected "
        "in that time: is the checkout working?",
        "finding_watch_band": "{orders:,.0f} orders by {clock}, below the normal range "
        "({lower:,.0f}–{upper:,.0f}; expected {expected:,.0f}) on two runs running",
        "finding_watch_pace": "{campaign}: {label} {actual:,.0f} of a target of {target:,.0f} "
        "with {elapsed:.0%} of the campaign gone (due by now: {due:,.0f})",
        "rule_below": "{label} {value}, below {limit}",
        "rule_above": "{label} {value}, above {limit}",
        "rule_down": "{label} {value}, down {share:.0%} or more on the same day last week ({base})",
        "rule_up": "{label} {value}, up {share:.0%} or more on the same day last week ({base})",
        "rule_days": " for {days:.0f} days",
        "finding_idle_spend": "{campaign} spent {spend} (above the floor of {floor}) and its "
        "ad platform reported no conversions",
        "idle_spend_expected": "; at its cost per conversion of the last 28 days ({cpa}) about "
        "{expected:,.1f} were expected: check the landing page, the pixel and the offer",
        "idle_spend_no_history": "; it reported none in the 28 days before either: check the "
        "pixel or whether the campaign should run",
    },
    "zh-CN": {
        "daily_title": "每日简报",
        "kpi": "指标",
        "value": "数值",
        "vs_prior": "较前一日",
        "vs_week": "较上周同日",
        "vs_year": "较去年同期",
        "vs_target": "目标进度",
        "vs_expected": "较预期",
        "special_same_event": "{event}：预期来自去年的{event}（{past}），按今年的水平换算",
        "special_same_event_before": "{event}：预期来自此前的{event}（{past}），按今年的水平换算",
        "special_similar_campaign": "{event}：历史中没有更早的{event}，预期来自最相近的往期活动"
        "{similar}（{past}），按今年的水平换算",
        "special_ordinary_days": "{event}：历史中没有更早的{event}或相近的活动，按平日预期",
        "alerts": "告警",
        "no_alerts": "一切正常。",
        "new": "新增",
        "ongoing": "持续",
        "resolved": "已恢复",
        "top_products": "热销商品",
        "risers": "增长最多",
        "fallers": "下滑最多",
        "stock_risks": "库存风险",
        "traffic_from": "流量：{source} · 各渠道转化率",
        "source_ga4": "GA4",
        "source_csv": "CSV",
        "source_export": "导出文件",
        "funnel_steps": "会话 → 加购 → 结账 → 成交 · 转化率",
        "ga4_sampled": "GA4 对当日报告做了抽样（读取了 {share:.0%} 的事件）",
        "ga4_thresholded": "GA4 隐去了用户数较少的行（阈值处理）",
        "ga4_other_row": "GA4 将部分渠道归入 (other)",
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
        "semicolon": "；",
        "na": "无",
        "pp": "个百分点",
        "trend": "近14天",
        "special_day": "活动或节日当天，通常更高",
        "driver_moved": "{factor} {actual}，预期 {expected}（{change}）",
        "driver_held": "，而{factor}持平（{actual}，预期 {expected}）",
        "driver_also": "，{factor} {actual}，预期 {expected}（{change}）",
        "expectation_same_event": "预期来自 {past} 的{event}，按今年的水平换算",
        "expectation_ordinary_days": "历史中没有更早的{event}：按平日比较，只报告下降",
        "expectation_similar_campaign": "历史中没有更早的{event}：预期来自最相近的往期活动"
        "（{past} 的{similar}），按今年的水平换算",
        "this_event": "此活动",
        "alert_title": "告警",
        "resolved_mark": "已恢复",
        "opened_on": "自 {day} 起",
        "open_report": "查看完整报告",
        "part": "第 {n}/{total} 部分",
        "call": "请关注",
        "test_title": "storepulse 测试消息",
        "test_body": "此渠道已配置成功：storepulse 的报告和告警将发送到这里。",
        "weekly_title": "每周复盘",
        "vs_last_week": "较上周",
        "vs_last_year": "较去年同周",
        "pacing": "本月至今目标进度",
        "spend_pacing_heading": "广告花费与月度预算",
        "all_channels": "全部渠道",
        "of_budget": "预算已用",
        "budget_pace": "于预算应有进度",
        "projected": "预计月末",
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
        "finding_anomaly": "{label} {actual}，预期 {expected}（{change}；正常范围 {band}）",
        "finding_level": "{label}在过去两周下降了 {fall:.0%}",
        "finding_cumulative": "{label}已连续 {days:.0f} 天偏离预期：合计较预期 {change:+.0%}",
        "finding_freshness": "订单数据已过期：上次同步在 {hours:.0f} 小时前"
        "（允许 {allowed:g} 小时）",
        "finding_freshness_never": "订单数据已过期：从未同步（允许 {allowed:g} 小时）",
        "finding_volume": "{day} 没有记录到任何订单，而过去四周每天约有 {typical:.0f} 单："
        "同步、令牌或结账是否出了故障？",
        "finding_count": "仓库中 {cursor} UTC 之前更新的订单有 {ours:,.0f} 笔；"
        "平台统计为 {theirs:,.0f} 笔",
        "finding_quarantine": "过去 24 小时有 {count:.0f} 条记录被隔离（见 quarantine 表）",
        "campaign_title": "活动复盘",
        "live_title": "实时",
        "live_as_of": "截至 {clock}（店铺时间）的订单；本页每分钟刷新。",
        "live_not_live": "该活动目前没有在任何店铺进行。",
        "hour": "时段",
        "orders_so_far": "累计订单",
        "expected_by_then": "预期",
        "normal_range": "正常范围",
        "sales_so_far": "累计销售额",
        "target_pace": "目标进度",
        "without_campaign": "无活动时",
        "lift_interval": "提升（95% 区间）",
        "campaign_days": "活动日期",
        "discount_cost": "折扣成本",
        "code_use": "使用活动优惠码的订单",
        "week_after": "活动后一周（对比预期）",
        "halo": "促销外商品（带动效应）",
        "halo_line": "除 {count} 个促销商品外的销售额：{actual}，无活动时预期 {expected}，{lift}",
        "targets_reached": "目标达成",
        "finding_watch_stopped": "自 {since} 起没有订单；这段时间预期约 {expected:.0f} 单："
        "结账是否正常？",
        "finding_watch_band": "截至 {clock} 共 {orders:,.0f} 单，连续两次低于正常范围"
        "（{lower:,.0f}–{upper:,.0f}；预期 {expected:,.0f}）",
        "finding_watch_pace": "{campaign}：{label} {actual:,.0f}，目标 {target:,.0f}，"
        "活动已过 {elapsed:.0%}（按进度应达 {due:,.0f}）",
        "rule_below": "{label} {value}，低于 {limit}",
        "rule_above": "{label} {value}，高于 {limit}",
        "rule_down": "{label} {value}，较上周同日（{base}）下降 {share:.0%} 或以上",
        "rule_up": "{label} {value}，较上周同日（{base}）上升 {share:.0%} 或以上",
        "rule_days": "，已连续 {days:.0f} 天",
        "finding_idle_spend": "{campaign} 花费 {spend}（超过下限 {floor}），广告平台未报告任何转化",
        "idle_spend_expected": "；按其近 28 天的单次转化成本（{cpa}），预计约 {expected:,.1f} 次"
        "转化：请检查落地页、像素埋点和活动内容",
        "idle_spend_no_history": "；此前 28 天也没有报告转化："
        "请检查像素埋点，或确认该计划是否应继续投放",
    },
}
#: Each metric's name for readers (the registry, tasks/metrics/registry.py, holds its meaning).
METRIC_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "gross_sales": "Gross sales",
        "discounts": "Discounts",
        "shop_discounts": "Shop-funded discounts",
        "platform_discounts": "Platform-funded discounts",
        "returns": "Returns",
        "net_sales": "Net sales",
        "shipping": "Shipping",
        "taxes": "Taxes",
        "total_sales": "Total sales",
        "orders": "Orders",
        "units": "Units sold",
        "aov": "Average order value",
        "units_per_order": "Units per order",
        "average_selling_price": "Average selling price",
        "cancellation_rate": "Cancellation rate",
        "refund_rate": "Refund rate",
        "new_customers": "New customers",
        "new_customer_orders": "Orders from new customers",
        "returning_customer_orders": "Orders from returning customers",
        "guest_orders": "Guest orders",
        "new_customer_sales": "Sales from new customers",
        "returning_customer_sales": "Sales from returning customers",
        "repeat_purchase_rate": "Returning customer rate",
        "active_customers_7d": "Active customers (7 days)",
        "active_customers_30d": "Active customers (30 days)",
        "active_customers_90d": "Active customers (90 days)",
        "time_to_second_order_days": "Days to second order",
        "cohort_retention": "Cohort retention",
        "cohort_customers": "Cohort size",
        "channel_sales": "Sales by channel",
        "channel_orders": "Orders by channel",
        "discount_code_order_share": "Orders with a discount code",
        "promotion_sales_share": "Sales on promotion",
        "discount_code_orders": "Orders by discount code",
        "product_sales": "Sales by product",
        "product_units": "Units by product",
        "units_on_hand": "Units on hand",
        "days_of_cover": "Days of cover",
        "variant_days_of_cover": "Days of cover by variant",
        "stockout_variants": "Variants out of stock",
        "at_risk_variants": "Variants at risk",
        "unfulfilled_orders": "Unfulfilled orders",
        "time_to_fulfil_hours": "Hours to fulfil",
        "gross_profit": "Gross profit",
        "gross_margin": "Gross margin",
        "sessions": "Sessions",
        "add_to_carts": "Add-to-carts",
        "checkouts": "Checkouts",
        "purchases": "Purchases",
        "conversion_rate": "Conversion rate",
        "add_to_cart_rate": "Add-to-cart rate",
        "checkout_rate": "Checkout rate",
        "channel_sessions": "Sessions by channel",
        "channel_add_to_carts": "Add-to-carts by channel",
        "channel_checkouts": "Checkouts by channel",
        "channel_purchases": "Purchases by channel",
        "channel_conversion_rate": "Conversion rate by channel",
        "target_attainment": "Target attainment (month to date)",
        "target_pacing_linear": "Target pacing, linear",
        "target_pacing_weekday": "Target pacing, weekday-weighted",
        "ad_spend": "Ad spend",
        "channel_ad_spend": "Ad spend by channel",
        "campaign_ad_spend": "Ad spend by campaign",
        "campaign_conversions": "Conversions by campaign (platform-reported)",
        "platform_roas": "Platform ROAS",
        "channel_platform_roas": "ROAS by channel (platform-reported)",
        "campaign_platform_roas": "ROAS by campaign (platform-reported)",
        "attributed_sales": "Attributed sales",
        "channel_attributed_sales": "Attributed sales by channel",
        "campaign_attributed_sales": "Attributed sales by campaign",
        "attributed_roas": "Attributed ROAS",
        "channel_attributed_roas": "ROAS by channel (attributed)",
        "campaign_attributed_roas": "ROAS by campaign (attributed)",
        "mer": "MER",
        "cac": "CAC",
        "new_customer_cpa": "New-customer CPA",
        "budget_spent": "Ad budget spent",
        "spend_pacing": "Ad spend pacing",
        "projected_spend": "Projected month-end ad spend",
    },
    "zh-CN": {
        "gross_sales": "总销售额",
        "discounts": "折扣",
        "shop_discounts": "店铺承担优惠",
        "platform_discounts": "平台承担优惠",
        "returns": "退货",
        "net_sales": "净销售额",
        "shipping": "运费",
        "taxes": "税费",
        "total_sales": "销售总额",
        "orders": "订单数",
        "units": "销售件数",
        "aov": "客单价",
        "units_per_order": "件单数",
        "average_selling_price": "件单价",
        "cancellation_rate": "取消率",
        "refund_rate": "退款率",
        "new_customers": "新客数",
        "new_customer_orders": "新客订单数",
        "returning_customer_orders": "老客订单数",
        "guest_orders": "游客订单数",
        "new_customer_sales": "新客销售额",
        "returning_customer_sales": "老客销售额",
        "repeat_purchase_rate": "复购率",
        "active_customers_7d": "7日活跃客户",
        "active_customers_30d": "30日活跃客户",
        "active_customers_90d": "90日活跃客户",
        "time_to_second_order_days": "复购间隔天数",
        "cohort_retention": "同期群留存率",
        "cohort_customers": "同期群客户数",
        "channel_sales": "渠道销售额",
        "channel_orders": "渠道订单数",
        "discount_code_order_share": "用券订单占比",
        "promotion_sales_share": "促销销售占比",
        "discount_code_orders": "各优惠码订单数",
        "product_sales": "商品销售额",
        "product_units": "商品销量",
        "units_on_hand": "库存件数",
        "days_of_cover": "库存可售天数",
        "variant_days_of_cover": "单品库存可售天数",
        "stockout_variants": "缺货单品数",
        "at_risk_variants": "库存告急单品数",
        "unfulfilled_orders": "待发货订单",
        "time_to_fulfil_hours": "发货时长（小时）",
        "gross_profit": "毛利",
        "gross_margin": "毛利率",
        "sessions": "访客会话数",
        "add_to_carts": "加购次数",
        "checkouts": "结账次数",
        "purchases": "成交次数",
        "conversion_rate": "转化率",
        "add_to_cart_rate": "加购率",
        "checkout_rate": "结账率",
        "channel_sessions": "渠道会话数",
        "channel_add_to_carts": "渠道加购次数",
        "channel_checkouts": "渠道结账次数",
        "channel_purchases": "渠道成交次数",
        "channel_conversion_rate": "渠道转化率",
        "target_attainment": "目标达成率",
        "target_pacing_linear": "目标进度（线性）",
        "target_pacing_weekday": "目标进度（按星期加权）",
        "ad_spend": "广告花费",
        "channel_ad_spend": "各渠道广告花费",
        "campaign_ad_spend": "各计划广告花费",
        "campaign_conversions": "各计划转化数（平台口径）",
        "platform_roas": "平台 ROAS",
        "channel_platform_roas": "各渠道 ROAS（平台口径）",
        "campaign_platform_roas": "各计划 ROAS（平台口径）",
        "attributed_sales": "归因销售额",
        "channel_attributed_sales": "各渠道归因销售额",
        "campaign_attributed_sales": "各计划归因销售额",
        "attributed_roas": "归因 ROAS",
        "channel_attributed_roas": "各渠道 ROAS（店铺归因）",
        "campaign_attributed_roas": "各计划 ROAS（店铺归因）",
        "mer": "MER（营销效率）",
        "cac": "获客成本 CAC",
        "new_customer_cpa": "新客单次获客成本",
        "budget_spent": "广告预算已用",
        "spend_pacing": "广告花费进度",
        "projected_spend": "预计月末广告花费",
    },
}

#: Driver factors and slices of an alert's explanation (``tasks/checks/explain.py``) in words.
FACTORS: dict[str, dict[str, str]] = {
    "en": {
        "orders": "orders",
        "sessions": "sessions",
        "purchases": "purchases",
        "orders/sessions": "orders per session",
        "net_sales/orders": "sales per order",
        "total_sales/orders": "sales per order",
        "gross_sales/orders": "sales per order",
        "channel_sales": "channel",
        "channel_orders": "channel",
        "channel_sessions": "traffic source",
        "new_customer_sales": "customers",
        "new_customer_orders": "customers",
        "returning_customer_sales": "customers",
        "returning_customer_orders": "customers",
        "new customers": "new customers",
        "returning customers": "returning customers",
    },
    "zh-CN": {
        "orders": "订单数",
        "sessions": "访问量",
        "purchases": "购买数",
        "orders/sessions": "每次访问订单数",
        "net_sales/orders": "每单销售额",
        "total_sales/orders": "每单销售额",
        "gross_sales/orders": "每单销售额",
        "channel_sales": "渠道",
        "channel_orders": "渠道",
        "channel_sessions": "流量来源",
        "new_customer_sales": "客户",
        "new_customer_orders": "客户",
        "returning_customer_sales": "客户",
        "returning_customer_orders": "客户",
        "new customers": "新客",
        "returning customers": "老客",
    },
}
WEEKDAYS_ZH = "一二三四五六日"


@dataclass(frozen=True, slots=True)
class Locale:
    language: Language

    def __call__(self, key: str) -> str:
        return TEXTS[self.language][key]

    def metric(self, name: str) -> str:
        """The metric's name for readers; its key when it has none (a metric since removed)."""
        return METRIC_LABELS[self.language].get(name, name)

    def factor(self, key: str) -> str:
        """A driver or slice of an explanation in words; the key itself when it has none."""
        return FACTORS[self.language].get(key, key)

    def finding(self, check: str, params: Params) -> str:
        """A check's finding worded from its code and parameters (data health, level shifts).

        Raises:
            KeyError: no wording for the check, or a parameter its sentence needs is missing.
        """
        if check == "freshness" and params.get("hours") is None:
            check = "freshness_never"
        metric, part = params.get("metric"), params.get("part")
        label = "" if metric is None else self.metric(str(metric))
        if part:  # one channel of a broken-down metric, watched by itself
            label = f"{label} · {part}"
        return self(f"finding_{check}").format(**params, label=label)

    def money(
        self, value: Decimal | float | None, currency: str, decimals: int | None = None
    ) -> str:
        """An amount with its currency's symbol, in ``decimals`` places (the currency's own
        minor unit by default: 2 for USD, 0 for JPY, 3 for KWD)."""
        if decimals is None:
            decimals = currency_exponent(currency)
        if value is None:
            return self("na")
        symbol = SYMBOLS[self.language].get(currency)
        sign = "-" if value < 0 else ""
        amount = f"{abs(value):,.{decimals}f}"
        return f"{sign}{symbol}{amount}" if symbol else f"{sign}{amount} {currency}"

    def number(self, value: Decimal | float | None, unit: str, currency: str) -> str:
        if value is None:
            return self("na")
        if unit == "money":
            return self.money(value, currency)
        if unit == "ratio":
            return f"{value:.1%}"
        if unit in ("days", "hours"):
            return f"{value:,.1f}"
        if unit == "multiple":
            return f"{value:,.2f}×"
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
