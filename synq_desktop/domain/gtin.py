"""GTIN-8/12/13/14 barcodes with the GS1 mod-10 check digit."""
from __future__ import annotations

GTIN_LENGTHS = (8, 12, 13, 14)


def gs1_check_digit(body: str) -> int:
    """Check digit for the digits `body` (a GTIN without its last digit)."""
    total = 0
    for position, char in enumerate(reversed(body)):
        digit = ord(char) - 48
        total += digit * (3 if position % 2 == 0 else 1)
    return (10 - total % 10) % 10


def is_valid_gtin(code: str | None) -> bool:
    """True for a GTIN-8, -12, -13 or -14 whose check digit is right."""
    if not code or len(code) not in GTIN_LENGTHS or not code.isascii() or not code.isdigit():
        return False
    return gs1_check_digit(code[:-1]) == ord(code[-1]) - 48


def complete_gtin(body: str) -> str:
    """`body` followed by its check digit (body of 7, 11, 12 or 13 digits)."""
    if len(body) + 1 not in GTIN_LENGTHS or not body.isdigit():
        raise ValueError(f"a GTIN body has 7, 11, 12 or 13 digits, not {body!r}")
    return body + str(gs1_check_digit(body))
