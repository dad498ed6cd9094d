"""Read a GA4 property's daily funnel by channel through Google's Data API client.

The client is Google's ``google-analytics-data`` on its REST transport, authorised by a
service account's key (``google-auth``): the key's ``token_uri`` is where the access token is
fetched (the JWT bearer grant), ``endpoint`` is where reports are asked for. Both are Google's in
production and the local stand-in's (``connectors/sandbox/ga4.py``) in tests and the demo.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import requests
from google.analytics.data_v1beta import BetaAnalyticsDataClient
from google.analytics.data_v1beta.services.beta_analytics_data.transports.rest import (
    BetaAnalyticsDataRestTransport,
)
from google.analytics.data_v1beta.types import (
    DateRange,
    Dimension,
    Metric,
    OrderBy,
    RunReportRequest,
    RunReportResponse,
)
from google.api_core import exceptions as google_errors
from google.auth import exceptions as auth_errors
from google.oauth2 import service_account
from pydantic import SecretStr

from connectors.base import Page, TrafficDay
from connectors.errors import (
    AuthError,
    ConfigError,
    ConnectorError,
    RateLimitError,
    ResponseError,
    excerpt,
)
from connectors.ga4.report import ReportFlags, parse_rows, sampled_share
from connectors.ga4.settings import (
    DAILY_QUOTA_MARKERS,
    DEFAULT_ENDPOINT,
    DIMENSIONS,
    MAX_LIMIT,
    METRICS,
    PAGE_SIZE,
    QUOTA_BACKOFF_SECONDS,
    QUOTA_TRIES,
    SCOPE,
)
from connectors.http import RequestStats

log = logging.getLogger("storepulse.ga4")
KEY_FIELDS = ("client_email", "private_key", "token_uri")


@dataclass(frozen=True, slots=True)
class QuotaReading:
    """The property's quota after the last request (``propertyQuota``): tokens left."""

    tokens_per_day: int
    tokens_per_hour: int

    def text(self) -> str:
        return (
            f"GA4 quota left: {self.tokens_per_day:,} tokens today, "
            f"{self.tokens_per_hour:,} this hour"
        )


def load_key(store: str, secret: SecretStr) -> dict[str, Any]:
    """The service account key JSON, checked for what the token flow needs.

    Raises:
        ConfigError: the secret is not a key JSON; the message never quotes it.
    """
    try:
        info = json.loads(secret.get_secret_value())
    except ValueError:
        raise ConfigError(
            f"store {store!r}: the GA4 credentials are not JSON (give the service account's "
            "key file content)"
        ) from None
    missing = [k for k in KEY_FIELDS if not isinstance(info, dict) or not info.get(k)]
    if missing:
        raise ConfigError(
            f"store {store!r}: the GA4 service account key lacks {', '.join(missing)}"
        )
    return dict(info)


