"""The demo catalog generator: deterministic, consistent, realistic, and broken on purpose exactly where
it says (checked with the shared validation rules of synq_desktop.domain.validation)."""
from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from synq_desktop.domain.currency import is_currency, minor_units
from synq_desktop.domain.gtin import is_valid_gtin
from synq_desktop.domain.money import decimals_of, parse_money
from synq_desktop.domain.slug import is_valid_slug
from synq_desktop.domain.validation import IssueType, check_media, check_product, check_variant
from synq_desktop.sandbox.demo import SERVER_ISSUE_TYPES, DemoCatalog, generate_catalog

UNTIL = datetime(2026, 6, 1, tzinfo=UTC)


def _findings(cat: DemoCatalog) -> dict[str, set[str]]:
    """issue_type -> ids of the records the domain rules flag (what a server's /validation lists)."""
    found: dict[str, set[str]] = {kind: set() for kind in SERVER_ISSUE_TYPES}
    sku_counts = Counter(v["sku"] for v in cat.variants)
    variants_of: dict[str, list[dict]] = {}
    for variant in cat.variants:
        variants_of.setdefault(variant["product_id"], []).append(variant)
    attrs_of_product: dict[str, set[str]] = {}
    for link in cat.product_attribute_values:
        attrs_of_product.setdefault(link["product_id"], set()).add(link["attribute_id"])
    attrs_of_variant: dict[str, set[str]] = {}
    for link in cat.variant_attribute_values:
        attrs_of_variant.setdefault(link["variant_id"], set()).add(link["attribute_id"])
    required = {t["id"]: set(t["required_attribute_ids"]) for t in cat.templates}
    for product in cat.products:
        own = attrs_of_product.get(product["id"], set())
        variants = variants_of.get(product["id"], [])
        seen = own.union(*(attrs_of_variant.get(v["id"], set()) for v in variants))
        missing = sorted(required.get(product["template_id"], set()) - seen)
        for finding in check_product(product["title"], product["description"], len(variants), missing):
            found[finding.issue_type].add(product["id"])
        for variant in variants:
            for finding in check_variant(variant["sku"], variant["barcode"], variant["price"], variant["currency"],
                                         variant["cost_price"], sku_taken=sku_counts[variant["sku"]] > 1):
                found[finding.issue_type].add(variant["id"])
    for media in cat.media:
        for finding in check_media(media["alt_text"]):
            found[finding.issue_type].add(media["id"])
    return found


@pytest.fixture(scope="module")
def catalog() -> DemoCatalog:
    return generate_catalog(300, seed=7, until=UNTIL)


def test_same_seed_same_catalog_ids_included():
    first = generate_catalog(60, seed=4, until=UNTIL)
    again = generate_catalog(60, seed=4, until=UNTIL)
    assert first == again
    other = generate_catalog(60, seed=5, until=UNTIL)
    assert {p["id"] for p in first.products}.isdisjoint(p["id"] for p in other.products)
    # The day it runs moves the timestamps only, never the ids or the content.
    later = generate_catalog(60, seed=4, until=UNTIL + timedelta(days=3))
    assert [p["id"] for p in later.products] == [p["id"] for p in first.products]
    assert [v["sku"] for v in later.variants] == [v["sku"] for v in first.variants]


def test_every_server_issue_type_is_present_on_purpose_for_small_catalogs():
    for n in (10, 11, 25, 100):
        for seed in range(4):
            cat = generate_catalog(n, seed=seed, until=UNTIL)
            found = _findings(cat)
            for kind in SERVER_ISSUE_TYPES:
                deliberate = set(cat.deliberate_issues[kind])
                assert deliberate, f"n={n} seed={seed}: no deliberate {kind}"
                assert deliberate <= found[kind], f"n={n} seed={seed}: {kind} not triggered by its records"


def test_errors_appear_only_where_planted(catalog):
    """A clean catalog apart from the planted problems: every ERROR the rules find was put there on purpose
    (the warnings MISSING_DESCRIPTION and MISSING_ALT_TEXT also occur at random, as in life)."""
    found = _findings(catalog)
    for kind in ("MISSING_TITLE", "DUPLICATE_SKU", "INVALID_BARCODE", "INVALID_CURRENCY", "INVALID_PRICE",
                 "MISSING_REQUIRED_ATTRIBUTE", "NO_VARIANTS"):
        assert found[kind] == set(catalog.deliberate_issues[kind]), kind
    assert IssueType.INVALID_SLUG not in found


