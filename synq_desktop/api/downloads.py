"""Streaming a file (an export result, a media image) to disk, with progress and a size cap.

Credentials go only to the base URL's origin: a `result_url` or media URL on another host (a CDN, a storage
bucket) is fetched without the Authorization and scoping headers, and every redirect is checked the same way.
The file appears at its destination only when complete (written beside it, then renamed).
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import httpx

from synq_desktop.api.errors import NetworkError, TooLargeError, UnexpectedStatusError
from synq_desktop.api.transport import RETRYABLE_STATUSES, Transport

log = logging.getLogger("synq_desktop.api")

ProgressCallback = Callable[[int, int | None], None]
"""Called with (bytes written so far, total bytes or None when the server did not say)."""

DEFAULT_MAX_BYTES = 512 * 1024 * 1024
MAX_REDIRECTS = 5
CHUNK = 64 * 1024


async def download(
    transport: Transport,
    url: str,
    destination: Path | str,
    *,
    progress: ProgressCallback | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Path:
    """Download `url` (absolute, or relative to the base URL) to `destination`; return the destination.

    Raises TooLargeError past `max_bytes` (nothing is left on disk), NetworkError, or a StatusError subclass.
    Local disk errors (OSError) are the caller's to handle.
    """
    destination = Path(destination)
    target = httpx.URL(transport.base_url).join(url)
    attempt = 0
    while True:
        attempt += 1
        try:
            return await _fetch(transport, target, destination, progress, max_bytes)
        except (NetworkError, _Retryable) as exc:
            if attempt >= transport.retry.max_attempts:
                if isinstance(exc, _Retryable):
                    raise exc.error from None
                raise
            await asyncio.sleep(transport.retry.backoff(attempt))


class _Retryable(Exception):
    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


async def _fetch(
    transport: Transport,
    target: httpx.URL,
    destination: Path,
    progress: ProgressCallback | None,
    max_bytes: int,
) -> Path:
    path_for_errors = target.path
    for _ in range(MAX_REDIRECTS + 1):
        headers = transport.credentials.headers() if transport.same_origin(str(target)) else {}
        headers["Accept"] = "*/*"  # a file, not the API's JSON
        try:
            async with transport.http.stream("GET", target, headers=headers) as response:
                if response.is_redirect and "location" in response.headers:
                    target = target.join(response.headers["location"])
                    continue
                if response.status_code >= 400:
                    body = await _small_body(response)
                    error = transport.error_for(response.status_code, body, method="GET", path=path_for_errors)
                    if response.status_code in RETRYABLE_STATUSES:
                        raise _Retryable(error)
                    raise error
                declared = _declared_length(response)
                if declared is not None and declared > max_bytes:
                    raise TooLargeError(
                        f"the file is {declared} bytes, over the {max_bytes} byte limit",
                        status=0, method="GET", path=path_for_errors,
                    )
                return await _write(response, destination, declared, progress, max_bytes, path_for_errors)
        except httpx.HTTPError as exc:
            raise NetworkError(
                f"download failed ({type(exc).__name__})", method="GET", path=path_for_errors
            ) from None
    raise UnexpectedStatusError("too many redirects", status=310, method="GET", path=path_for_errors)


async def _small_body(response: httpx.Response) -> object:
    data = b""
    async for chunk in response.aiter_bytes():
        data += chunk
        if len(data) > 64 * 1024:
            return None
    try:
        return json.loads(data) if data.strip() else None
    except ValueError:
        return None


def _declared_length(response: httpx.Response) -> int | None:
    try:
        value = int(response.headers.get("content-length", ""))
    except ValueError:
        return None
    return value if value >= 0 else None


async def _write(
    response: httpx.Response,
    destination: Path,
    declared: int | None,
    progress: ProgressCallback | None,
    max_bytes: int,
    path_for_errors: str,
) -> Path:
    destination.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(dir=destination.parent, prefix=".part-", suffix=destination.suffix)
    done = 0
    try:
        with os.fdopen(handle, "wb") as out:
            async for chunk in response.aiter_raw(CHUNK) if _identity(response) else response.aiter_bytes(CHUNK):
                done += len(chunk)
                if done > max_bytes:
                    raise TooLargeError(
                        f"the file passed the {max_bytes} byte limit",
                        status=0, method="GET", path=path_for_errors,
                    )
                out.write(chunk)
                if progress is not None:
                    progress(done, declared)
        os.replace(temp_name, destination)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise
    log.debug("downloaded %d bytes to %s", done, destination.name)
    return destination


def _identity(response: httpx.Response) -> bool:
    return response.headers.get("content-encoding", "identity").lower() in ("", "identity")


__all__ = ["DEFAULT_MAX_BYTES", "ProgressCallback", "download"]
