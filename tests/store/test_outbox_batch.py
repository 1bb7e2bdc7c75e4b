"""outbox.mark_applied_many writes a batch of answers exactly as mark_applied would, one by one."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from synq_desktop.store import edits, outbox, pull, schema
from synq_desktop.store.states import EntityType as E
from synq_desktop.store.working_copy import WorkingCopy


def _seed(wc: WorkingCopy) -> list[tuple[str, dict[str, Any] | None, str | None]]:
    """Pulled products and variants, edits of every shape in flight; returns their answers in order."""
    wc.write_blocking(pull.upsert_server_records, E.PRODUCT, [
        {"id": f"p{i}", "title": f"Shirt {i}", "status": "ACTIVE", "updated_at": "2026-01-01T00:00:00Z"}
        for i in range(4)])
    wc.write_blocking(pull.upsert_server_records, E.VARIANT, [
        {"id": "v0", "product_id": "p0", "sku": "S-0", "price": "5.00", "currency": "EUR",
         "updated_at": "2026-01-01T00:00:00Z"}])
    wc.write_blocking(edits.update, E.PRODUCT, "p0", {"title": "lone update"})
    wc.write_blocking(edits.update, E.PRODUCT, "p1", {"title": "first"})
    wc.write_blocking(edits.update, E.VARIANT, "v0", {"price": "6"})
    wc.write_blocking(edits.update, E.PRODUCT, "p2", {"description": "no answer body"})
    new = wc.write_blocking(edits.create, E.PRODUCT, {"title": "created"})
    ops = wc.read_blocking(outbox.operations)
    wc.write_blocking(outbox.mark_in_flight, [op.op_id for op in ops])
    wc.write_blocking(edits.update, E.PRODUCT, "p1", {"description": "later, unsent"})  # keeps p1 busy
    by_record = {op.entity_id: op.op_id for op in ops}
    stamp = "2026-02-01T00:00:00Z"
    return [
        (by_record["p0"], {"id": "p0", "title": "lone update", "status": "ACTIVE", "updated_at": stamp,
                           "data_quality_score": 70}, '"e-p0"'),
        (by_record["p1"], {"id": "p1", "title": "first", "status": "ACTIVE", "updated_at": stamp}, '"e-p1"'),
        (by_record["v0"], {"id": "v0", "product_id": "p0", "sku": "S-0", "price": "6.00", "currency": "EUR",
                           "updated_at": stamp}, '"e-v0"'),
        (by_record["p2"], None, '"e-p2"'),
        (by_record[new], {"id": "p-new", "title": "created", "status": "DRAFT", "updated_at": stamp}, '"e-new"'),
    ]


def _snapshot(wc: WorkingCopy) -> dict[str, Any]:
    def read(connection):
        out: dict[str, Any] = {}
        for table in (schema.products, schema.variants):
            rows = connection.execute(select(table).order_by(table.c.server_id)).mappings().all()
            out[table.name] = [{k: v for k, v in row.items() if k != "local_id"} for row in rows]
        out["outbox"] = [(op.entity_type, op.kind, op.payload, op.base, op.state)
                         for op in outbox.operations(connection)]
        return out
    return wc.read_blocking(read)


def test_a_batch_of_answers_lands_as_one_by_one(tmp_path: Path) -> None:
    with WorkingCopy.open(tmp_path / "one.sqlite") as one, WorkingCopy.open(tmp_path / "many.sqlite") as many:
        answers_one = _seed(one)
        answers_many = _seed(many)
        for answer in answers_one:
            one.write_blocking(outbox.mark_applied, *answer)
        many.write_blocking(outbox.mark_applied_many, answers_many)
        expected, got = _snapshot(one), _snapshot(many)
        # the local clock stamps of the edits differ between the two copies; everything else must not
        for snap in (expected, got):
            for row in snap["products"] + snap["variants"]:
                row.pop("local_updated_at", None)
                if row["server_id"] == "p-new":
                    row.pop("created_at", None)
        assert got == expected
        p0 = next(row for row in got["products"] if row["server_id"] == "p0")
        assert p0["etag"] == '"e-p0"' and p0["sync_state"] == "SYNCED" and p0["data_quality_score"] == 70
        assert p0["base"]["title"] == "lone update"
        assert [state for *_, state in got["outbox"]] == ["PENDING"]  # only p1's later edit is left


def test_an_empty_batch_and_a_vanished_operation(w, r) -> None:
    assert w(outbox.mark_applied_many, []) == []
    w(pull.upsert_server_records, E.PRODUCT, [{"id": "p1", "title": "Shirt", "status": "ACTIVE"}])
    w(edits.update, E.PRODUCT, "p1", {"title": "Polo"})
    [op] = r(outbox.operations)
    w(outbox.mark_in_flight, [op.op_id])
    w(outbox.mark_applied_many, [(op.op_id, {"id": "p1", "title": "Polo", "status": "ACTIVE"}, '"e"')])
    assert r(outbox.operations) == []
    try:
        w(outbox.mark_applied_many, [(op.op_id, {"id": "p1", "title": "Polo"}, '"e"')])
    except Exception as exc:  # noqa: BLE001 - the store's error names the missing operation
        assert op.op_id in str(exc)
    else:
        raise AssertionError("applying an operation that is gone must fail like mark_applied")
