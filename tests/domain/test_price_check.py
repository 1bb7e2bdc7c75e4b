"""check_price's fast path (a plain amount is accepted without building a Decimal) must answer exactly as the
original check (parse_money, then negative, then the currency's decimals) for every price and currency."""
from __future__ import annotations

import itertools
import random
from decimal import Decimal

from synq_desktop.domain.currency import is_currency, minor_units
from synq_desktop.domain.money import MoneyError, fits_currency, parse_money
from synq_desktop.domain.validation import Finding, IssueType, check_price

CURRENCIES = ("USD", "EUR", "JPY", "KRW", "KWD", "BHD", "TND", "CLF", "XXX", "usd", "", None)
WHOLE = ("0", "00", "000", "01", "007", "1", "9", "10", "100", "120", "1234567", "99999999999999999999", "")
DECIMALS = ("", ".", ".0", ".00", ".000", ".0000", ".00000", ".5", ".50", ".500", ".5000", ".05", ".050",
            ".005", ".0050", ".0005", ".25", ".250", ".125", ".1250", ".1234", ".12340", ".12345", ".99", ".999",
            ".9999", ".10", ".100", ".01", ".001", ".0001")
WRAPS = ("{}", "-{}", "+{}", " {}", "{} ", "\u00a0{}", "{},", "-{}0")
ODD = ("", " ", "  ", "abc", "1e3", "1E-2", "1e-3", "NaN", "nan", "Infinity", "-Infinity", "inf", "1,5", "1,50",
       "1,500", "1,505", "0,001", "1 234,5", "1 234,567", "1,234.56", "1.234,56", "1_000", "0x10", "--1", "1.2.3",
       ".5", "5.", "-.5", "١٢", "١٢.٥", "1.5\n", "\t1.5", "1.5.", "0.", "00.", "-0", "-0.00", "+0", "1 .5", "1. 5")


def original_check_price(price: object, currency: str | None, field: str = "price",
                         required: bool = True) -> Finding | None:
    """check_price as it was before the fast path (commit cdc89aa), restated as the reference."""
    if price is None or (isinstance(price, str) and not price.strip()):
        if required:
            return Finding(IssueType.INVALID_PRICE, field, "The variant has no price.")
        return None
    try:
        amount = parse_money(price)
    except MoneyError:
        return Finding(IssueType.INVALID_PRICE, field, f"{price!r} is not a price.")
    if amount < 0:
        return Finding(IssueType.INVALID_PRICE, field, "A price cannot be negative.")
    if currency and is_currency(currency) and not fits_currency(amount, currency):
        places = minor_units(currency)
        return Finding(
            IssueType.INVALID_PRICE, field, f"{currency} allows {places} decimal{'s' if places != 1 else ''}, "
            f"{amount} has more."
        )
    return None


def price_corpus() -> list[str]:
    built = {wrap.format(whole + decimals) for whole, decimals, wrap in itertools.product(WHOLE, DECIMALS, WRAPS)}
    rng = random.Random(20261127)  # fixed: the same corpus every run
    alphabet = "0000111599.,- e"
    built.update("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 8))) for _ in range(4000))
    return sorted(built | set(ODD))


def test_the_fast_path_answers_as_the_original_check_for_every_price_and_currency() -> None:
    corpus = price_corpus()
    assert len(corpus) > 5000
    differences = []
    accepted = refused = 0
    for price, currency in itertools.product(corpus, CURRENCIES):
        for field, required in (("price", True), ("cost_price", False)):
            want = original_check_price(price, currency, field, required)
            got = check_price(price, currency, field, required)
            if got != want:
                differences.append((price, currency, required, got, want))
            if want is None:
                accepted += 1
            else:
                refused += 1
    assert differences == []
    assert accepted > 50_000 and refused > 50_000  # both answers well represented


def test_the_cases_the_fast_path_must_get_right() -> None:
    assert check_price("1.500", "USD") is None  # trailing zeros are not decimals
    assert check_price("1.505", "USD") is not None and check_price("1.5050", "USD") is not None
    assert check_price("1.0", "JPY") is None and check_price("10.", "JPY") is None
    assert check_price("1.5", "JPY") is not None and check_price("0.50", "JPY") is not None
    assert check_price("1.250", "KWD") is None and check_price("1.2505", "KWD") is not None
    assert check_price("1.999", "XXX") is None and check_price("1.999", None) is None  # no currency to check by
    assert check_price("-1.00", "USD").message == "A price cannot be negative."
    assert check_price("01.50", "USD") is None and check_price("01.505", "USD") is not None  # slow path
    assert check_price(" 1.5 ", "EUR") is None and check_price("1,505", "EUR") is not None  # slow path
    assert check_price("abc", "EUR").message == "'abc' is not a price."
    assert check_price("", "EUR").message == "The variant has no price."
    assert check_price("", "EUR", required=False) is None


def test_non_string_prices_answer_as_the_original_check() -> None:
    for price, currency in itertools.product(
            (None, 0, 7, -3, 1.5, 1.505, 12.0, Decimal("1.500"), Decimal("1.505"), Decimal("-0.5"), True, [1], {}),
            CURRENCIES):
        assert check_price(price, currency) == original_check_price(price, currency), (price, currency)
