"""Exact money: ``Decimal`` at the boundary, integer minor units in the warehouse."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

# ISO 4217 currencies whose minor unit is not 1/100. Every other code uses two decimals.
_EXPONENT_EXCEPTIONS = {
    **dict.fromkeys(
        [
            "BIF",
            "CLP",
            "DJF",
            "GNF",
            "ISK",
            "JPY",
            "KMF",
            "KRW",
            "PYG",
            "RWF",
            "UGX",
            "UYI",
            "VND",
            "VUV",
            "XAF",
            "XOF",
            "XPF",
        ],
        0,
    ),
    **dict.fromkeys(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"], 3),
    "CLF": 4,
    "UYW": 4,
}


def currency_exponent(currency: str) -> int:
    """Return how many decimal places the currency's minor unit has (USD 2, JPY 0, KWD 3)."""
    return _EXPONENT_EXCEPTIONS.get(currency.upper(), 2)


def to_minor(amount: Decimal, exponent: int) -> int:
    """Convert a Decimal amount to integer minor units, refusing to round.

    Raises:
        ValueError: the amount has more decimals than the currency allows.
    """
    scaled = amount.scaleb(exponent)
    minor = int(scaled)
    if minor != scaled:
        raise ValueError(f"{amount} has more than {exponent} decimals")
    return minor


def from_minor(minor: int, exponent: int) -> Decimal:
    """Convert integer minor units back to an exact Decimal amount."""
    return Decimal(minor).scaleb(-exponent)


def inexact_amount(record: object, exponent: int) -> str | None:
    """Name the first amount of a canonical record, at any depth, finer than the minor unit.

    Returns:
        A path such as ``lines[2].price``, or None when every amount converts exactly.
    """
    if isinstance(record, Decimal):
        exact = record.as_tuple().exponent
        if isinstance(exact, int) and exact >= -exponent:
            return None  # the common case, decided without arithmetic
        try:
            to_minor(record, exponent)
        except ValueError:
            return ""
        return None
    if isinstance(record, list):
        for index, item in enumerate(record):
            found = inexact_amount(item, exponent)
            if found is not None:
                return f"[{index}]{'.' if found and found[0] != '[' else ''}{found}"
        return None
    for name in _fields(type(record)):
        found = inexact_amount(getattr(record, name), exponent)
        if found is not None:
            return f"{name}{'.' if found and found[0] != '[' else ''}{found}"
    return None


_FIELDS: dict[type, tuple[str, ...]] = {}


def _fields(kind: type) -> tuple[str, ...]:
    """A dataclass's field names (none for any other type), looked up once per type."""
    names = _FIELDS.get(kind)
    if names is None:
        fields = dataclasses.fields(kind) if dataclasses.is_dataclass(kind) else ()
        names = _FIELDS[kind] = tuple(f.name for f in fields)
    return names
