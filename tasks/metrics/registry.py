"""Every metric storepulse reports, defined once (口径 as code).

A definition says what is counted, in which unit, which direction is good, and every choice
behind it: gross or net, how refunds are dated, which orders count, whether tax and shipping are
in. Reports, checks and the CLI read values computed from these definitions, and
``docs/metrics.md`` is generated from them. Changing a definition means raising its ``version``;
the next computation then recomputes that metric's whole history.

Values are computed from *base measures* (``tasks/metrics/collect.py``) summed over a period;
ratios are taken of the sums, never averaged over days.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from connectors.vocabulary import Unit

Direction = Literal["up", "down", "neutral"]
#: How a metric's period value comes from its days: summed (additive), a ratio of the
#: period's sums, the value on the period's last day that has one (stocks and trailing
#: windows), or a quantity the period itself defines (distinct customers, medians).
Aggregation = Literal["sum", "ratio", "last", "period"]
Facts = Mapping[str, float | None]

#: The rules every order-based metric shares.
ORDER_RULES = (
    "Orders are dated by `processed_at` in the store's timezone (the day Shopify's reports use).",
    "Test orders and deleted orders are left out; cancelled orders stay on their day.",
    "Money is in the store's currency, from Shopify's shop-currency amounts.",
)


@dataclass(frozen=True)
class Metric:
    """One metric: its meaning for people and its computation for storepulse.

    Its name in each language lives with the other words a reader sees (``reports/i18n.py``).
    """

    name: str
    unit: Unit
    good: Direction
    formula: str
    compute: Callable[[Facts], float | None]
    choices: tuple[str, ...] = ()
    group: str = "sales"
    aggregation: Aggregation = "sum"
    #: A breakdown: channel, product, code, variant, traffic_channel, month_offset.
    dimension: str | None = None
    grains: tuple[str, ...] = ("day", "week")
    version: int = 1
    #: Facts the metric reads, for the documentation and the tests.
    uses: tuple[str, ...] = field(default=())

    @property
    def additive(self) -> bool:
        """The days of a week add up to the week."""
        return self.aggregation == "sum"

    @property
    def targetable(self) -> bool:
        """A monthly target is a sum of days: only an additive metric of the whole store."""
        return self.additive and self.dimension is None


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """``numerator / denominator``, or None ("n/a") when the denominator is zero or missing."""
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def _fact(name: str) -> Callable[[Facts], float | None]:
    return lambda f: f.get(name)


def _sum(*names: str, minus: tuple[str, ...] = ()) -> Callable[[Facts], float | None]:
    def compute(f: Facts) -> float | None:
        total: float = 0  # stays an int while the measures are (money in minor units)
        for name in names:
            total += f.get(name) or 0
        for name in minus:
            total -= f.get(name) or 0
        return total

    return compute


def _said(name: str, unsaid: str) -> Callable[[Facts], float | None]:
    """A measure only some orders say, or None ("n/a") when any order of the period does not."""
    return lambda f: None if f.get(unsaid) else f.get(name)


def _ratio(
    numerator: Callable[[Facts], float | None], denominator: str
) -> Callable[[Facts], float | None]:
    return lambda f: ratio(numerator(f), f.get(denominator))


CHANNEL_CHOICES = (
    "Channels are GA4's default channel group (`sessionDefaultChannelGroup`: Direct, Organic "
    "Search, Paid Search, Email…), or the traffic CSV's `channel` column.",
)
NET_OF_DISCOUNTS = _sum("gross_minor", minus=("discounts_minor",))
NET_SALES = _sum("gross_minor", minus=("discounts_minor", "returns_minor"))
SHIPPING = _sum("shipping_minor", minus=("refunded_shipping_minor",))
TAXES = _sum("tax_minor", minus=("refunded_tax_minor",))
SALES_CHOICES = (
    "Gross sales is line price × quantity (Shopify's `total_line_items_price`), before discounts, "
    "returns, tax and shipping.",
    "Returns are dated by the refund (`processed_at` in the store's timezone), not by the order: "
    "a late refund lowers the day it happens. A cancelled order whose payment was voided "
    "(no refund) is reversed on its cancellation day.",
)
#: Who funded the discounts: only marketplace exports say (docs/metrics.md, per platform).
FUNDED_CHOICES = (
    "Part of `discounts`, never added to it: net sales subtracts every discount once, whoever "
    "funded it.",
    "Read from the marketplace exports that list shop- and platform-funded discounts apart "
    "(抖店, 拼多多, Taobao/Tmall where the export has the columns); n/a for a day or week "
    "when any of its orders came from a source that does not say (Shopify, WooCommerce, "
    "京东's export). A day without orders funded nothing: zero.",
)

SPEND_CHOICES = (
    "From ad-spend exports (Google Ads, Meta, 巨量引擎, 万相台, the generic CSV), dated by the "
    "day the ad platform reports, taken as the store's local day.",
    "An export in another currency is converted to the store's with the day's stated rate "
    "(the latest on or before it) from the rates table; a day or week holding spend without "
    "one is n/a (and that spend counts as nothing in budget pacing).",
)


def _converted(
    compute: Callable[[Facts], float | None],
) -> Callable[[Facts], float | None]:
    """n/a for a period holding spend no stated rate converts to the store's currency."""
    return lambda f: None if f.get("unconverted_spend") else compute(f)


