from __future__ import annotations

from decimal import Decimal

import pytest

from connectors.money import currency_exponent, from_minor, to_minor


@pytest.mark.parametrize(("currency", "exponent"), [("USD", 2), ("jpy", 0), ("KWD", 3), ("CNY", 2)])
def test_currency_exponents(currency: str, exponent: int) -> None:
    assert currency_exponent(currency) == exponent


def test_decimal_sums_keep_every_cent() -> None:
    assert to_minor(Decimal("0.1") + Decimal("0.2"), 2) == 30


def test_minor_units_refuse_to_round() -> None:
    assert to_minor(Decimal("12.30"), 2) == 1230
    assert to_minor(Decimal("1500"), 0) == 1500
    with pytest.raises(ValueError, match="more than 2 decimals"):
        to_minor(Decimal("12.345"), 2)
    assert from_minor(1230, 2) == Decimal("12.30")
    assert from_minor(-5, 3) == Decimal("-0.005")
