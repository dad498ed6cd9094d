"""Pages of a REST listing → canonical records, the bad records set aside one by one.

A page is decoded in one typed pass; if any record in it does not fit, the page is decoded again
record by record so that only the bad records are set aside, each with a reason that names the
field (``Expected `decimal`, got `str` - at `$.line_items[0].price```). Shopify wraps a page's
records under a key (``{"orders": [...]}``); WordPress sends a bare list.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection
from typing import Any, TypeVar

import msgspec

from connectors.base import Page, Rejected, redact
from connectors.errors import MalformedRecord
from connectors.money import currency_exponent, inexact_amount

P = TypeVar("P")
T = TypeVar("T")


class MalformedPage(ValueError):
    """The page itself is not the listing it should be (no list under its key)."""


class PageReader:
    """Decode pages of one listing into canonical records.

    ``key`` names the list in a ``{"orders": [...]}`` page; ``None`` reads a page that is the
    list itself. ``personal`` are the keys a rejected record leaves redacted; ``what`` names
    one record in a rejection's reason (``order 450789469: …``), by default the key's singular.
    """

    def __init__(
        self,
        key: str | None,
        payload: type[P],
        convert: Callable[[P], T],
        personal: Collection[str],
        what: str | None = None,
    ) -> None:
        self.key = key
        self.what = what or (key or "record").removesuffix("s").replace("_", " ")
        self.convert = convert
        self.personal = personal
        if key is None:
            self._page: msgspec.json.Decoder[Any] = msgspec.json.Decoder(list[payload])  # type: ignore[valid-type]
            self._raw: msgspec.json.Decoder[Any] = msgspec.json.Decoder(list[msgspec.Raw])
        else:
            self._page = msgspec.json.Decoder(dict[str, list[payload]])  # type: ignore[valid-type]
            self._raw = msgspec.json.Decoder(dict[str, list[msgspec.Raw]])
        self._one = msgspec.json.Decoder(payload)

    def read(self, body: bytes, check: Callable[[Any], None] | None = None) -> Page[Any]:
        """Decode a page; a record that does not fit, or that ``check`` refuses with
        ``MalformedRecord``, is set aside with its raw JSON, redacted."""
        try:
            items = self._items(self._page.decode(body))
        except msgspec.ValidationError:
            return self._one_by_one(body, check)
        except msgspec.DecodeError as exc:
            raise MalformedPage(f"body is not JSON: {exc}") from None
        page: Page[Any] = Page(records=[])
        for index, item in enumerate(items):
            try:
                page.records.append(_checked(self.convert(item), check))
            except MalformedRecord as exc:
                raw = self._items(self._raw.decode(body))[index]
                page.rejected.append(rejected(raw, self.what, str(exc), self.personal))
        return page

    def _items(self, decoded: Any) -> list[Any]:
        if self.key is None:
            return list(decoded)
        items = decoded.get(self.key)
        if items is None:
            raise MalformedPage(f"no {self.key!r} list in the response")
        return list(items)

    def _one_by_one(self, body: bytes, check: Callable[[Any], None] | None) -> Page[Any]:
        try:
            raws = self._items(self._raw.decode(body))
        except msgspec.ValidationError as exc:
            what = "no list" if self.key is None else f"no {self.key!r} list"
            raise MalformedPage(f"{what} in the response: {exc}") from None
        page: Page[Any] = Page(records=[])
        for raw in raws:
            try:
                page.records.append(_checked(self.convert(self._one.decode(raw)), check))
            except (msgspec.ValidationError, MalformedRecord) as exc:
                page.rejected.append(rejected(raw, self.what, str(exc), self.personal))
        return page


def fits_currency(currency: str) -> Callable[[object], None]:
    """A check that refuses a record the store's warehouse cannot hold exactly."""
    exponent = currency_exponent(currency)

    def fits(record: object) -> None:
        theirs = getattr(record, "currency", currency)
        if theirs != currency:
            raise MalformedRecord(f"currency {theirs} is not the store's {currency}")
        field = inexact_amount(record, exponent)
        if field is not None:
            raise MalformedRecord(f"{field} has more than {exponent} decimals for {currency}")

    return fits


def _checked(record: T, check: Callable[[Any], None] | None) -> T:
    if check is not None:
        check(record)
    return record


def rejected(raw: msgspec.Raw, what: str, reason: str, personal: Collection[str]) -> Rejected:
    """Set a record aside, redacted, under its id or else a hash of its bytes; the reason names
    the record (``order 450789469: …``, or ``order without an id: …``) so that it reads on its
    own.

    The hash is blake2b, not ``hash()``, whose value for bytes changes with every process: a
    replayed window must find the same quarantine row, not add another.
    """
    try:
        payload = msgspec.json.decode(raw)
    except msgspec.DecodeError:
        payload = {"unparsed": bytes(raw).decode("utf-8", "replace")[:2000]}
    if not isinstance(payload, dict):
        payload = {"value": payload}
    key = payload.get("id")
    if isinstance(key, int):
        return Rejected(str(key), f"{what} {key}: {reason}", redact(payload, personal))
    record_key = f"unidentified:{unidentified_key(raw)}"
    return Rejected(record_key, f"{what} without an id: {reason}", redact(payload, personal))


def unidentified_key(raw: bytes | msgspec.Raw) -> str:
    """A key for a record without an id: the same bytes give the same key in every process."""
    return hashlib.blake2b(bytes(raw), digest_size=8).hexdigest()