BUDGET_METRICS: tuple[tuple[str, Unit, str], ...] = (
    ("budget_spent", "ratio", "month-to-date spend ÷ the month's budget"),
    (
        "spend_pacing",
        "ratio",
        "month-to-date spend ÷ (budget × days elapsed ÷ days in month)",
    ),
    (
        "projected_spend",
        "money",
        "month-to-date spend ÷ days elapsed × days in month",
    ),
)
PLATFORM_ROAS = _converted(_ratio(_fact("conversion_value_minor"), "valued_spend_minor"))
PLATFORM_ROAS_CHOICES = (
    "Platform-reported: the conversion value each ad platform claims for its own campaigns "
    "(its attribution window, its pixel), never storepulse's own sales; platforms overlap, so "
    "channels' values do not add up to the store's sales.",
    "Only spend whose export states a conversion value counts (巨量引擎 campaign exports have "
    "none): n/a when no spend in the period has one.",
    "storepulse's own measure, from the store's orders, is `attributed_roas`: the two are "
    "kept apart and neither replaces the other.",
)
ATTRIBUTED_CHOICES = (
    "Last click by the order's own landing visit: an order counts for the ad channel its "
    "landing UTM tags or ad click id map to (the table under *Marketing source*), and for the "
    "campaign its `utm_campaign` names, matched without case to the ad-spend export's campaign "
    "name. No other touch, no view-through, no attribution window: an order whose last visit "
    "was untagged is not attributed, whatever ad its buyer saw before.",
    "Net sales as `net_sales` reads them: line items less discounts on the order's day, less "
    "returns on the refund's day (a voided cancellation on its day).",
    "n/a on days before the store's first order with a recorded source: marketplace exports "
    "record none, and orders stored before storepulse read sources have none until re-read.",
)
ATTRIBUTED_ROAS = _converted(_ratio(_fact("attributed_sales_minor"), "spend_minor"))

