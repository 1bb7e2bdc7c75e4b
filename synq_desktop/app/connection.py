"""What the app needs to talk to one Synq server: base URL, tenant, org and the bearer token.

The token is a secret: it never appears in a repr, a log line or a file (DESIGN.md, "Data on disk").
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Connection:
    base_url: str
    tenant_id: str
    org_id: str
    token: str = field(repr=False)

    @property
    def headers(self) -> dict[str, str]:
        """The three headers every PIM request carries (API.md, Transport)."""
        return {
            "Authorization": f"Bearer {self.token}",
            "X-Tenant-ID": self.tenant_id,
            "X-Org-ID": self.org_id,
        }