class Ga4Source:
    """One store's GA4 property: its daily traffic funnel by channel, page by page."""

    def __init__(
        self,
        store: str,
        property_id: str,
        key: dict[str, Any],
        *,
        currency: str,
        exponent: int,
        endpoint: str | None = None,
        timeout: float = 30.0,
        page_size: int = PAGE_SIZE,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.store = store
        self.property_id = property_id
        self.currency = currency
        self.exponent = exponent
        self.timeout = timeout
        self.page_size = min(page_size, MAX_LIMIT)
        self.quota: QuotaReading | None = None
        #: The timezone GA4 reports the property's days in (its metadata's ``timeZone``).
        self.time_zone: str | None = None
        self._sleep = sleep
        self._stats = RequestStats()
        try:
            credentials = service_account.Credentials.from_service_account_info(key, scopes=[SCOPE])
        except (ValueError, KeyError):
            raise ConfigError(
                f"store {store!r}: the GA4 service account key cannot be read (its private key "
                "or fields are malformed)"
            ) from None
        # Built by hand so that the token comes from the key's token_uri (the OAuth grant),
        # not from a self-signed JWT the client would otherwise prefer.
        transport = BetaAnalyticsDataRestTransport(
            host=(endpoint or DEFAULT_ENDPOINT), credentials=credentials
        )
        self._client = BetaAnalyticsDataClient(transport=transport)

    @property
    def where(self) -> str:
        return f"store {self.store!r}: GA4 property {self.property_id}"

    def traffic(self, first: date, last: date) -> Iterator[Page[TrafficDay]]:
        """Each page of the funnel by day and channel for ``first``…``last`` (both included,
        in the property's timezone), paged with ``offset`` until ``rowCount`` rows are read."""
        offset = 0
        while True:
            response = self._run(self._request(first, last, offset))
            self._note(response)
            dims = [h.name for h in response.dimension_headers]
            metrics = [h.name for h in response.metric_headers]
            rows = [
                ([v.value for v in r.dimension_values], [v.value for v in r.metric_values])
                for r in response.rows
            ]
            yield parse_rows(
                self.where, dims, metrics, rows, _flags(response), self.exponent, offset + 1
            )
            offset += len(rows)
            if not rows or offset >= response.row_count:
                return

    def _request(self, first: date, last: date, offset: int) -> RunReportRequest:
        return RunReportRequest(
            property=f"properties/{self.property_id}",
            date_ranges=[DateRange(start_date=first.isoformat(), end_date=last.isoformat())],
            dimensions=[Dimension(name=name) for name in DIMENSIONS],
            metrics=[Metric(name=name) for name in METRICS.values()],
            order_bys=[
                OrderBy(dimension=OrderBy.DimensionOrderBy(dimension_name=name))
                for name in DIMENSIONS
            ],
            currency_code=self.currency,
            limit=self.page_size,
            offset=offset,
            return_property_quota=True,
        )

    def _run(self, request: RunReportRequest) -> RunReportResponse:
        """One request; quota refusals waited out and retried a bounded number of times."""
        pause = QUOTA_BACKOFF_SECONDS
        for attempt in range(1, QUOTA_TRIES + 1):
            self._stats.requests += 1
            try:
                return self._client.run_report(request=request, timeout=self.timeout)
            except google_errors.TooManyRequests as exc:
                message = str(exc.message)
                daily = any(m in message.lower() for m in DAILY_QUOTA_MARKERS)
                if daily or attempt == QUOTA_TRIES:
                    raise RateLimitError(
                        f"{self.where}: quota exhausted after {attempt} "
                        f"{'try' if attempt == 1 else 'tries'} ({excerpt(message)}); "
                        + ("it returns within 24 hours" if daily else "try again later")
                    ) from None
                log.warning("%s: quota refused (%s), waiting %.0fs", self.where, message, pause)
                self._stats.throttle_waits += 1
                self._stats.throttled_429 += 1
                self._stats.wait_seconds += pause
                self._sleep(pause)
                pause *= 2
            except google_errors.GoogleAPICallError as exc:
                raise _translated(self.where, exc) from None
            except auth_errors.RefreshError as exc:
                raise AuthError(
                    f"{self.where}: the service account's token was refused ({excerpt(str(exc))})"
                ) from None
            except (requests.ConnectionError, requests.Timeout, auth_errors.TransportError):
                raise ConnectorError(f"{self.where}: the GA4 Data API is unreachable") from None
        raise AssertionError("unreachable")  # the loop returns or raises

    def _note(self, response: RunReportResponse) -> None:
        self.time_zone = response.metadata.time_zone or self.time_zone
        quota = response.property_quota
        if "property_quota" in response:
            self.quota = QuotaReading(
                quota.tokens_per_day.remaining, quota.tokens_per_hour.remaining
            )
            log.info("%s: %s", self.where, self.quota.text())

    def stats(self) -> RequestStats:
        snapshot = RequestStats()
        snapshot.add(self._stats)
        return snapshot

    def close(self) -> None:
        self._client.transport.close()


def _flags(response: RunReportResponse) -> ReportFlags:
    meta = response.metadata
    return ReportFlags(
        sampled_share=sampled_share(
            (s.samples_read_count, s.sampling_space_size) for s in meta.sampling_metadatas
        ),
        thresholded=bool(meta.subject_to_thresholding),
        other_row=bool(meta.data_loss_from_other_row),
    )


def _translated(where: str, exc: google_errors.GoogleAPICallError) -> ConnectorError:
    status = f"{exc.code} {excerpt(str(exc.message))}"
    if isinstance(exc, google_errors.Unauthorized | google_errors.Forbidden):
        return AuthError(f"{where}: access refused ({status})")
    if isinstance(exc, google_errors.ServerError):
        return ConnectorError(f"{where}: GA4 failed ({status})")
    return ResponseError(f"{where}: GA4 refused the report ({status})")