METRICS: tuple[Metric, ...] = (
    # --- sales (Shopify's sales stack) ----------------------------------------------------------
    Metric(
        "gross_sales",
        "money",
        "up",
        "Σ line price × quantity",
        _fact("gross_minor"),
        SALES_CHOICES,
        uses=("gross_minor",),
    ),
    Metric(
        "discounts",
        "money",
        "neutral",
        "Σ order discounts (line and order level)",
        _fact("discounts_minor"),
        ("Discounts are Shopify's `total_discounts`: code, automatic and manual discounts.",),
        uses=("discounts_minor",),
    ),
    Metric(
        "shop_discounts",
        "money",
        "neutral",
        "Σ discounts the shop funded",
        _said("shop_discounts_minor", "shop_unsaid_orders"),
        FUNDED_CHOICES,
        uses=("shop_discounts_minor", "shop_unsaid_orders"),
    ),
    Metric(
        "platform_discounts",
        "money",
        "neutral",
        "Σ discounts the platform funded",
        _said("platform_discounts_minor", "platform_unsaid_orders"),
        FUNDED_CHOICES,
        uses=("platform_discounts_minor", "platform_unsaid_orders"),
    ),
    Metric(
        "returns",
        "money",
        "down",
        "Σ refunded line subtotals, by refund day",
        _fact("returns_minor"),
        SALES_CHOICES,
        uses=("returns_minor",),
    ),
    Metric(
        "net_sales",
        "money",
        "up",
        "gross sales − discounts − returns",
        NET_SALES,
        (*SALES_CHOICES, "Tax and shipping are out."),
        uses=("gross_minor", "discounts_minor", "returns_minor"),
    ),
    Metric(
        "shipping",
        "money",
        "neutral",
        "Σ shipping charged − shipping refunded",
        SHIPPING,
        ("Shipping refunds are dated by the refund.",),
        uses=("shipping_minor", "refunded_shipping_minor"),
    ),
    Metric(
        "taxes",
        "money",
        "neutral",
        "Σ tax charged − tax refunded",
        TAXES,
        ("Tax refunds (on lines and on shipping) are dated by the refund.",),
        uses=("tax_minor", "refunded_tax_minor"),
    ),
    Metric(
        "total_sales",
        "money",
        "up",
        "net sales + shipping + taxes",
        lambda f: (NET_SALES(f) or 0) + (SHIPPING(f) or 0) + (TAXES(f) or 0),
        SALES_CHOICES,
        uses=(
            "gross_minor",
            "discounts_minor",
            "returns_minor",
            "shipping_minor",
            "refunded_shipping_minor",
            "tax_minor",
            "refunded_tax_minor",
        ),
    ),
    Metric(
        "orders",
        "count",
        "up",
        "number of orders",
        _fact("orders"),
        ("Cancelled orders count on the day they were placed.",),
        uses=("orders",),
    ),
    Metric(
        "units",
        "units",
        "up",
        "Σ line quantity",
        _fact("units"),
        uses=("units",),
    ),
    Metric(
        "aov",
        "money",
        "up",
        "(gross sales − discounts) ÷ orders",
        _ratio(NET_OF_DISCOUNTS, "orders"),
        ("Before returns, tax and shipping, as Shopify's AOV.", "n/a on a day without orders."),
        uses=("gross_minor", "discounts_minor", "orders"),
        aggregation="ratio",
    ),
    Metric(
        "units_per_order",
        "ratio",
        "up",
        "units ÷ orders",
        _ratio(_fact("units"), "orders"),
        uses=("units", "orders"),
        aggregation="ratio",
    ),
    Metric(
        "average_selling_price",
        "money",
        "up",
        "(gross sales − discounts) ÷ units",
        _ratio(NET_OF_DISCOUNTS, "units"),
        uses=("gross_minor", "discounts_minor", "units"),
        aggregation="ratio",
    ),
    Metric(
        "cancellation_rate",
        "ratio",
        "down",
        "orders later cancelled ÷ orders (by order day)",
        _ratio(_fact("cancelled_orders"), "orders"),
        ("An order counts on the day it was placed, whenever it is cancelled.",),
        uses=("cancelled_orders", "orders"),
        aggregation="ratio",
    ),
    Metric(
        "refund_rate",
        "ratio",
        "down",
        "returns ÷ gross sales",
        _ratio(_fact("returns_minor"), "gross_minor"),
        ("By value: the period's returns (by refund day) over its gross sales.",),
        uses=("returns_minor", "gross_minor"),
        aggregation="ratio",
    ),
    # --- customers ----------------------------------------------------------------------------
    Metric(
        "new_customers",
        "count",
        "up",
        "customers whose first order in the shop's history falls in the period",
        _fact("new_orders"),
        (
            "A customer's first order is their earliest by `processed_at` (ties by order id), "
            "among their non-test, non-deleted orders.",
            "Guest checkouts are not customers.",
        ),
        group="customers",
        uses=("new_orders",),
    ),
    Metric(
        "new_customer_orders",
        "count",
        "up",
        "first orders",
        _fact("new_orders"),
        group="customers",
        uses=("new_orders",),
    ),
    Metric(
        "returning_customer_orders",
        "count",
        "up",
        "second and later orders",
        _fact("returning_orders"),
        group="customers",
        uses=("returning_orders",),
    ),
    Metric(
        "guest_orders",
        "count",
        "neutral",
        "orders without a customer",
        _fact("guest_orders"),
        group="customers",
        uses=("guest_orders",),
    ),
    Metric(
        "new_customer_sales",
        "money",
        "up",
        "(gross − discounts) of first orders",
        _fact("new_sales_minor"),
        group="customers",
        uses=("new_sales_minor",),
    ),
    Metric(
        "returning_customer_sales",
        "money",
        "up",
        "(gross − discounts) of second and later orders",
        _fact("returning_sales_minor"),
        group="customers",
        uses=("returning_sales_minor",),
    ),
    Metric(
        "repeat_purchase_rate",
        "ratio",
        "up",
        "customers with a second or later order in the period ÷ customers who ordered",
        _ratio(_fact("returning_customers"), "customers"),
        (
            "Shopify's *returning customer rate*: the earlier order may lie before the period. "
            "(The stricter industry *repeat purchase rate* wants both orders in the period.)",
        ),
        group="customers",
        aggregation="period",
        uses=("returning_customers", "customers"),
    ),
    *(
        Metric(
            f"active_customers_{n}d",
            "count",
            "up",
            f"customers with an order in the {n} days ending on the day",
            _fact(f"active_{n}d"),
            ("A week's value is its last day's.",),
            group="customers",
            aggregation="last",
            uses=(f"active_{n}d",),
        )
        for n in (7, 30, 90)
    ),
    Metric(
        "time_to_second_order_days",
        "days",
        "down",
        "median days from a customer's first to second order, for second orders in the period",
        _fact("median_second_order_days"),
        ("Counted in store-local days.",),
        group="customers",
        aggregation="period",
        uses=("median_second_order_days",),
    ),
    Metric(
        "cohort_retention",
        "ratio",
        "up",
        "customers of a first-order month who ordered again N months later ÷ the cohort",
        _fact("cohort_retention"),
        ("Cohort = the calendar month (store time) of the first order; month 0 is 100 %.",),
        group="customers",
        aggregation="period",
        dimension="month_offset",
        grains=("month",),
        uses=("cohort_retention",),
    ),
    Metric(
        "cohort_customers",
        "count",
        "up",
        "customers whose first order fell in the month",
        _fact("cohort_customers"),
        group="customers",
        aggregation="period",
        grains=("month",),
        uses=("cohort_customers",),
    ),
    # --- channels and promotions ----------------------------------------------------------
    Metric(
        "channel_sales",
        "money",
        "up",
        "(gross − discounts) by channel",
        NET_OF_DISCOUNTS,
        (
            "Channels from Shopify's `source_name`: web → online_store, pos → pos, iphone / "
            "android → mobile_app, shopify_draft_order → draft_orders, anything else → other.",
        ),
        group="channels",
        dimension="channel",
        uses=("gross_minor", "discounts_minor"),
    ),
    Metric(
        "channel_orders",
        "count",
        "up",
        "orders by channel",
        _fact("orders"),
        group="channels",
        dimension="channel",
        uses=("orders",),
    ),
    Metric(
        "discount_code_order_share",
        "ratio",
        "neutral",
        "orders with a code ÷ orders",
        _ratio(_fact("code_orders"), "orders"),
        group="channels",
        uses=("code_orders", "orders"),
        aggregation="ratio",
    ),
    Metric(
        "promotion_sales_share",
        "ratio",
        "neutral",
        "(gross − discounts) of orders with a code ÷ (gross − discounts)",
        lambda f: ratio(f.get("code_sales_minor"), NET_OF_DISCOUNTS(f)),
        group="channels",
        uses=("code_sales_minor", "gross_minor", "discounts_minor"),
        aggregation="ratio",
    ),
    Metric(
        "discount_code_orders",
        "count",
        "neutral",
        "orders using each code",
        _fact("orders"),
        group="channels",
        dimension="code",
        uses=("orders",),
    ),
    # --- products -----------------------------------------------------------------------------
    Metric(
        "product_sales",
        "money",
        "up",
        "Σ (line price × quantity − line discount) by product",
        _fact("line_sales_minor"),
        ("Top products, risers and fallers are read from this, period against period.",),
        group="products",
        dimension="product",
        uses=("line_sales_minor",),
    ),
    Metric(
        "product_units",
        "units",
        "up",
        "Σ line quantity by product",
        _fact("units"),
        group="products",
        dimension="product",
        uses=("units",),
    ),
    # --- inventory ----------------------------------------------------------------------------
    Metric(
        "units_on_hand",
        "units",
        "neutral",
        "Σ available units at all locations, at the day's snapshot",
        _fact("units_on_hand"),
        (
            "History starts at the first synced snapshot; days without one are n/a.",
            "A week's value is its last snapshot's.",
        ),
        group="inventory",
        aggregation="last",
        uses=("units_on_hand",),
    ),
    Metric(
        "days_of_cover",
        "days",
        "up",
        "units on hand ÷ (units sold in the trailing 28 days ÷ 28)",
        _fact("days_of_cover"),
        (
            "The sell rate counts every order of the 28 days ending on the snapshot day.",
            "n/a when nothing sold in those 28 days.",
        ),
        group="inventory",
        aggregation="last",
        uses=("days_of_cover",),
    ),
    Metric(
        "variant_days_of_cover",
        "days",
        "up",
        "variant on hand ÷ its trailing 28-day daily sell rate",
        _fact("days_of_cover"),
        group="inventory",
        aggregation="last",
        dimension="variant",
        grains=("day",),
        uses=("days_of_cover",),
    ),
    Metric(
        "stockout_variants",
        "count",
        "down",
        "variants of active products with nothing available",
        _fact("stockouts"),
        group="inventory",
        aggregation="last",
        uses=("stockouts",),
    ),
    Metric(
        "at_risk_variants",
        "count",
        "down",
        "in-stock variants with under 7 days of cover",
        _fact("at_risk"),
        group="inventory",
        aggregation="last",
        uses=("at_risk",),
    ),
    # --- fulfilment and margin ------------------------------------------------------------------
    Metric(
        "unfulfilled_orders",
        "count",
        "down",
        "orders placed by the end of the day, not cancelled and not yet fulfilled then",
        _fact("unfulfilled"),
        ("A week's value is its last day's.",),
        group="fulfilment",
        aggregation="last",
        uses=("unfulfilled",),
    ),
    Metric(
        "time_to_fulfil_hours",
        "hours",
        "down",
        "mean hours from processing to first fulfilment, for orders placed in the period",
        _ratio(_fact("fulfil_hours"), "fulfilled_orders"),
        ("Orders not yet fulfilled are left out until they are.",),
        group="fulfilment",
        uses=("fulfil_hours", "fulfilled_orders"),
        aggregation="ratio",
    ),
    Metric(
        "gross_profit",
        "money",
        "up",
        "Σ (line price × quantity − line discount − quantity × unit cost), lines with a cost",
        _sum("costed_sales_minor", minus=("cogs_minor",)),
        (
            "Unit costs are the variants' inventory-item costs in Shopify, else a loaded cost "
            "file's (by SKU); lines without either are left out.",
            "Returns are not netted.",
        ),
        group="margin",
        uses=("costed_sales_minor", "cogs_minor"),
    ),
    Metric(
        "gross_margin",
        "ratio",
        "up",
        "gross profit ÷ sales of lines with a cost",
        lambda f: ratio(
            _sum("costed_sales_minor", minus=("cogs_minor",))(f), f.get("costed_sales_minor")
        ),
        group="margin",
        uses=("costed_sales_minor", "cogs_minor"),
        aggregation="ratio",
    ),
    # --- traffic funnel -------------------------------------------------------------------------
    Metric(
        "sessions",
        "count",
        "up",
        "Σ sessions",
        _fact("sessions"),
        (
            "From the traffic source: GA4 for the days it covers, else the traffic CSV; days "
            "neither covers are 0.",
            "GA4's last three days are read again on every run (GA4 revises them for up to "
            "48 hours), so their values may still move.",
        ),
        group="traffic",
        uses=("sessions",),
    ),
    Metric(
        "add_to_carts",
        "count",
        "up",
        "Σ add-to-carts",
        _fact("add_to_carts"),
        group="traffic",
        uses=("add_to_carts",),
    ),
    Metric(
        "checkouts",
        "count",
        "up",
        "Σ checkouts",
        _fact("checkouts"),
        group="traffic",
        uses=("checkouts",),
    ),
    Metric(
        "purchases",
        "count",
        "up",
        "Σ purchases",
        _fact("purchases"),
        group="traffic",
        uses=("purchases",),
    ),
    Metric(
        "conversion_rate",
        "ratio",
        "up",
        "purchases ÷ sessions",
        _ratio(_fact("purchases"), "sessions"),
        (
            "Purchases as the traffic source counts them, not Shopify orders (POS and draft "
            "orders have no sessions).",
        ),
        group="traffic",
        uses=("purchases", "sessions"),
        aggregation="ratio",
    ),
    Metric(
        "add_to_cart_rate",
        "ratio",
        "up",
        "add-to-carts ÷ sessions",
        _ratio(_fact("add_to_carts"), "sessions"),
        group="traffic",
        uses=("add_to_carts", "sessions"),
        aggregation="ratio",
    ),
    Metric(
        "checkout_rate",
        "ratio",
        "up",
        "checkouts ÷ sessions",
        _ratio(_fact("checkouts"), "sessions"),
        group="traffic",
        uses=("checkouts", "sessions"),
        aggregation="ratio",
    ),
    Metric(
        "channel_sessions",
        "count",
        "up",
        "Σ sessions by traffic channel",
        _fact("sessions"),
        CHANNEL_CHOICES,
        group="traffic",
        dimension="traffic_channel",
        uses=("sessions",),
    ),
    Metric(
        "channel_add_to_carts",
        "count",
        "up",
        "Σ add-to-carts by traffic channel",
        _fact("add_to_carts"),
        CHANNEL_CHOICES,
        group="traffic",
        dimension="traffic_channel",
        uses=("add_to_carts",),
    ),
    Metric(
        "channel_checkouts",
        "count",
        "up",
        "Σ checkouts by traffic channel",
        _fact("checkouts"),
        CHANNEL_CHOICES,
        group="traffic",
        dimension="traffic_channel",
        uses=("checkouts",),
    ),
    Metric(
        "channel_purchases",
        "count",
        "up",
        "Σ purchases by traffic channel",
        _fact("purchases"),
        CHANNEL_CHOICES,
        group="traffic",
        dimension="traffic_channel",
        uses=("purchases",),
    ),
    Metric(
        "channel_conversion_rate",
        "ratio",
        "up",
        "purchases ÷ sessions, by traffic channel",
        _ratio(_fact("purchases"), "sessions"),
        (
            *CHANNEL_CHOICES,
            "A channel's purchases are the ones GA4 credits to the session's channel (its "
            "last non-direct click), not Shopify orders.",
            "n/a on a day the channel had no sessions.",
        ),
        group="traffic",
        aggregation="ratio",
        dimension="traffic_channel",
        uses=("purchases", "sessions"),
    ),
    # --- targets (from the targets table; broken down by the metric they target) ---------------
    *(
        Metric(
            name,
            "ratio",
            "up",
            formula,
            lambda f: None,
            (
                "Monthly targets come from storepulse.yaml or a loaded CSV; a month without a "
                "target has no value.",
                "Weekday weights are the metric's average by weekday over the 8 weeks before "
                "the month (equal weights without that history).",
                "A week's value is its last day's.",
            ),
            group="targets",
            aggregation="last",
            dimension="metric",
        )
        for name, formula in (
            ("target_attainment", "month-to-date actual ÷ the month's target"),
            (
                "target_pacing_linear",
                "month-to-date actual ÷ (month target × days elapsed ÷ days in month)",
            ),
            (
                "target_pacing_weekday",
                "month-to-date actual ÷ (month target × weekday weights elapsed ÷ weights of the "
                "month)",
            ),
        )
    ),
    # --- advertising (from ad-spend files; tasks/metrics/spend_facts.py) ----------------------
    Metric(
        "ad_spend",
        "money",
        "neutral",
        "Σ ad spend",
        _converted(_fact("spend_minor")),
        SPEND_CHOICES,
        group="advertising",
        uses=("spend_minor", "unconverted_spend"),
    ),
    Metric(
        "channel_ad_spend",
        "money",
        "neutral",
        "Σ ad spend by ad channel",
        _converted(_fact("spend_minor")),
        SPEND_CHOICES,
        group="advertising",
        dimension="ad_channel",
        uses=("spend_minor",),
    ),
    Metric(
        "campaign_ad_spend",
        "money",
        "neutral",
        "Σ ad spend by campaign (channel · campaign)",
        _converted(_fact("spend_minor")),
        group="advertising",
        dimension="campaign",
        uses=("spend_minor",),
    ),
    Metric(
        "campaign_conversions",
        "count",
        "up",
        "Σ conversions the platform claims, by campaign",
        _fact("ad_conversions"),
        ("n/a for a campaign whose export has no conversions column.",),
        group="advertising",
        dimension="campaign",
        uses=("ad_conversions",),
    ),
    *(
        Metric(
            name,
            "multiple",
            "up",
            "platform-reported conversion value ÷ spend" + suffix,
            PLATFORM_ROAS,
            PLATFORM_ROAS_CHOICES,
            group="advertising",
            aggregation="ratio",
            dimension=dimension,
            uses=("conversion_value_minor", "valued_spend_minor"),
        )
        for name, dimension, suffix in (
            ("platform_roas", None, ""),
            ("channel_platform_roas", "ad_channel", ", by ad channel"),
            ("campaign_platform_roas", "campaign", ", by campaign"),
        )
    ),
    *(
        Metric(
            name,
            "money",
            "up",
            "Σ net sales of orders attributed to an ad channel" + suffix,
            _fact("attributed_sales_minor"),
            ATTRIBUTED_CHOICES,
            group="advertising",
            dimension=dimension,
            uses=("attributed_sales_minor",),
        )
        for name, dimension, suffix in (
            ("attributed_sales", None, ""),
            ("channel_attributed_sales", "ad_channel", ", by ad channel"),
            ("campaign_attributed_sales", "campaign", ", by campaign"),
        )
    ),
    *(
        Metric(
            name,
            "multiple",
            "up",
            "attributed net sales ÷ ad spend" + suffix,
            ATTRIBUTED_ROAS,
            (*ATTRIBUTED_CHOICES, "n/a where the spend is zero."),
            group="advertising",
            aggregation="ratio",
            dimension=dimension,
            uses=("attributed_sales_minor", "spend_minor"),
        )
        for name, dimension, suffix in (
            ("attributed_roas", None, ""),
            ("channel_attributed_roas", "ad_channel", ", by ad channel"),
            ("campaign_attributed_roas", "campaign", ", by campaign"),
        )
    ),
    Metric(
        "mer",
        "multiple",
        "up",
        "net sales ÷ ad spend (revenue over spend)",
        _converted(lambda f: ratio(NET_SALES(f), f.get("spend_minor"))),
        (
            "Marketing efficiency ratio, blended: the store's own net sales, whatever brought "
            "them, over every channel's spend. Some tools divide the other way (spend ÷ "
            "revenue); storepulse's MER is revenue ÷ spend, higher is better.",
            "n/a on a day without spend.",
        ),
        group="advertising",
        aggregation="ratio",
        uses=("gross_minor", "discounts_minor", "returns_minor", "spend_minor"),
    ),
    Metric(
        "cac",
        "money",
        "down",
        "ad spend ÷ new customers",
        _converted(_ratio(_fact("spend_minor"), "new_orders")),
        (
            "Blended customer acquisition cost: all ad spend over the customers whose first "
            "order falls in the period (guests are not customers).",
            "n/a in a period without new customers.",
        ),
        group="advertising",
        aggregation="ratio",
        uses=("spend_minor", "new_orders"),
    ),
    Metric(
        "new_customer_cpa",
        "money",
        "down",
        "ad spend ÷ new-customer orders",
        _converted(_ratio(_fact("spend_minor"), "new_orders")),
        (
            "Spend per first order. A customer has exactly one first order, so it equals CAC "
            "for a store that records its customers; kept apart because a tool that counts "
            "new customers otherwise (say, by email) differs.",
            "n/a in a period without first orders.",
        ),
        group="advertising",
        aggregation="ratio",
        uses=("spend_minor", "new_orders"),
    ),
    # --- ad budgets (from budgets:; tasks/metrics/budgets.py) ---------------------------------
    *(
        Metric(
            name,
            unit,
            "neutral",
            formula,
            lambda f: None,
            (
                "Monthly budgets come from `budgets:` in storepulse.yaml, for the store's whole "
                "spend (dimension value `all`) or one ad channel.",
                "Elapsed share = days of the month through the day ÷ days in the month.",
                "n/a from the first day of the month that holds spend in a currency without a "
                "stated rate: the month-to-date spend is unknown, not smaller.",
                "A week's value is its last day's.",
            ),
            group="budgets",
            aggregation="last",
            dimension="budget",
            version=2,
        )
        for name, unit, formula in BUDGET_METRICS
    ),
)

REGISTRY: dict[str, Metric] = {m.name: m for m in METRICS}

#: The KPIs a morning summary leads with.
HEADLINE = ("net_sales", "orders", "aov", "conversion_rate", "new_customers", "refund_rate")


def metric(name: str) -> Metric:
    try:
        return REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown metric {name!r}") from None


def unit_of(name: str) -> Unit:
    """A metric's unit; a name the registry no longer has (rows stored by an older version)
    is read as a count."""
    found = REGISTRY.get(name)
    return found.unit if found else "count"
