"""SKU patterns and the variant matrix (the variants guide's MWS-RED-S example)."""
from __future__ import annotations

import pytest

from synq_desktop.domain.sku import SkuPatternError, pattern_parts, render_sku, sku_code, variant_matrix


def test_sku_code_folds_text() -> None:
    assert sku_code("Navy Blue") == "NAVY-BLUE"
    assert sku_code("Größe xl") == "GROSSE-XL"


def test_render_drops_empty_parts() -> None:
    assert render_sku("{PRODUCT_CODE}-{COLOR}-{SIZE}", {"product_code": "mws", "color": "Red", "size": "S"}) \
        == "MWS-RED-S"
    assert render_sku("{PRODUCT_CODE}-{COLOR}-{SIZE}", {"PRODUCT_CODE": "MWS", "COLOR": "Red", "SIZE": ""}) \
        == "MWS-RED"
    assert pattern_parts("{Product Code}-{color code}") == ["PRODUCT_CODE", "COLOR_CODE"]


def test_render_names_a_missing_part() -> None:
    with pytest.raises(SkuPatternError, match="SIZE"):
        render_sku("{PRODUCT_CODE}-{SIZE}", {"PRODUCT_CODE": "X"})


def test_matrix_is_the_cartesian_product_in_order() -> None:
    proposals = variant_matrix("MWS", {"Color": ["Red", "Blue"], "Size": ["S", "M", "L"]},
                               existing_skus=["mws-red-m"])
    assert [p.sku for p in proposals] == ["MWS-RED-S", "MWS-RED-M", "MWS-RED-L",
                                          "MWS-BLUE-S", "MWS-BLUE-M", "MWS-BLUE-L"]
    assert proposals[0].option_values == {"Color": "Red", "Size": "S"}
    assert [p.exists for p in proposals] == [False, True, False, False, False, False]


def test_matrix_refuses_patterns_that_would_duplicate_skus() -> None:
    with pytest.raises(SkuPatternError, match="MATERIAL"):
        variant_matrix("X", {"Color": ["Red"]}, pattern="{PRODUCT_CODE}-{MATERIAL}")
    with pytest.raises(SkuPatternError, match="twice"):
        variant_matrix("X", {"Color": ["Red", "Blue"], "Size": ["S"]}, pattern="{PRODUCT_CODE}-{SIZE}")
