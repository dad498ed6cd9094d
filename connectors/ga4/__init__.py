"""GA4: daily traffic funnel by channel through Google's Data API client (opened by
``connectors.stores``)."""

from __future__ import annotations

from connectors.ga4.client import Ga4Source, QuotaReading, load_key
from connectors.ga4.report import parse_rows

__all__ = ["Ga4Source", "QuotaReading", "load_key", "parse_rows"]
