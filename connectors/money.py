"""Exact money: ``Decimal`` at the boundary, integer minor units in the warehouse."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

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


def parse_amount(value: object) -> Decimal:
    """Turn a platform amount (a string such as ``"12.30"``, or a JSON number) into a Decimal.

    JSON numbers go through ``str`` so that ``195.66`` stays exactly 195.66.

    Raises:
        ValueError: the value is not a finite decimal amount.
    """
    if isinstance(value, bool) or value is None:
        raise ValueError(f"not an amount: {value!r}")
    try:
        amount = Decimal(value if isinstance(value, str) else str(value))
    except InvalidOperation:
        raise ValueError(f"not an amount: {value!r}") from None
    if not amount.is_finite():
        raise ValueError(f"not an amount: {value!r}")
    return amount


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
