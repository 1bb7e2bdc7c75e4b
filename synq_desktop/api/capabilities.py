"""What a server offers beyond the documented API, learned from `GET /capabilities` and cached per profile.

A 404 on `/capabilities` means a docs-only server: no EXT part at all. The probe result is kept in memory and,
when the caller gives a path, in a small JSON file, so a client that starts offline still knows what the server
had the last time (an EXT call made then fails as a network error, not as a wrong route).
"""
from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path

from pydantic import ValidationError

from synq_desktop.api.errors import NotSupportedError
from synq_desktop.api.models import Capabilities

log = logging.getLogger("synq_desktop.api")


class Ext:
    """Names of the EXT parts (API.md's EXT table), as `/capabilities` lists them."""

    PAGING = "paging"
    UPDATED_SINCE = "updated_since"
    SUMMARY_LISTS = "fields_summary"
    VARIANTS = "variants"
    ATTRIBUTE_VALUES = "attribute_values"
    TAXONOMY_EDITS = "taxonomy_edits"
    MEDIA_EDITS = "media_edits"
    UPLOADS = "media_uploads"
    EXPORT_JOBS = "export_jobs"
    JOB_DETAIL = "job_detail"
    AUDIT_PAGING = "audit_paging"
    IDEMPOTENCY = "idempotency"
    ETAGS = "etag"
    THROTTLING = "rate_limit"
    QUALITY_SCORE = "quality_score"
    PRODUCT_STATUS = "product_status"


# Other spellings a server might use for the same parts.
_ALIASES = {
    "summary_lists": Ext.SUMMARY_LISTS,
    "summary": Ext.SUMMARY_LISTS,
    "uploads": Ext.UPLOADS,
    "etags": Ext.ETAGS,
    "if_match": Ext.ETAGS,
    "throttling": Ext.THROTTLING,
    "idempotency_key": Ext.IDEMPOTENCY,
    "offset_paging": Ext.PAGING,
}


DOCS_ONLY = Capabilities(ext=frozenset(), role=None, limits={}, docs_only=True)


def normalize_names(names: object) -> frozenset[str]:
    """`["Paging", "updated-since"]` -> `{"paging", "updated_since"}`: servers spell names loosely."""
    if isinstance(names, dict):
        names = [name for name, on in names.items() if on]
    if not isinstance(names, (list, tuple, set, frozenset)):
        return frozenset()
    cleaned = (str(name).strip().lower().replace("-", "_").replace(" ", "_") for name in names)
    return frozenset(_ALIASES.get(name, name) for name in cleaned)


def require(capabilities: Capabilities | None, name: str, what: str) -> None:
    """Raise NotSupportedError unless the server offers `name` (the call is then not sent at all)."""
    if capabilities is None or name not in capabilities.ext:
        server = "this server (docs-only API)" if capabilities is None or capabilities.docs_only else "this server"
        raise NotSupportedError(f"{what} is not offered by {server}", capability=name)


class CapabilityCache:
    """Capabilities per profile key, in memory and optionally in one JSON file (`{key: capabilities}`)."""

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path is not None else None
        self._memory: dict[str, Capabilities] = {}

    def get(self, key: str) -> Capabilities | None:
        if key in self._memory:
            return self._memory[key]
        stored = self._read_file().get(key)
        if stored is None:
            return None
        try:
            capabilities = Capabilities.model_validate(stored)
        except ValidationError:
            return None
        self._memory[key] = capabilities
        return capabilities

    def put(self, key: str, capabilities: Capabilities) -> None:
        self._memory[key] = capabilities
        if self.path is None:
            return
        data = self._read_file()
        data[key] = {
            "ext": sorted(capabilities.ext),
            "role": capabilities.role,
            "limits": capabilities.limits,
            "docs_only": capabilities.docs_only,
        }
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, temp_name = tempfile.mkstemp(dir=self.path.parent, prefix=".caps-", suffix=".json")
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(data, out, indent=1, sort_keys=True, default=str)
            os.replace(temp_name, self.path)
        except OSError as exc:
            # A cache that cannot be written costs a probe next time, nothing more.
            log.warning("capability cache not written: %s", exc.strerror)

    def _read_file(self) -> dict[str, object]:
        if self.path is None:
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}
