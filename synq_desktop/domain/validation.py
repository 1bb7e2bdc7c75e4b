"""The validation rules of API.md, shared by the sandbox's /validation and the client's checks as you type.

Every check is a pure function of the record's fields plus the few facts about its neighbours that a
rule needs (is this SKU taken elsewhere, which required attributes are missing), so the sandbox can
feed it from SQL and the editor from its working copy.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from synq_desktop.domain.currency import is_currency, minor_units
from synq_desktop.domain.gtin import is_valid_gtin
from synq_desktop.domain.money import MoneyError, fits_currency, parse_money
from synq_desktop.domain.slug import SLUG_PATTERN, is_valid_slug


class Severity(StrEnum):
    ERROR = "ERROR"
    WARNING = "WARNING"


class IssueType(StrEnum):
    MISSING_TITLE = "MISSING_TITLE"
    DUPLICATE_SKU = "DUPLICATE_SKU"
    INVALID_BARCODE = "INVALID_BARCODE"
    INVALID_CURRENCY = "INVALID_CURRENCY"
    INVALID_PRICE = "INVALID_PRICE"
    MISSING_REQUIRED_ATTRIBUTE = "MISSING_REQUIRED_ATTRIBUTE"
    MISSING_DESCRIPTION = "MISSING_DESCRIPTION"
    NO_VARIANTS = "NO_VARIANTS"
    MISSING_ALT_TEXT = "MISSING_ALT_TEXT"
    INVALID_SLUG = "INVALID_SLUG"


SEVERITY: dict[IssueType, Severity] = {
    IssueType.MISSING_TITLE: Severity.ERROR,
    IssueType.DUPLICATE_SKU: Severity.ERROR,
    IssueType.INVALID_BARCODE: Severity.ERROR,
    IssueType.INVALID_CURRENCY: Severity.ERROR,
    IssueType.INVALID_PRICE: Severity.ERROR,
    IssueType.MISSING_REQUIRED_ATTRIBUTE: Severity.ERROR,
    IssueType.MISSING_DESCRIPTION: Severity.WARNING,
    IssueType.NO_VARIANTS: Severity.WARNING,
    IssueType.MISSING_ALT_TEXT: Severity.WARNING,
    IssueType.INVALID_SLUG: Severity.ERROR,
}

# Points a quality score loses per open issue (API.md: 100 minus a weight per open issue).
WEIGHT: dict[Severity, int] = {Severity.ERROR: 25, Severity.WARNING: 10}


@dataclass(frozen=True, slots=True)
class Finding:
    """One broken rule on one record: what, how bad, which field, and a sentence for a person."""

    issue_type: IssueType
    field: str | None
    message: str

    @property
    def severity(self) -> Severity:
        return SEVERITY[self.issue_type]


def _blank(text: str | None) -> bool:
    return text is None or not text.strip()


def check_product(
    title: str | None,
    description: str | None,
    variant_count: int | None = None,
    missing_required: Iterable[str] = (),
) -> list[Finding]:
    """Rules for a product. `variant_count` None skips NO_VARIANTS (count unknown);
    `missing_required` names the template's required attributes the product lacks."""
    found: list[Finding] = []
    if _blank(title):
        found.append(Finding(IssueType.MISSING_TITLE, "title", "The product has no title."))
    if _blank(description):
        found.append(Finding(IssueType.MISSING_DESCRIPTION, "description", "The product has no description."))
    if variant_count == 0:
        found.append(Finding(IssueType.NO_VARIANTS, None, "The product has no variant."))
    for name in missing_required:
        found.append(
            Finding(IssueType.MISSING_REQUIRED_ATTRIBUTE, name, f"The template requires the attribute {name!r}.")
        )
    return found


def check_barcode(barcode: str | None) -> Finding | None:
    if _blank(barcode):
        return None
    if not is_valid_gtin(barcode):
        return Finding(
            IssueType.INVALID_BARCODE,
            "barcode",
            f"{barcode!r} is not a GTIN-8, -12, -13 or -14 with a correct check digit.",
        )
    return None


def check_currency(currency: str | None) -> Finding | None:
    if not is_currency(currency):
        return Finding(IssueType.INVALID_CURRENCY, "currency", f"{currency!r} is not an ISO 4217 currency code.")
    return None


# A price as servers write it: digits, maybe decimals. Group 1: the decimals without trailing zeros.
_PLAIN_AMOUNT = re.compile(r"(?:0|[1-9][0-9]*)(?:\.([0-9]*?)0*)?")


def check_price(price: object, currency: str | None, field: str = "price", required: bool = True) -> Finding | None:
    """A missing (when required), unreadable or over-precise price. Negative prices are malformed
    input, refused by the server rather than listed, but the client still warns."""
    if type(price) is str:
        # Fast path for the common, valid form (a pull checks 100,000 of them): no Decimal built.
        plain = _PLAIN_AMOUNT.fullmatch(price)
        if plain is not None and (not currency or not is_currency(currency)
                                  or len(plain.group(1) or "") <= minor_units(currency)):
            return None
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


def check_variant(
    sku: str | None,
    barcode: str | None,
    price: object,
    currency: str | None,
    cost_price: object = None,
    sku_taken: bool = False,
    missing_required: Iterable[str] = (),
) -> list[Finding]:
    """Rules for a variant; `sku_taken` says another variant of the tenant has the same SKU."""
    found: list[Finding] = []
    if sku_taken and not _blank(sku):
        found.append(Finding(IssueType.DUPLICATE_SKU, "sku", f"The SKU {sku!r} is used by another variant."))
    for finding in (
        check_barcode(barcode),
        check_currency(currency),
        check_price(price, currency),
        check_price(cost_price, currency, field="cost_price", required=False),
    ):
        if finding is not None:
            found.append(finding)
    for name in missing_required:
        found.append(
            Finding(IssueType.MISSING_REQUIRED_ATTRIBUTE, name, f"The template requires the attribute {name!r}.")
        )
    return found


def check_media(alt_text: str | None) -> list[Finding]:
    if _blank(alt_text):
        return [Finding(IssueType.MISSING_ALT_TEXT, "alt_text", "The image has no alt text.")]
    return []


def check_slug(slug: str | None, taken: bool = False) -> Finding | None:
    if not is_valid_slug(slug):
        return Finding(
            IssueType.INVALID_SLUG, "slug", f"{slug!r} is not a slug: lowercase letters and digits joined by "
            f"single hyphens ({SLUG_PATTERN})."
        )
    if taken:
        return Finding(IssueType.INVALID_SLUG, "slug", f"The slug {slug!r} is taken.")
    return None


def quality_score(findings: Iterable[Finding | IssueType]) -> int:
    """100 minus a weight per open issue, never below 0."""
    score = 100
    for item in findings:
        issue_type = item.issue_type if isinstance(item, Finding) else IssueType(item)
        score -= WEIGHT[SEVERITY[issue_type]]
    return max(score, 0)


def price_as_decimal(price: object) -> Decimal | None:
    """Convenience for callers that want None for an unreadable price."""
    try:
        return parse_money(price)
    except MoneyError:
        return None
