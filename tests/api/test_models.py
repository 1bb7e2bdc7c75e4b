"""The tolerant reader and the conservative writer, on the shapes the published documents disagree about."""
from __future__ import annotations

import base64
import json
from decimal import Decimal

import pytest

from synq_desktop.api.json_body import encode_json
from synq_desktop.api.models import (
    AuditEvent,
    BrandWrite,
    BulkJob,
    Category,
    CategoryWrite,
    Media,
    Product,
    ProductWrite,
    Stats,
    Tagged,
    Template,
    Variant,
    VariantWrite,
)


def test_snake_and_camel_keys_read_the_same() -> None:
    snake = Category.model_validate({"id": "c1", "parent_id": "p", "created_at": "2026-01-02T03:04:05Z"})
    camel = Category.model_validate({"id": "c1", "parentId": "p", "createdAt": "2026-01-02T03:04:05Z"})
    assert snake.parent_id == camel.parent_id == "p"
    assert snake.created_at == camel.created_at
    assert snake.created_at is not None and snake.created_at.utcoffset() is not None


@pytest.mark.parametrize("price", ["89.99", 89.99, " 89.99 ", Decimal("89.99")])
def test_money_is_decimal_from_number_or_string(price: object) -> None:
    variant = Variant.model_validate({"id": "v", "price": price, "costPrice": "12.50"})
    assert variant.price == Decimal("89.99") and isinstance(variant.price, Decimal)
    assert variant.cost_price == Decimal("12.50")


def test_money_null_and_empty_read_as_none() -> None:
    assert Variant.model_validate({"id": "v", "price": None, "cost_price": ""}).cost_price is None


def test_open_enums_and_unknown_fields_are_kept() -> None:
    product = Product.model_validate({"id": "p", "status": "QUARANTINED", "new_field": {"x": 1}})
    assert product.status == "QUARANTINED"
    assert product.model_extra == {"new_field": {"x": 1}}


def test_light_projection_is_recognised() -> None:
    light = Product.model_validate(
        {"id": "p", "title": "T", "category": "c", "status": "ACTIVE", "updated_at": "2026-01-01T00:00:00Z"}
    )
    full = Product.model_validate({"id": "p", "title": "T", "description": None, "created_at": None})
    assert light.is_summary and not full.is_summary


def test_numbers_where_text_is_expected_are_read_as_text() -> None:
    variant = Variant.model_validate({"id": 7, "sku": 12345, "barcode": 4006381333931})
    assert (variant.id, variant.sku, variant.barcode) == ("7", "12345", "4006381333931")


@pytest.mark.parametrize(
    "payload",
    [
        [{"id": "a", "status": "ACTIVE"}],
        json.dumps([{"id": "a", "status": "ACTIVE"}]),
        base64.b64encode(json.dumps([{"id": "a", "status": "ACTIVE"}]).encode()).decode(),
    ],
    ids=["json", "json-string", "base64-json"],
)
def test_job_payload_shapes(payload: object) -> None:
    job = BulkJob.model_validate({"id": "j", "jobType": "BULK_UPDATE", "status": "RUNNING", "payload": payload})
    assert job.payload == [{"id": "a", "status": "ACTIVE"}]
    assert job.status == "PROCESSING"
    assert job.job_type == "BULK_UPDATE"
    assert not job.finished


def test_job_errors_and_result_url() -> None:
    job = BulkJob.model_validate(
        {"id": "j", "job_type": "EXPORT", "status": "COMPLETED", "errors": [{"index": 2, "error": "bad"}],
         "result_url": "/files/exports/j.csv", "payload": "not json at all"}
    )
    assert job.finished and job.errors[0].index == 2 and job.errors[0].error == "bad"
    assert job.payload == "not json at all"
    assert BulkJob.model_validate({"id": "j", "errors": None}).errors == []


def test_stats_in_either_spelling() -> None:
    assert Stats.model_validate({"total_products": 3}).total_products == 3
    stats = Stats.model_validate({"totalProducts": 4, "totalVariants": 9, "activeProducts": 2})
    assert stats.total_products == 4 and stats.counts["active_products"] == 2 and stats.counts["total_variants"] == 9


def test_audit_details_and_changes() -> None:
    event = AuditEvent.model_validate(
        {"id": "e", "action": "PRODUCT_UPDATED", "details": '{"changes": {"title": {"old": "a", "new": "b"}}}'}
    )
    assert event.changes == {"title": {"old": "a", "new": "b"}}
    assert AuditEvent.model_validate({"id": "e", "details": None}).changes == {}


def test_id_lists_tolerate_null() -> None:
    template = Template.model_validate({"id": "t", "attribute_group_ids": None, "requiredAttributeIds": ["a"]})
    assert template.attribute_group_ids == [] and template.required_attribute_ids == ["a"]


def test_option_values_as_pairs_list() -> None:
    variant = Variant.model_validate({"id": "v", "option_values": [{"attribute": "size", "value": "M"}]})
    assert variant.option_values == {"size": "M"}


def test_sort_order_from_numeric_text() -> None:
    assert Media.model_validate({"id": "m", "sort_order": "3"}).sort_order == 3


def test_tagged_unpacks() -> None:
    product, etag = Tagged(Product(id="p"), '"abc"')
    assert product.id == "p" and etag == '"abc"'


def test_writer_sends_only_set_fields_and_null_clears() -> None:
    assert ProductWrite(title="T").to_wire() == {"title": "T"}
    assert ProductWrite(description=None).to_wire() == {"description": None}
    assert ProductWrite().to_wire() == {}


def test_writer_uses_documented_names() -> None:
    assert CategoryWrite(name="N", slug="n", parent_id="p").to_wire() == {"name": "N", "slug": "n", "parentId": "p"}
    assert BrandWrite.model_validate({"name": "B", "logoUrl": "u"}).to_wire() == {"name": "B", "logoUrl": "u"}


def test_writer_refuses_unknown_fields() -> None:
    with pytest.raises(ValueError, match="extra"):
        ProductWrite.model_validate({"title": "T", "colour": "red"})


def test_money_goes_out_as_a_json_number_exactly() -> None:
    body = VariantWrite(sku="S", price="89.990", cost_price=Decimal("0.1")).to_wire()
    raw = encode_json(body)
    assert raw == b'{"sku":"S","price":89.990,"cost_price":0.1}'
    assert json.loads(raw, parse_float=Decimal)["price"] == Decimal("89.990")


def test_encode_json_escapes_text_and_refuses_nan() -> None:
    assert json.loads(encode_json({"t": 'a"b\n\u00e9', "n": [1, 2.5, True, None]})) == {
        "t": 'a"b\n\u00e9', "n": [1, 2.5, True, None]
    }
    with pytest.raises(ValueError):
        encode_json({"p": Decimal("NaN")})
