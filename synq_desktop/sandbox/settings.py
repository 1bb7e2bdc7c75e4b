"""What a sandbox server is started with: storage, demo catalog, credentials, EXT switch, rates, faults."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Bodies: API.md says JSON over 10 MB is 413; uploads take one image up to 25 MB plus multipart framing.
MAX_JSON_BODY = 10 * 1024 * 1024
MAX_UPLOAD_BODY = 25 * 1024 * 1024 + 64 * 1024


@dataclass
class SandboxSettings:
    """Everything `create_app` and `SandboxServer` need; the CLI fills it from its flags.

    `database` None keeps the catalog in memory; a path keeps it in a SQLite file, and a restart on the
    same file finds the same catalog and the same demo credentials (nothing is reseeded).
    """

    database: Path | str | None = None
    docs_only: bool = False
    demo_products: int | None = 500
    seed: int = 1
    token: str | None = None
    tenant_id: str | None = None
    org_id: str | None = None
    token_ttl_seconds: int | None = None
    # Items per second the job worker processes; 0 or less means as fast as it can.
    job_rate: float = 20.0
    rate_limit_per_minute: int = 6000
    # A synq_desktop.sandbox.faults.FaultConfig (typed Any so settings import nothing heavy).
    faults: Any = None
    host: str = "127.0.0.1"
    port: int = 0
    # Where uploads and export files go; None: beside the database file, or a temporary folder.
    files_dir: Path | str | None = None
    # Docs-only servers may answer product lists with the light projection (API.md "may be").
    docs_only_light_lists: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
