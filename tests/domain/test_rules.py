from decimal import Decimal

import pytest

from synq_desktop.domain.currency import is_currency, minor_units
from synq_desktop.domain.gtin import complete_gtin, is_valid_gtin
from synq_desktop.domain.money import MoneyError, fits_currency, parse_money
from synq_desktop.domain.slug import is_valid_slug, slugify
from synq_desktop.domain.validation import IssueType, check_product, check_slug, check_variant, quality_score


@pytest.mark.parametrize("code", ["0012345678905", "96385074", "012345678905", "10012345678902"])
def test_valid_gtins(code):
    assert is_valid_gtin(code)


@pytest.mark.parametrize("code", ["0012345678904", "123", "", None, "abcdefghijklm", "00123456789051"])
def test_invalid_gtins(code):
    assert not is_valid_gtin(code)


def test_complete_gtin_round_trip():
    assert is_valid_gtin(complete_gtin("400638133393"))


def test_money_parsing():
    assert parse_money(89.99) == Decimal("89.99")
    assert parse_money("89.99") == Decimal("89.99")
    assert parse_money("1 234,5") == Decimal("1234.5")
    for bad in ("abc", None, True, float("nan"), "Infinity"):
        with pytest.raises(MoneyError):
            parse_money(bad)


def test_currency_decimals():
    assert is_currency("EUR") and not is_currency("eur") and not is_currency("XXX")
    assert minor_units("JPY") == 0 and minor_units("KWD") == 3
    assert fits_currency(Decimal("10.50"), "USD") and not fits_currency(Decimal("10.5"), "JPY")
    assert fits_currency(Decimal("10.00"), "JPY")


def test_slugs():
    assert is_valid_slug("mens-outerwear") and not is_valid_slug("Mens") and not is_valid_slug("a--b")
    assert slugify("Men's Outerwear") == "men-s-outerwear"
    assert check_slug("ok-slug") is None and check_slug("ok-slug", taken=True) is not None


def test_variant_rules_and_score():
    findings = check_variant("SKU-1", "0012345678904", "1.999", "USD", sku_taken=True)
    kinds = {f.issue_type for f in findings}
    assert kinds == {IssueType.DUPLICATE_SKU, IssueType.INVALID_BARCODE, IssueType.INVALID_PRICE}
    assert check_variant("SKU-2", "0012345678905", "9.99", "USD") == []
    product = check_product("", None, variant_count=0)
    assert {f.issue_type for f in product} == {
        IssueType.MISSING_TITLE, IssueType.MISSING_DESCRIPTION, IssueType.NO_VARIANTS
    }
    assert quality_score(product) == 100 - 25 - 10 - 10
