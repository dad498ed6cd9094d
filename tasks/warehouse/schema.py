"""The warehouse tables (SQLAlchemy Core). Alembic migrations create and evolve them.

Conventions: every table is keyed by ``store`` (the configured store name) plus the platform's
natural key; timestamps are UTC; money is integer minor units of the store's currency (columns
ending in ``_minor``), never floats; ``local_date`` and ``local_week`` (the Monday of the ISO
week) are the store-local calendar, computed at load because SQLite has no time zones;
``synced_at`` is bookkeeping and changes on every re-read.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Dialect,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    text,
)


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every engine (SQLite stores it as naive UTC text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def _store() -> Column[str]:
    return Column("store", String(40), primary_key=True)


def _synced() -> Column[datetime]:
    return Column("synced_at", UtcDateTime(), nullable=False)


stores = Table(
    "stores",
    metadata,
    Column("store", String(40), primary_key=True),
    Column("platform", String(20), nullable=False),
    Column("shop_id", BigInteger),
    Column("shop_name", Text),
    Column("timezone", String(64), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("currency_exponent", Integer, nullable=False),
    Column("shop_created_at", UtcDateTime()),
    Column("plan", String(40)),
    _synced(),
)

orders = Table(
    "orders",
    metadata,
    _store(),
    Column("order_id", BigInteger, primary_key=True, autoincrement=False),
    Column("name", String(64), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("processed_at", UtcDateTime(), nullable=False),
    Column("cancelled_at", UtcDateTime()),
    Column("cancel_reason", String(40)),
    Column("closed_at", UtcDateTime()),
    Column("fulfilled_at", UtcDateTime()),
    Column("deleted_at", UtcDateTime()),
    #: The store-local day and ISO week (its Monday) of ``processed_at``.
    Column("local_date", Date, nullable=False),
    Column("local_week", Date, nullable=False),
    #: The store-local days of ``cancelled_at`` and ``fulfilled_at``.
    Column("cancelled_local_date", Date),
    Column("fulfilled_local_date", Date),
    Column("financial_status", String(32)),
    Column("fulfillment_status", String(32)),
    Column("currency", String(3), nullable=False),
    Column("presentment_currency", String(3)),
    Column("source_name", String(64)),
    Column("test", Boolean, nullable=False),
    Column("customer_id", BigInteger),
    Column("country_code", String(2)),
    Column("taxes_included", Boolean, nullable=False),
    Column("line_items_minor", BigInteger, nullable=False),
    Column("discounts_minor", BigInteger, nullable=False),
    Column("subtotal_minor", BigInteger, nullable=False),
    Column("shipping_minor", BigInteger, nullable=False),
    Column("tax_minor", BigInteger, nullable=False),
    Column("total_minor", BigInteger, nullable=False),
    Column("current_total_minor", BigInteger),
    Column("tags", Text, nullable=False),
    #: The visit's marketing source (``connectors/attribution.py``): its UTM values, the name
    #: of the ad click id it carried, and the channel they map to; null where the platform
    #: records none (marketplaces, point of sale). Never a URL.
    Column("utm_source", String(255)),
    Column("utm_medium", String(255)),
    Column("utm_campaign", String(255)),
    Column("click_id", String(16)),
    Column("marketing_channel", String(32)),
    _synced(),
    #: When storepulse first saw the order: a new order can change who counts as a new customer.
    Column("first_synced_at", UtcDateTime()),
    #: A fingerprint of what the order's own day reads, and when it last changed: re-reading an
    #: order whose only news is a refund does not reopen the order's day.
    Column("content_hash", String(16)),
    Column("changed_at", UtcDateTime()),
    #: The order's place in its customer's history (1 = their first) and the day of the one
    #: before; kept by the metrics computation, null for guests and orders not counted.
    Column("customer_order_number", Integer),
    Column("previous_order_date", Date),
    #: Of ``discounts_minor``, what the shop funded and what the platform funded, where the
    #: source says (marketplace exports that list them apart); null where it does not.
    Column("discount_shop_minor", BigInteger),
    Column("discount_platform_minor", BigInteger),
    Index(None, "store", "local_date"),
    Index(None, "store", "changed_at"),
    Index(None, "store", "customer_id"),
    Index(None, "store", "cancelled_local_date"),
    Index(None, "store", "fulfilled_local_date"),
)

order_lines = Table(
    "order_lines",
    metadata,
    _store(),
    Column("line_id", BigInteger, primary_key=True, autoincrement=False),
    Column("order_id", BigInteger, nullable=False),
    Column("product_id", BigInteger),
    Column("variant_id", BigInteger),
    Column("sku", String(255)),
    Column("title", Text, nullable=False),
    Column("variant_title", Text),
    Column("vendor", Text),
    Column("quantity", Integer, nullable=False),
    Column("current_quantity", Integer),
    Column("price_minor", BigInteger, nullable=False),
    Column("discount_minor", BigInteger, nullable=False),
    Column("tax_minor", BigInteger, nullable=False),
    Column("gift_card", Boolean, nullable=False),
    Column("fulfillment_status", String(32)),
    Index(None, "store", "order_id"),
)

order_discount_codes = Table(
    "order_discount_codes",
    metadata,
    _store(),
    Column("order_id", BigInteger, primary_key=True, autoincrement=False),
    Column("code", String(255), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
)

refunds = Table(
    "refunds",
    metadata,
    _store(),
    Column("refund_id", BigInteger, primary_key=True, autoincrement=False),
    Column("order_id", BigInteger, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("processed_at", UtcDateTime(), nullable=False),
    #: The store-local day and ISO week (its Monday) of ``processed_at``.
    Column("local_date", Date, nullable=False),
    Column("local_week", Date, nullable=False),
    Column("lines_subtotal_minor", BigInteger, nullable=False),
    Column("lines_tax_minor", BigInteger, nullable=False),
    Column("shipping_minor", BigInteger, nullable=False),
    Column("shipping_tax_minor", BigInteger, nullable=False),
    Column("adjustments_minor", BigInteger, nullable=False),
    Column("transactions_minor", BigInteger, nullable=False),
    Column("restock", Boolean, nullable=False),
    #: When storepulse first saw the refund: a new refund reopens its own day.
    Column("first_synced_at", UtcDateTime()),
    Index(None, "store", "order_id"),
    Index(None, "store", "local_date"),
)

refund_lines = Table(
    "refund_lines",
    metadata,
    _store(),
    Column("refund_line_id", BigInteger, primary_key=True, autoincrement=False),
    Column("refund_id", BigInteger, nullable=False),
    Column("order_id", BigInteger, nullable=False),
    Column("line_id", BigInteger, nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("subtotal_minor", BigInteger, nullable=False),
    Column("tax_minor", BigInteger, nullable=False),
    Column("restock_type", String(32)),
    Index(None, "store", "order_id"),
)

customers = Table(
    "customers",
    metadata,
    _store(),
    Column("customer_id", BigInteger, primary_key=True, autoincrement=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("state", String(32)),
    Column("country_code", String(2)),
    Column("tags", Text, nullable=False),
    Column("accepts_marketing", Boolean, nullable=False),
    _synced(),
)

products = Table(
    "products",
    metadata,
    _store(),
    Column("product_id", BigInteger, primary_key=True, autoincrement=False),
    Column("title", Text, nullable=False),
    Column("product_type", Text),
    Column("vendor", Text),
    Column("status", String(32)),
    Column("handle", Text),
    Column("tags", Text, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    _synced(),
)

variants = Table(
    "variants",
    metadata,
    _store(),
    Column("variant_id", BigInteger, primary_key=True, autoincrement=False),
    Column("product_id", BigInteger, nullable=False),
    Column("title", Text, nullable=False),
    Column("sku", String(255)),
    Column("price_minor", BigInteger, nullable=False),
    Column("cost_minor", BigInteger),
    Column("inventory_item_id", BigInteger),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Index(None, "store", "product_id"),
    Index(None, "store", "inventory_item_id"),
)

locations = Table(
    "locations",
    metadata,
    _store(),
    Column("location_id", BigInteger, primary_key=True, autoincrement=False),
    Column("name", Text, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("country_code", String(2)),
    _synced(),
)

inventory_levels = Table(
    "inventory_levels",
    metadata,
    _store(),
    Column("inventory_item_id", BigInteger, primary_key=True, autoincrement=False),
    Column("location_id", BigInteger, primary_key=True, autoincrement=False),
    #: The store-local day the snapshot was taken; one snapshot per day, the latest wins.
    Column("snapshot_date", Date, primary_key=True),
    Column("available", Integer),
    Column("updated_at", UtcDateTime()),
    _synced(),
)

traffic_daily = Table(
    "traffic_daily",
    metadata,
    _store(),
    Column("local_date", Date, primary_key=True),
    Column("channel", String(64), primary_key=True),
    Column("sessions", Integer, nullable=False),
    Column("add_to_carts", Integer, nullable=False),
    Column("checkouts", Integer, nullable=False),
    Column("purchases", Integer, nullable=False),
    #: Where the day came from: ``ga4`` or ``csv``; GA4 wins for the days it covers.
    Column("source", String(32), nullable=False),
    #: GA4 only (a CSV leaves them empty): users, purchase revenue in minor units of the
    #: store's currency, and what GA4 said about the report's quality.
    Column("users", Integer),
    Column("revenue_minor", BigInteger),
    #: The share of events GA4 read when it sampled the report; empty when not sampled.
    Column("sampled_share", Float),
    Column("thresholded", Boolean),
    Column("other_row", Boolean),
    _synced(),
)

sync_state = Table(
    "sync_state",
    metadata,
    _store(),
    Column("resource", String(32), primary_key=True),
    #: Everything with a cursor field before this UTC moment has been committed.
    Column("cursor", UtcDateTime()),
    Column("deep_synced_at", UtcDateTime()),
    Column("last_success_at", UtcDateTime()),
)

sync_runs = Table(
    "sync_runs",
    metadata,
    Column("run_id", String(36), primary_key=True),
    Column("store", String(40), primary_key=True),
    Column("resource", String(32), primary_key=True),
    Column("window_start", UtcDateTime(), primary_key=True),
    Column("window_end", UtcDateTime(), nullable=False),
    Column("started_at", UtcDateTime(), nullable=False),
    Column("finished_at", UtcDateTime(), nullable=False),
    Column("fetched", Integer, nullable=False),
    Column("upserted", Integer, nullable=False),
    Column("quarantined", Integer, nullable=False),
    Column("requests", Integer, nullable=False),
    Column("throttle_waits", Integer, nullable=False),
    Index(None, "store", "finished_at"),
)

quarantine = Table(
    "quarantine",
    metadata,
    _store(),
    Column("resource", String(32), primary_key=True),
    Column("record_key", String(128), primary_key=True),
    Column("reason", Text, nullable=False),
    #: The platform's record as received, personal fields redacted.
    Column("payload", Text, nullable=False),
    Column("first_seen_at", UtcDateTime(), nullable=False),
    Column("last_seen_at", UtcDateTime(), nullable=False),
    Index(None, "last_seen_at"),
)

import_files = Table(
    "import_files",
    metadata,
    _store(),
    #: SHA-256 of the file's bytes: the same export dropped again, under any name, is skipped.
    Column("content_hash", String(64), primary_key=True),
    Column("file_name", Text, nullable=False),
    Column("file_format", String(8), nullable=False),
    Column("kind", String(40), nullable=False),
    #: The latest moment the file's rows record (else when it was imported): the newer wins.
    #: A spend file's: the time it states, else its modification time, else its import.
    Column("exported_at", UtcDateTime(), nullable=False),
    Column("imported_at", UtcDateTime(), nullable=False),
    Column("rows", Integer, nullable=False),
    Column("orders", Integer, nullable=False),
    Column("quarantined", Integer, nullable=False),
)


ad_spend = Table(
    "ad_spend",
    metadata,
    _store(),
    #: The day the ad platform reports (its account's day, taken as the store's local day).
    Column("local_date", Date, primary_key=True),
    #: google_ads, meta, ocean_engine, wanxiangtai, or the generic file's channel.
    Column("channel", String(64), primary_key=True),
    Column("campaign", String(255), primary_key=True),
    #: The currency the export states; converted to the store's with the rates table when the
    #: metrics are computed, day by day (DESIGN rule 2), so rates loaded later still apply.
    Column("currency", String(3), nullable=False),
    Column("spend_minor", BigInteger, nullable=False),
    Column("clicks", BigInteger, nullable=False),
    Column("impressions", BigInteger, nullable=False),
    #: What the platform claims (its own attribution); null when the export has no column.
    Column("conversions", Float),
    Column("conversion_value_minor", BigInteger),
    #: The file that last wrote the row (``import_files.content_hash``).
    Column("content_hash", String(64), nullable=False),
    #: When that file's state was taken (the time it states, else its modification time, else
    #: its import): a file whose time is older does not overwrite the row.
    Column("exported_at", UtcDateTime(), nullable=False),
    _synced(),
    Index(None, "store", "synced_at"),
)

ad_budgets = Table(
    "ad_budgets",
    metadata,
    _store(),
    #: "" for the store's whole spend, else one channel's.
    Column("channel", String(64), primary_key=True),
    #: The first day of the month the budget is for.
    Column("month", Date, primary_key=True),
    #: Minor units of the store's currency; null: the budget was withdrawn.
    Column("budget_minor", BigInteger),
    Column("loaded_at", UtcDateTime(), nullable=False),
)

metric_values = Table(
    "metric_values",
    metadata,
    _store(),
    Column("metric", String(64), primary_key=True),
    #: day, week (period_start is the store-local Monday) or month (the 1st)
    Column("grain", String(8), primary_key=True),
    Column("period_start", Date, primary_key=True),
    #: "" when the metric is not broken down; else channel, product, variant, code…
    Column("dimension", String(32), primary_key=True),
    Column("dimension_value", String(255), primary_key=True),
    #: Money metrics use value_minor (minor units of ``currency``); the others use value.
    #: Both null means "n/a" (a ratio over zero, a day before any inventory snapshot).
    Column("value_minor", BigInteger),
    Column("value", Float),
    Column("currency", String(3)),
    #: The period had ended in the store's timezone when it was computed.
    Column("complete", Boolean, nullable=False),
    Column("definition_version", Integer, nullable=False),
    Column("computed_at", UtcDateTime(), nullable=False),
    Index(None, "store", "grain", "period_start"),
)

metric_state = Table(
    "metric_state",
    metadata,
    _store(),
    Column("metric", String(64), primary_key=True),
    #: The definition version the stored history was computed with.
    Column("definition_version", Integer, nullable=False),
    #: Every warehouse row synced before this moment is reflected in the stored values.
    Column("computed_through", UtcDateTime(), nullable=False),
)

targets = Table(
    "targets",
    metadata,
    _store(),
    Column("metric", String(64), primary_key=True),
    #: month: the target for the whole month starting on period_start; day: for one day.
    Column("grain", String(8), primary_key=True),
    Column("period_start", Date, primary_key=True),
    #: Money targets in minor units of the store's currency; other targets in their unit.
    #: Both null: the target was withdrawn.
    Column("target_minor", BigInteger),
    Column("target", Float),
    Column("source", String(32), nullable=False),
    #: When the target last changed: its month's pacing is recomputed after that.
    Column("loaded_at", UtcDateTime(), nullable=False),
)

unit_costs = Table(
    "unit_costs",
    metadata,
    _store(),
    #: Unit costs from a cost file, by SKU, for variants whose Shopify cost is not recorded.
    Column("sku", String(255), primary_key=True),
    Column("cost_minor", BigInteger, nullable=False),
    Column("source", String(64), nullable=False),
    Column("loaded_at", UtcDateTime(), nullable=False),
)

exchange_rates = Table(
    "exchange_rates",
    metadata,
    Column("day", Date, primary_key=True),
    Column("currency", String(3), primary_key=True),
    Column("reporting_currency", String(3), primary_key=True),
    #: Units of reporting currency per unit of currency, as an exact decimal string.
    Column("rate", String(32), nullable=False),
    Column("source", String(64), nullable=False),
)


# --- checks and alerts -------------------------------------------------------------------------


def _finding() -> list[Column[Any]]:
    """What a finding says, shared by the findings of every run and the alerts they open."""
    return [
        Column("metric", String(64), nullable=False),
        Column("check_name", String(32), nullable=False),
        Column("dimension_value", String(255), nullable=False),
        #: business (the store changed) or data (storepulse's picture of it is wrong)
        Column("kind", String(8), nullable=False),
        Column("severity", String(8), nullable=False),
        *(Column(name, Float) for name in ("actual", "expected", "lower", "upper", "score")),
        Column("message", Text, nullable=False),
        #: JSON: drivers and the slice that moved most.
        Column("explanation", Text, nullable=False),
    ]


check_findings = Table(
    "check_findings",
    metadata,
    _store(),
    #: The store-local day the check looked at.
    Column("check_day", Date, primary_key=True),
    #: store/metric/check[/dimension value]: what one alert stands for.
    Column("fingerprint", String(255), primary_key=True),
    *_finding(),
    Column("recorded_at", UtcDateTime(), nullable=False),
)

alerts = Table(
    "alerts",
    metadata,
    Column("alert_id", String(36), primary_key=True),
    Column("fingerprint", String(255), nullable=False),
    Column("store", String(40), nullable=False),
    *_finding(),
    #: open or resolved; at most one open alert per fingerprint (the partial unique index).
    Column("status", String(8), nullable=False),
    Column("opened_for", Date, nullable=False),
    Column("last_seen_for", Date, nullable=False),
    Column("resolved_for", Date),
    Column("opened_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("acknowledged_at", UtcDateTime()),
    #: Silenced (snoozed or muted) when it opened: recorded, never announced.
    Column("silenced", Boolean, nullable=False),
    Index(
        "uq_alerts_open_fingerprint",
        "fingerprint",
        unique=True,
        sqlite_where=text("status = 'open'"),
        postgresql_where=text("status = 'open'"),
    ),
    Index(None, "store", "status"),
)

alert_events = Table(
    "alert_events",
    metadata,
    Column("alert_id", String(36), primary_key=True),
    Column("seq", Integer, primary_key=True),
    #: opened, updated, resolved, acknowledged
    Column("state", String(16), nullable=False),
    Column("report_date", Date),
    Column("at", UtcDateTime(), nullable=False),
    Column("detail", Text, nullable=False),
)

alert_silences = Table(
    "alert_silences",
    metadata,
    Column("fingerprint", String(255), primary_key=True),
    #: Snoozed through this store-local day; null: muted until unmuted.
    Column("until", Date),
    Column("reason", Text, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)

watch_runs = Table(
    "watch_runs",
    metadata,
    #: One intraday watch run of a store: today's order count against the curve at that moment.
    #: The next run of the day reads it (below the band on two runs running opens an alert).
    _store(),
    #: The store-local moment the run counted up to (naive wall clock), and its day.
    Column("moment", DateTime(), primary_key=True),
    Column("local_date", Date, nullable=False),
    Column("orders", Integer, nullable=False),
    Column("expected", Float, nullable=False),
    Column("lower", Float, nullable=False),
    Column("below", Boolean, nullable=False),
    Column("ran_at", UtcDateTime(), nullable=False),
)

# --- delivery ----------------------------------------------------------------------------------

outbox = Table(
    "outbox",
    metadata,
    #: What the message is for, where it goes and to whom: a rerun finds the same key and sends
    #: nothing twice (digests: report/period/store/channel/recipient).
    Column("key", String(400), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("channel", String(64), nullable=False),
    Column("recipient", String(255), nullable=False),
    Column("language", String(8), nullable=False),
    Column("subject", Text, nullable=False),
    #: JSON: the rendered bodies (text, html, markdown, Slack blocks).
    Column("payload", Text, nullable=False),
    #: pending, sending (claimed by a process, see claimed_at), sent, failed (retried from
    #: next_attempt_at on) or unknown (cut off mid-send by a crash; resent only on request).
    Column("status", String(8), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text),
    Column("next_attempt_at", UtcDateTime(), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    #: When a process claimed it for sending (status sending); None otherwise.
    Column("claimed_at", UtcDateTime()),
    Column("sent_at", UtcDateTime()),
    #: Where it went: a file path, a Slack channel and ts, an SMTP message id.
    Column("reference", Text),
    #: The parts of a split message already delivered (chat robots): a retry sends the rest.
    Column("parts_sent", Integer, nullable=False, server_default=text("0")),
    Index(None, "status", "next_attempt_at"),
)

alert_notices = Table(
    "alert_notices",
    metadata,
    #: One alert state change (an alert_events row) told to one channel: the alert's key in
    #: DESIGN rule 8 (fingerprint, state change, channel, recipient), so nothing is told twice.
    Column("alert_id", String(36), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("channel", String(64), primary_key=True),
    Column("recipient", String(255), primary_key=True),
    #: The grouped message (one per store, run and channel) that told it.
    Column("outbox_key", String(400), nullable=False),
)

robot_sends = Table(
    "robot_sends",
    metadata,
    #: A chat robot's rate limit, shared by every process that posts to it: ``count`` slots per
    #: window, each holding when it was last used; a send takes a slot free for a whole window.
    #: The robot is known by a hash of its webhook URL, never by the URL (a secret).
    Column("robot", String(64), primary_key=True),
    Column("window_ms", Integer, primary_key=True),
    Column("slot", Integer, primary_key=True),
    Column("sent_at", UtcDateTime(), nullable=False),
)

report_pages = Table(
    "report_pages",
    metadata,
    #: A digest or weekly review as one self-contained HTML page (charts inlined), per language:
    #: what ``storepulse reports serve`` shows and the run's artifacts link to, from any machine.
    Column("key", String(400), primary_key=True),  # the report's outbox key: daily/DAY/STORE
    Column("language", String(8), primary_key=True),
    Column("title", Text, nullable=False),
    Column("html", Text, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)
