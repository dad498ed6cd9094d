"""Write docs/metrics.md from the registry: ``python -m tasks.metrics.docs``."""

from __future__ import annotations

import sys
from itertools import groupby
from pathlib import Path

from reports.i18n import Locale
from tasks.metrics.registry import METRICS, ORDER_RULES

DOC = Path(__file__).parents[2] / "docs" / "metrics.md"
GROUPS = {
    "sales": "Sales",
    "customers": "Customers",
    "channels": "Channels and promotions",
    "products": "Products",
    "inventory": "Inventory",
    "fulfilment": "Fulfilment",
    "margin": "Margin",
    "traffic": "Traffic funnel",
    "targets": "Targets",
    "advertising": "Advertising",
    "budgets": "Ad budgets",
}
UNITS = {
    "money": "money (store currency)",
    "count": "count",
    "units": "units",
    "ratio": "ratio (shown as %)",
    "multiple": "multiple (shown as 3.20×)",
    "days": "days",
    "hours": "hours",
}
GOOD = {"up": "higher", "down": "lower", "neutral": "neither"}
ENGLISH, CHINESE = Locale("en"), Locale("zh-CN")


#: How a WooCommerce store's orders become the orders the metrics read (``connectors/
#: woocommerce/parse.py``).
WOOCOMMERCE = [
    "## WooCommerce stores",
    "",
    "Read through the REST API v3 (`platform: woocommerce`); every metric above means the same "
    "for them.",
    "",
    "- An order is dated by `date_paid_gmt` in the store's timezone, else (an order on hold, "
    "awaiting payment) by `date_created_gmt`. WooCommerce's `*_gmt` times carry no offset; they "
    "are read as UTC.",
    "- Which statuses count: `processing` and `completed` (financial status paid; completed is "
    "fulfilled, on `date_completed_gmt`), `on-hold` (pending), `refunded` (refunded). "
    "`pending`, `failed`, `checkout-draft` (never paid), `cancelled` and `trash` do not count, "
    "as in WooCommerce's own Analytics: an order moved to one of them after it was read leaves "
    "the metrics (it is marked deleted at its `date_modified_gmt`) and comes back if it returns "
    "to a sale status. A plugin's own status is quarantined with a sentence naming it.",
    "- What the buyer paid is the order's `total`. Line amounts are before tax (WooCommerce keeps "
    "them so even when prices are entered with tax): gross sales are the lines' `subtotal`, "
    "discounts their `subtotal − total` (coupons), shipping is `shipping_total`, taxes "
    "`total_tax`. A fee line counts as a line without a product (a negative fee as a discount).",
    "- Refunds come from `/orders/<id>/refunds` (the order lists them as negative totals) and are "
    "dated by their own `date_created_gmt`. A refund's line items are returned goods and their "
    "tax; the rest of its `amount` (a refund entered as an amount, refunded shipping) counts as "
    "returned goods up to what of the order's goods is not yet refunded, then as shipping.",
    "- Guests (`customer_id` 0) have no customer: they count in the guest metrics.",
    "- Channels: `created_via` checkout (classic or block) is the online store, `pos` the point of "
    "sale; others (admin, rest-api) are other.",
    "- Products: a simple product is its own only variant; a variable product's variations are "
    "its variants. Stock is the tracked `stock_quantity` of each, at one location. WooCommerce "
    "records no unit cost: margins use the cost file, by SKU.",
    "- Customers cannot be listed by modification date on WooCommerce, so each is read once, in "
    "the window of its registration.",
    "",
]

