"""Money as Decimal: parsing what servers and users send, and checking decimals per currency."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from synq_desktop.domain.currency import minor_units


class MoneyError(ValueError):
    """A value that is not an amount of money."""


def parse_money(value: object) -> Decimal:
    """Decimal from a JSON number, a numeric string ("89.99", " 89,99 "), or a Decimal.

    Floats go through `repr` so 89.99 stays 89.99 rather than its binary expansion. Booleans,
    NaN and infinities are refused.
    """
    if isinstance(value, bool) or value is None:
        raise MoneyError(f"not an amount: {value!r}")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(repr(value))
    elif isinstance(value, str):
        text = value.strip().replace("\u00a0", "").replace(" ", "")
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")
        try:
            result = Decimal(text)
        except InvalidOperation:
            raise MoneyError(f"not an amount: {value!r}") from None
    else:
        raise MoneyError(f"not an amount: {value!r}")
    if not result.is_finite():
        raise MoneyError(f"not an amount: {value!r}")
    return result


def decimals_of(amount: Decimal) -> int:
    """Number of decimals written in `amount` (trailing zeros count: 1.50 has 2)."""
    exponent = amount.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def fits_currency(amount: Decimal, currency: str) -> bool:
    """True when `amount` has no more decimals than `currency` allows (trailing zeros ignored)."""
    normalized = amount.normalize() if amount != 0 else Decimal(0)
    return decimals_of(normalized) <= minor_units(currency)


def money_text(amount: Decimal | None) -> str:
    """The canonical string form, as servers return it ("89.99")."""
    return "" if amount is None else format(amount, "f")
