"""GET /stats for the main window's counts.

A stop-gap until synq_desktop.api's SynqClient lands: one plain httpx call on the event loop.
"""
from __future__ import annotations

import httpx

from synq_desktop.app.connection import Connection

STATS_PATH = "/api/v1/pim/stats"


class StatsError(Exception):
    """The server did not give usable counts; the message is for a person (never holds the token)."""


async def fetch_stats(conn: Connection, timeout: float = 10.0) -> dict[str, object]:
    url = conn.base_url.rstrip("/") + STATS_PATH
    try:
        async with httpx.AsyncClient(timeout=timeout) as client:
            response = await client.get(url, headers=conn.headers)
    except httpx.HTTPError as exc:
        raise StatsError(f"Could not reach {conn.base_url}: {type(exc).__name__}") from None
    if response.status_code != 200:
        raise StatsError(f"{conn.base_url} answered {response.status_code} to GET /stats")
    try:
        body = response.json()
    except ValueError:
        raise StatsError(f"{conn.base_url} sent counts that are not JSON") from None
    if not isinstance(body, dict):
        raise StatsError(f"{conn.base_url} sent counts in an unexpected shape")
    return body
