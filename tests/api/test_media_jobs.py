"""Media, uploads, downloads, stats, export, bulk jobs, validation issues and the audit log."""
from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from synq_desktop.api import BulkJob, InvalidError, NotSupportedError, SynqClient, TooLargeError
from tests.api.conftest import Server

pytestmark = pytest.mark.anyio

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
    b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND"
    b"\xaeB`\x82"
)


async def wait_job(client: SynqClient, job_id: str, timeout: float = 20.0) -> BulkJob:
    """Poll the job until it finishes (a condition with a deadline, never a fixed sleep)."""
    import asyncio

    deadline = time.monotonic() + timeout
    while True:
        job = await client.get_bulk_job(job_id)
        if job.finished or time.monotonic() > deadline:
            return job
        await asyncio.sleep(0.05)


async def test_media(client: SynqClient, server: Server, tmp_path: Path) -> None:
    product, _ = await client.create_product({"title": "Mug"})
    other, _ = await client.create_product({"title": "Plate"})
    media, _ = await client.create_media(
        {"url": "https://cdn.example/mug.png", "product_id": product.id, "alt_text": "Mug", "sort_order": 2}
    )
    await client.create_media({"url": "https://cdn.example/plate.png", "product_id": other.id})
    assert media.product_id == product.id and media.sort_order == 2
    mine = await client.list_media(product_id=product.id).collect()
    assert [item.id for item in mine] == [media.id]
    assert len(await client.list_media().collect()) == 2

    if server.docs_only:
        with pytest.raises(NotSupportedError, match="by URL only"):
            await client.upload_media(PNG, filename="a.png")
        with pytest.raises(NotSupportedError):
            await client.update_media(media.id, {"alt_text": "x"})
        return
    changed, _ = await client.update_media(media.id, {"alt_text": "Blue mug", "sort_order": 0})
    assert changed.alt_text == "Blue mug" and changed.sort_order == 0
    await client.delete_media(media.id)
    assert len(await client.list_media(product_id=product.id).collect()) == 0

    source = tmp_path / "dot.png"
    source.write_bytes(PNG)
    url = await client.upload_media(source)
    assert url.startswith(server.sandbox.url)
    seen: list[tuple[int, int | None]] = []
    target = await client.download(url, tmp_path / "back.png", progress=lambda done, total: seen.append((done, total)))
    assert target.read_bytes() == PNG and seen and seen[-1][0] == len(PNG)
    with pytest.raises(TooLargeError):
        await client.download(url, tmp_path / "capped.png", max_bytes=10)
    assert not (tmp_path / "capped.png").exists()

    before = len(server.api_requests())
    with pytest.raises(TooLargeError) as huge:
        await client.upload_media(b"\0" * (25 * 1024 * 1024 + 1), filename="huge.png")
    with pytest.raises(InvalidError) as unreadable:
        await client.upload_media(tmp_path / "missing.png")
    assert huge.value.status == 0 and unreadable.value.status == 0
    assert len(server.api_requests()) == before  # neither was sent


async def test_stats_count_the_catalog(client: SynqClient) -> None:
    for title in ("A", "B", "C"):
        await client.create_product({"title": title})
    stats = await client.get_stats()
    assert stats.total_products == 3 and stats.counts["total_products"] == 3


async def test_export(client: SynqClient, server: Server, tmp_path: Path) -> None:
    await client.create_product({"title": "Exported", "description": "x"})
    job = await client.request_export("csv")
    if server.docs_only:
        assert job is None  # "export queued; Synq will notify you"
        return
    assert job is not None and job.job_type == "EXPORT"
    done = await wait_job(client, job.id)
    assert done.status == "COMPLETED" and done.result_url
    exports = await client.list_bulk_jobs("EXPORT").collect()
    assert job.id in [item.id for item in exports]
    target = await client.download(done.result_url, tmp_path / "export.csv")
    assert b"Exported" in target.read_bytes()


async def test_bulk_jobs_every_payload_shape(client: SynqClient, server: Server) -> None:
    import asyncio

    one, _ = await client.create_product({"title": "One"})
    two, _ = await client.create_product({"title": "Two"})
    payloads: list[tuple[str, Any]] = [
        ("BULK_IMPORT", [{"title": "Imported", "description": "d"}]),
        ("BULK_UPDATE", [{"id": one.id, "description": "per item"}]),
        ("BULK_UPDATE", {"status": "ACTIVE"}),
        ("BULK_DELETE", [two.id]),
    ]
    if not server.docs_only:
        payloads += [
            ("BULK_IMPORT", [{"title": "With variants", "variants": [{"sku": "WV-1", "price": Decimal("5.5"),
                                                                      "currency": "EUR"}]}]),
            ("BULK_UPDATE", {"ids": [one.id], "status": "DRAFT"}),
        ]
    created: list[BulkJob] = []
    for job_type, payload in payloads:
        job = await client.create_bulk_job(job_type, payload)
        assert job.job_type == job_type and job.status in ("PENDING", "PROCESSING", "COMPLETED")
        assert job.payload == payload or job.payload is not None
        created.append(job)
    listed = await client.list_bulk_jobs("BULK_UPDATE").collect()
    assert {job.id for job in created if job.job_type == "BULK_UPDATE"} <= {job.id for job in listed}
    assert all(job.job_type == "BULK_UPDATE" for job in listed)
    with pytest.raises(InvalidError):
        await client.create_bulk_job("BULK_EXPLODE", [])

    if server.docs_only:
        with pytest.raises(NotSupportedError):
            await client.get_bulk_job(created[0].id)
        # The documented list still shows progress: wait for the worker through it.
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            jobs = await client.list_bulk_jobs("BULK_DELETE").collect()
            if jobs.items and jobs.items[0].finished:
                break
            await asyncio.sleep(0.05)
    else:
        for job in created:
            assert (await wait_job(client, job.id)).status == "COMPLETED"
        product, _ = await client.get_product(one.id)
        assert product.description == "per item" and product.status == "DRAFT"
    titles = {product.title for product in await client.list_products().collect()}
    assert "Imported" in titles and "Two" not in titles


async def test_validation_issues(client: SynqClient, server: Server) -> None:
    product, _ = await client.create_product({"title": "No description"})
    issues = await client.list_validation_issues().collect()
    kinds = {issue.issue_type for issue in issues}
    assert {"MISSING_DESCRIPTION", "NO_VARIANTS"} <= kinds
    assert all(issue.severity in ("ERROR", "WARNING") for issue in issues)
    if not server.docs_only:
        assert {issue.entity_id for issue in issues} == {product.id}


async def test_audit(client: SynqClient, server: Server) -> None:
    product, _ = await client.create_product({"title": "Audited"})
    await client.update_product(product.id, {"title": "Audited 2"})
    events = await client.list_audit().collect()
    actions = [event.action for event in events]
    assert "PRODUCT_CREATED" in actions and "PRODUCT_UPDATED" in actions
    assert actions.index("PRODUCT_UPDATED") < actions.index("PRODUCT_CREATED")  # newest first
    if server.docs_only:
        with pytest.raises(NotSupportedError):
            await client.list_audit(entity_id=product.id).collect()
        return
    updates = await client.list_audit(entity_id=product.id, action="PRODUCT_UPDATED").collect()
    assert len(updates) == 1 and updates.items[0].changes["title"] == {"old": "Audited", "new": "Audited 2"}
    first = await client.list_audit(max_events=1).collect()
    assert len(first) == 1
