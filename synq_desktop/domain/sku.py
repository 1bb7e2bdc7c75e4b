"""SKU patterns and the variant matrix.

The variants guide recommends a consistent SKU such as `{PRODUCT_CODE}-{COLOR}-{SIZE}` ("MWS-RED-S").
A pattern names its parts in braces; the product code and option values are turned into SKU codes
(upper-case ASCII letters and digits) before they are put in. The matrix is the cartesian product of
option values, each combination proposed as one variant with its SKU.
"""
from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

DEFAULT_PATTERN = "{PRODUCT_CODE}-{COLOR}-{SIZE}"
PRODUCT_CODE = "PRODUCT_CODE"
_PLACEHOLDER = re.compile(r"\{([A-Za-z][A-Za-z0-9_ ]*)\}")
MAX_MATRIX = 10_000  # a larger matrix is a typo, not a catalog


class SkuPatternError(ValueError):
    """A pattern that cannot be filled: unknown part, missing value, or too many combinations."""


def sku_code(text: str) -> str:
    """The SKU form of a free text: "Navy Blue" -> "NAVY-BLUE", "Größe XL" -> "GROSSE-XL"."""
    folded = unicodedata.normalize("NFKD", text.replace("ß", "ss")).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Z0-9]+", "-", folded.upper()).strip("-")


def _key(name: str) -> str:
    return re.sub(r"[^A-Z0-9]+", "_", name.strip().upper()).strip("_")


def pattern_parts(pattern: str) -> list[str]:
    """The parts a pattern names, normalised ("{color code}" -> "COLOR_CODE"), in order."""
    return [_key(m.group(1)) for m in _PLACEHOLDER.finditer(pattern)]


def render_sku(pattern: str, values: Mapping[str, str]) -> str:
    """Fill `pattern` with `values` (keys match parts case-insensitively; "color" fills {COLOR} and
    {COLOR_CODE}). Empty parts are dropped with their separator, so "{CODE}-{COLOR}-{SIZE}" without a
    size gives "CODE-RED"."""
    table: dict[str, str] = {}
    for name, value in values.items():
        key = _key(name)
        table[key] = sku_code(str(value)) if value is not None else ""
        table.setdefault(f"{key}_CODE", table[key])

    def fill(match: re.Match[str]) -> str:
        key = _key(match.group(1))
        if key not in table:
            raise SkuPatternError(f"the SKU pattern needs a value for {{{match.group(1)}}}")
        return table[key]

    raw = _PLACEHOLDER.sub(fill, pattern)
    return re.sub(r"([-_./])\1+", r"\1", raw).strip("-_./")


@dataclass(frozen=True, slots=True)
class ProposedVariant:
    """One combination of the matrix: its option values (attribute name -> value) and SKU."""

    option_values: dict[str, str]
    sku: str
    exists: bool = False


def variant_matrix(
    product_code: str,
    options: Mapping[str, Sequence[str]],
    pattern: str = DEFAULT_PATTERN,
    existing_skus: Iterable[str] = (),
) -> list[ProposedVariant]:
    """Every combination of `options` (attribute name -> its values, in the order given) as a proposed
    variant. Pattern parts not among the options nor PRODUCT_CODE are an error, so a typo in a pattern
    does not silently produce duplicate SKUs. `exists` marks SKUs already in the catalog (compared
    case-insensitively), so the caller can skip them."""
    names = [name for name, values in options.items() if values]
    known = {_key(n) for n in names} | {f"{_key(n)}_CODE" for n in names} | {PRODUCT_CODE}
    unknown = [p for p in pattern_parts(pattern) if p not in known]
    if unknown:
        raise SkuPatternError(f"the SKU pattern names {', '.join(unknown)}, which no option provides")
    count = 1
    for name in names:
        count *= len(options[name])
    if count > MAX_MATRIX:
        raise SkuPatternError(f"{count} combinations is more than {MAX_MATRIX}")
    taken = {s.upper() for s in existing_skus}
    proposals: list[ProposedVariant] = []
    seen: set[str] = set()
    for combo in itertools.product(*(options[name] for name in names)):
        values = dict(zip(names, combo, strict=True))
        sku = render_sku(pattern, {PRODUCT_CODE: product_code, **values})
        if sku.upper() in seen:
            raise SkuPatternError(
                f"the SKU pattern gives {sku!r} twice; add the missing option to the pattern"
            )
        seen.add(sku.upper())
        proposals.append(ProposedVariant(option_values=values, sku=sku, exists=sku.upper() in taken))
    return proposals
