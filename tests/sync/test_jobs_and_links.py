"""Jobs queued offline are sent and followed to the end; attribute values and their links reach the server."""
from __future__ import annotations

import asyncio

from sqlalchemy import select

from synq_desktop.store import edits, schema
from synq_desktop.sync import jobs
from tests.sync.helpers import client_for, new_product, new_variant, server_get, sync


def test_jobs_queued_offline_are_sent_and_followed(wc, demo_creds):
    sync(wc, demo_creds)
    export_id = wc.write_blocking(edits.queue_export, "jsonl")
    job_id = wc.write_blocking(edits.queue_bulk_job, "BULK_UPDATE", {"status": "ACTIVE"})
    summary = sync(wc, demo_creds)
    assert summary.pending == 0

    async def follow():
        async with client_for(demo_creds) as client:
            await client.connect()
            await asyncio.wait_for(jobs.follow_jobs(wc, client, interval=0.1), timeout=60)

    asyncio.run(follow())
    t = schema.bulk_jobs
    with wc.reading() as connection:
        rows = {r.local_id: r for r in connection.execute(select(t))}
    assert rows[export_id].status == "COMPLETED" and rows[export_id].result_url
    assert rows[job_id].status == "COMPLETED" and rows[job_id].server_id
    assert server_get(demo_creds, f"/bulk-jobs/{rows[job_id].server_id}")["status"] == "COMPLETED"


def test_attribute_values_and_links_reach_the_server(wc, creds):
    attribute = wc.write_blocking(edits.create, "attribute", {"name": "Size", "slug": "size", "type": "SELECT"})
    value = wc.write_blocking(edits.create, "attribute_value", {"attribute_id": attribute, "value": "Large",
                                                                "slug": "large"})
    product = new_product(wc, "Coat")
    variant = new_variant(wc, product, "COAT-L")
    assert wc.write_blocking(edits.link_value, "variant", variant, value)
    summary = sync(wc, creds)
    assert summary.pending == 0 and summary.rejected == 0
    v = schema.variants
    with wc.reading() as connection:
        server_variant = connection.execute(select(v.c.server_id).where(v.c.local_id == variant)).scalar_one()
    links = server_get(creds, f"/variants/{server_variant}/attribute-values")
    assert [link.get("value") or link.get("attribute_value", {}).get("value") for link in links] == ["Large"]
    assert server_get(creds, f"/variants/{server_variant}")["option_values"] == {"size": "Large"}
