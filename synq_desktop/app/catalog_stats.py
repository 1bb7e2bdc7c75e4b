"""GET /stats for the main window's counts, through the API client."""
from __future__ import annotations

import asyncio

from synq_desktop.api.client import SynqClient
from synq_desktop.api.errors import SynqError
from synq_desktop.app.connection import Connection


class StatsError(Exception):
    """The server did not give usable counts; the message is for a person (never holds the token)."""


def build_client(conn: Connection) -> SynqClient:
    """A client for `conn`. Building one loads the TLS trust store (about 70 ms here): call it off the
    GUI thread (`loop.run_in_executor(None, build_client, conn)`)."""
    return SynqClient(conn.base_url, conn.token, conn.tenant_id, conn.org_id)


async def fetch_stats(conn: Connection) -> dict[str, int]:
    """Every integer count of GET /stats, keyed snake_case."""
    client = await asyncio.get_running_loop().run_in_executor(None, build_client, conn)
    try:
        stats = await client.get_stats()
    except SynqError as exc:
        raise StatsError(f"{conn.base_url} did not give the catalog counts: {exc}") from None
    finally:
        await client.aclose()
    return stats.counts