def test_ids_are_unique_uuid4_and_references_resolve(catalog):
    all_ids = [r["id"] for name in ("categories", "brands", "attributes", "attribute_values", "attribute_groups",
                                    "templates", "products", "variants", "media")
               for r in getattr(catalog, name)]
    assert len(all_ids) == len(set(all_ids))
    assert all(uuid.UUID(i).version == 4 and str(uuid.UUID(i)) == i for i in all_ids)
    categories = {c["id"]: c for c in catalog.categories}
    brands = {b["id"] for b in catalog.brands}
    templates = {t["id"] for t in catalog.templates}
    attributes = {a["id"]: a for a in catalog.attributes}
    values = {v["id"]: v for v in catalog.attribute_values}
    groups = {g["id"] for g in catalog.attribute_groups}
    products = {p["id"] for p in catalog.products}
    variants = {v["id"]: v for v in catalog.variants}
    for product in catalog.products:
        assert product["category_id"] in categories
        assert product["category"] == categories[product["category_id"]]["slug"]
        assert product["brand_id"] in brands
        assert product["template_id"] in templates or product["id"] in catalog.deliberate_issues["NO_VARIANTS"]
        assert product["status"] in ("ACTIVE", "DRAFT", "ARCHIVED")
    for value in catalog.attribute_values:
        assert value["attribute_id"] in attributes and is_valid_slug(value["slug"]) and value["value"]
    for template in catalog.templates:
        assert set(template["attribute_group_ids"]) <= groups
        assert set(template["required_attribute_ids"]) <= set(attributes)
    for group in catalog.attribute_groups:
        assert set(group["attribute_ids"]) <= set(attributes)
    for link in catalog.variant_attribute_values:
        assert link["variant_id"] in variants and values[link["attribute_value_id"]]["attribute_id"] == link["attribute_id"]
    for link in catalog.product_attribute_values:
        assert link["product_id"] in products and values[link["attribute_value_id"]]["attribute_id"] == link["attribute_id"]
    for media in catalog.media:
        assert media["product_id"] in products
        assert media["variant_id"] is None or variants[media["variant_id"]]["product_id"] == media["product_id"]
    # Attribute values are unique per attribute by slug (the server's constraint).
    assert len({(v["attribute_id"], v["slug"]) for v in catalog.attribute_values}) == len(catalog.attribute_values)


def test_category_tree_has_three_levels_and_unique_valid_slugs(catalog):
    slugs = [c["slug"] for c in catalog.categories]
    assert len(slugs) == len(set(slugs)) and all(is_valid_slug(s) for s in slugs)
    by_id = {c["id"]: c for c in catalog.categories}

    def depth(category: dict) -> int:
        return 1 if category["parent_id"] is None else 1 + depth(by_id[category["parent_id"]])

    assert Counter(depth(c) for c in catalog.categories).keys() == {1, 2, 3}
    used = {p["category_id"] for p in catalog.products}
    assert all(depth(by_id[c]) == 3 for c in used), "products sit in leaf categories"
    attribute_slugs = [a["slug"] for a in catalog.attributes]
    assert len(set(attribute_slugs)) == len(attribute_slugs) and all(is_valid_slug(s) for s in attribute_slugs)


def test_attributes_of_all_four_types_with_values(catalog):
    types = {a["type"] for a in catalog.attributes}
    assert types == {"TEXT", "NUMBER", "BOOLEAN", "SELECT"}
    with_values = {v["attribute_id"] for v in catalog.attribute_values}
    assert all(a["id"] in with_values for a in catalog.attributes)
    assert all(t["required_attribute_ids"] and t["attribute_group_ids"] for t in catalog.templates)


def test_brands_have_served_logos(catalog):
    assert len(catalog.brands) >= 8
    for number, brand in enumerate(catalog.brands, start=1):
        assert brand["logo_url"] == f"/files/demo/brand-{number}.png" and brand["name"] and brand["description"]
    assert len({b["name"] for b in catalog.brands}) == len(catalog.brands)