#: How a marketplace store's export rows become the orders the metrics read (``connectors/
#: marketplaces``); the metric names are the same as a Shopify store's.
MARKETPLACES = [
    "## Marketplace stores (Taobao/Tmall, 抖店, 京东, 拼多多)",
    "",
    "Read from the back-ends' export files (`platform: taobao | douyin | jd | pdd`); every "
    "metric above means the same for them. The money identity is kept to the fen: line items "
    "− discounts + shipping = what the buyer paid (`total_sales` on the order's day); prices "
    "include VAT, so taxes are zero.",
    "",
    "| platform | rows | order id | paid at (dates the order) | what the buyer paid "
    "(`total_sales`) | gross sales | shipping | units |",
    "|---|---|---|---|---|---|---|---|",
    "| taobao | one per order (订单报表) | 订单编号 | 订单付款时间 | 买家实际支付金额 "
    "| 买家应付货款 (else 总金额 − 邮费) | 买家应付邮费 | 宝贝总数量 |",
    "| douyin | one per 子订单 | 主订单编号 | 支付完成时间 | the sum of 订单应付金额 over the "
    "order's sub-orders | 订单应付金额 − 运费 + the three 实际承担优惠金额, summed | 运费, "
    "summed | 商品数量, summed |",
    "| jd | one per SKU, order money repeated | 订单号 | 付款确认时间 | 应付金额, once per order "
    "| 京东价 × 订购数量, summed | 运费金额, once | 订购数量, summed |",
    "| pdd | one per order | 订单号 | 支付时间 (else 订单成交时间) | 用户实付金额(元) "
    "| 商品总价(元) | 邮费(元) | 商品数量(件) |",
    "",
    "- Discounts are gross sales + shipping − what the buyer paid: shop, platform and (抖店) "
    "creator discounts together, and net sales subtracts them once. Who funded them is kept "
    "apart where the export says (`shop_discounts`, `platform_discounts`): douyin "
    "商家实际承担优惠金额 (shop) and 平台实际承担优惠金额 (platform), summed over sub-orders, "
    "达人实际承担优惠金额 (the creator's) in neither; pdd 店铺优惠折扣(元) (shop) and "
    "平台优惠折扣(元) + 多多支付立减金额(元) (platform); taobao 店铺优惠 (shop) and 平台优惠 + "
    "天猫卡券抵扣 + 集分宝抵扣 (platform) when the export has those columns (the usual 订单报表 "
    "has only the last two, so its shop share stays n/a); jd's export does not say.",
    "- An order counts on the store-local day it was paid; an order never paid never counts. "
    "Deleted orders (京东 `(删除)`) leave the metrics.",
    "- Refunds and after-sales are returns: taobao `退款金额` (or the whole payment when a paid "
    "order is `交易关闭`), douyin the 订单应付金额 of sub-orders whose 售后状态 is 退款成功, jd "
    "and pdd the whole payment when cancelled after payment or 售后状态 退款成功. None of these "
    "exports gives a completion date, so a refund is dated on the day of the first file that "
    "showed it (the file's time: the latest moment its rows record), kept on re-import.",
    "- Statuses map to a canonical set stored as the order's fulfillment status: pending, paid, "
    "shipped, completed, closed, refunded (taobao 交易成功 → completed, 交易关闭 → refunded, "
    "交易被淘宝关闭 → closed; douyin 已完成 → completed, 已关闭 → closed; jd 等待出库 → paid, "
    "完成 → completed, 取消 → refunded; pdd 待发货 → paid, 已收货 → completed, 已取消 → "
    "closed). A status the reader does not know quarantines the row.",
    "- Lines: an order export gives each order one order-level line (taobao, pdd) or a line per "
    "sub-order or SKU (douyin, jd). Taobao's 宝贝报表 (one row per item: 标题, 价格 × 购买数量, "
    "商家编码) replaces an order's order-level line with its item lines, which later order "
    "exports keep; the order exports of a run load first, and lines of an order not imported "
    "are skipped.",
    "- Buyers are anonymous in exports (masked, and dropped at read), so every marketplace "
    "order counts as a guest's: customer metrics (new, returning, repeat) stay empty.",
    "- Products: exports name products without numbering them, so a product is its SKU code "
    "(商家编码) where the export has one, else its title.",
    "- Traffic: 生意参谋's shop-level daily export gives sessions (访客数), add-to-carts "
    "(加购人数), checkouts (下单买家数) and purchases (支付买家数), channel `all`.",
    "- The latest state wins: a file's time is the latest moment its rows record (else when it "
    "was imported); an order already written by a later file is not overwritten by an older one.",
    "",
]

