from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from connectors.money import currency_exponent, from_minor, inexact_amount, to_minor


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


@dataclass
class _Line:
    price: Decimal


@dataclass
class _Order:
    total: Decimal
    note: str
    lines: list[_Line] = field(default_factory=list)


def test_an_amount_finer_than_the_minor_unit_is_named_by_its_path() -> None:
    exact = _Order(Decimal("12.30"), "x", [_Line(Decimal("1.500")), _Line(Decimal("2"))])
    assert inexact_amount(exact, 2) is None
    assert inexact_amount(_Order(Decimal("12.345"), "x"), 2) == "total"
    assert inexact_amount(
        _Order(Decimal("1"), "x", [_Line(Decimal("1")), _Line(Decimal("0.5"))]), 0
    ) == ("lines[1].price")
