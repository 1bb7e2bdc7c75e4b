"""Slugs: lowercase words of ASCII letters and digits joined by single hyphens."""
from __future__ import annotations

import re
import unicodedata

SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
_SLUG_RE = re.compile(SLUG_PATTERN)
MAX_SLUG_LENGTH = 120


def is_valid_slug(slug: str | None) -> bool:
    return slug is not None and len(slug) <= MAX_SLUG_LENGTH and _SLUG_RE.match(slug) is not None


def slugify(text: str) -> str:
    """A valid slug made from free text ("Men's Outerwear" -> "men-s-outerwear")."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:MAX_SLUG_LENGTH].strip("-") or "item"