def test_variants_are_sound(catalog):
    planted = {i for kind in ("INVALID_BARCODE", "INVALID_CURRENCY", "INVALID_PRICE")
               for i in catalog.deliberate_issues[kind]}
    counts = Counter(v["product_id"] for v in catalog.variants)
    no_variants = set(catalog.deliberate_issues["NO_VARIANTS"])
    for product in catalog.products:
        if product["id"] in no_variants:
            assert counts[product["id"]] == 0
        else:
            assert 1 <= counts[product["id"]] <= 8
    assert len(set(counts.values())) >= 6, "variant counts spread over 1..8"
    values = {v["id"]: v for v in catalog.attribute_values}
    attributes = {a["id"]: a for a in catalog.attributes}
    options: dict[str, dict[str, str]] = {}
    for link in catalog.variant_attribute_values:
        value = values[link["attribute_value_id"]]
        options.setdefault(link["variant_id"], {})[attributes[value["attribute_id"]]["slug"]] = value["value"]
    currencies = Counter()
    for variant in catalog.variants:
        assert variant["option_values"] == options[variant["id"]], "option_values come from the linked values"
        code, color, size = variant["sku"].split("-")
        assert code[:3].isalpha() and code[3:].isdigit() and color.isalpha() and size.isalnum()
        if variant["id"] in planted:
            continue
        currencies[variant["currency"]] += 1
        assert is_valid_gtin(variant["barcode"]) and len(variant["barcode"]) == 13
        assert is_currency(variant["currency"])
        price = parse_money(variant["price"])
        assert price > 0 and isinstance(variant["price"], str)
        assert decimals_of(price) == minor_units(variant["currency"]), variant["price"]
        if variant["cost_price"] is not None:
            cost = parse_money(variant["cost_price"])
            assert 0 < cost < price and decimals_of(cost) == minor_units(variant["currency"])
    assert {"USD", "EUR", "JPY"} <= currencies.keys(), "currencies with 2 and 0 decimals"
    barcodes = [v["barcode"] for v in catalog.variants]
    assert len(set(barcodes)) == len(barcodes)


def test_media_point_at_served_images(catalog):
    by_product = Counter(m["product_id"] for m in catalog.media)
    assert all(by_product[p["id"]] >= 1 for p in catalog.products)
    assert any(m["variant_id"] for m in catalog.media) and any(m["variant_id"] is None for m in catalog.media)
    for media in catalog.media:
        assert media["url"].startswith("/files/demo/") and media["url"].endswith(".png")
        name = media["url"].removeprefix("/files/demo/").removesuffix(".png")
        assert is_valid_slug(name)
        assert isinstance(media["sort_order"], int)
    orders = {}
    for media in catalog.media:
        orders.setdefault(media["product_id"], []).append(media["sort_order"])
    assert all(len(o) == len(set(o)) for o in orders.values())


def test_timestamps_are_iso_z_within_the_past_year(catalog):
    earliest = UNTIL - timedelta(days=400)
    created = []
    for name in ("categories", "brands", "products", "variants", "media", "templates"):
        for record in getattr(catalog, name):
            for key in ("created_at", "updated_at"):
                text = record[key]
                assert len(text) == 27 and text.endswith("Z"), text
                moment = datetime.fromisoformat(text)
                assert earliest <= moment <= UNTIL
            assert record["created_at"] <= record["updated_at"]
            if name == "products":
                created.append(record["created_at"])
    months = {c[:7] for c in created}
    assert len(months) >= 10, "products spread over the year"


def test_titles_and_descriptions_read_like_a_shop(catalog):
    titles = [p["title"] for p in catalog.products if p["title"]]
    assert len(set(titles)) > len(titles) * 0.8
    words = " ".join(titles)
    for department_word in ("Jacket", "Tent", "Headphones"):
        assert department_word in words or any(department_word.lower() in t.lower() for t in titles)
    described = [p["description"] for p in catalog.products if p["description"]]
    assert len(described) >= len(catalog.products) * 0.95
    assert all(len(d) > 40 and d.endswith(".") for d in described)


def test_zero_products_gives_the_taxonomy_alone():
    cat = generate_catalog(0, seed=1, until=UNTIL)
    assert cat.products == [] and cat.variants == [] and cat.media == []
    assert cat.categories and cat.attributes and cat.templates
    with pytest.raises(ValueError):
        generate_catalog(-1)


def test_counts_match_the_lists(catalog):
    counts = catalog.counts()
    assert counts["products"] == 300 and counts["variants"] == len(catalog.variants)


def test_ten_thousand_products_hold_together():
    # How fast this is generated is bench/sandbox_parts.py's business (target: under 2 CPU seconds).
    cat = generate_catalog(10_000, seed=2)
    assert len(cat.products) == 10_000 and len(cat.variants) > 20_000
    assert len({p["id"] for p in cat.products}) == 10_000
    assert len({v["id"] for v in cat.variants}) == len(cat.variants)
    per_product = Counter(v["product_id"] for v in cat.variants)
    product_ids = {p["id"] for p in cat.products}
    assert set(per_product) <= product_ids and max(per_product.values()) <= 8
    assert len(product_ids - set(per_product)) <= 100, "only the deliberate NO_VARIANTS products lack variants"
