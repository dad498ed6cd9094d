"""Exact money: ``Decimal`` at the boundary, integer minor units in the warehouse."""

from __future__ import annotations

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