#: How an order's marketing source is read and mapped (``connectors/attribution.py``); the
#: attributed sales and ROAS under Advertising read it.
ATTRIBUTION = [
    "## Marketing source (attribution)",
    "",
    "Each order keeps the marketing source of the visit that placed it: `utm_source`, "
    "`utm_medium`, `utm_campaign`, the name of the ad click id its landing page carried "
    "(`gclid`, `fbclid`…, never its value) and a `marketing_channel`. Nothing else of the "
    "landing or referring URL is kept: a query string can carry e-mail addresses or tokens.",
    "",
    "- Shopify: from the order's `landing_site` (its query's UTM tags and click ids) and "
    "`referring_site`. Point-of-sale and draft orders (`source_name` pos, "
    "shopify_draft_order) have no source.",
    "- WooCommerce 8.5+: from the order attribution meta, `_wc_order_attribution_utm_source`, "
    "`_utm_medium`, `_utm_campaign`, `_referrer` and `_session_entry` (the landing URL, read for "
    "click ids); `(direct)` and `(none)` count as no tag. Orders entered by staff (`source_type` "
    "admin, mobile_app), and orders without that meta (attribution off, placed before 8.5), "
    "have no source.",
    "- Marketplace exports (Taobao/Tmall, 抖店, 京东, 拼多多) record no source: their "
    "attributed metrics are n/a.",
    "",
    "| rule (first that applies) | `marketing_channel` |",
    "|---|---|",
    "| paid `utm_medium` (cpc, ppc, paid, paid_search, paid_social, cpm, cpv, display, ads, "
    "sem) and `utm_source` google, adwords, youtube | `google_ads` |",
    "| paid medium and source facebook, fb, instagram, ig, meta, messenger, audience_network "
    "| `meta` |",
    "| paid medium and source douyin, toutiao, oceanengine, 巨量, 巨量引擎, 抖音, 今日头条 "
    "| `ocean_engine` |",
    "| paid medium, any other source | `paid_other` |",
    "| a Google click id (`gclid`, `gbraid`, `wbraid`: auto-tagging marks ad clicks only) "
    "| `google_ads` |",
    "| `fbclid` and no `utm_medium` (Meta adds it to organic post clicks too, so a medium "
    "saying otherwise wins) | `meta` |",
    "| medium or source email, newsletter, klaviyo, mailchimp, edm | `email` |",
    "| medium organic, social, sns | `organic` |",
    "| medium referral | `referral` |",
    "| any other tag | `unassigned` |",
    "| untagged, from a search engine or social network | `organic` |",
    "| untagged, from another site | `referral` |",
    "| untagged, no referrer | `direct` |",
    "",
    "Only `google_ads`, `meta` and `ocean_engine` are ad-spend channels: their orders are "
    "the attributed sales. For campaigns, `utm_campaign` must carry the campaign's name as its "
    "spend export names it (a campaign id, as ValueTrack's `{campaignid}` gives, matches "
    "nothing).",
    "",
]


def render() -> str:
    lines = [
        "# Metrics",
        "",
        "Generated from `tasks/metrics/registry.py` by `python -m tasks.metrics.docs`; edit the",
        "registry, not this file. Every report, check and export reads these definitions.",
        "",
        "## Rules every order-based metric follows",
        "",
        *(f"- {rule}" for rule in ORDER_RULES),
        "- A day is the store's local calendar day in its IANA timezone (23 or 25 hours on DST "
        "days); a week is the ISO week, Monday to Sunday, named by its Monday.",
        "- Ratios are taken of the period's sums, never averaged over days. A ratio over zero is "
        "n/a, never 0 % or infinity. A day without orders is a day of zeros, not a missing day.",
        "- Comparisons: against the previous period, the same weekday last week, and the same "
        "period 364 days back (so weekdays line up). A period still in progress is compared with "
        "the same days of the other periods.",
        "- Several stores roll up into the reporting currency at the stated daily rate (the "
        "latest loaded on or before the day); product and variant breakdowns do not roll up.",
        "- Each definition has a version; raising it recomputes that history.",
        "",
        *WOOCOMMERCE,
        *MARKETPLACES,
        *ATTRIBUTION,
    ]
    for group, members in groupby(METRICS, key=lambda m: m.group):
        lines += [f"## {GROUPS[group]}", ""]
        for m in members:
            breakdown = f"; broken down by **{m.dimension}**" if m.dimension else ""
            lines += [
                f"### `{m.name}`: {ENGLISH.metric(m.name)} ({CHINESE.metric(m.name)})",
                "",
                f"**{m.formula}**. Unit: {UNITS[m.unit]}; better: {GOOD[m.good]}; "
                f"grains: {', '.join(m.grains)}{breakdown}; version {m.version}.",
                "",
                *(f"- {choice}" for choice in m.choices),
                *([""] if m.choices else []),
            ]
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    if "--check" in sys.argv:
        sys.exit(0 if DOC.read_text(encoding="utf-8") == render() else 1)
    DOC.write_text(render(), encoding="utf-8")
