"""synq_desktop.api: the async Synq PIM API client (see ../shared/DESIGN.md and ../shared/API.md).

The surface other layers use:
- `SynqClient` (client.py): one method per API row; `connect()` probes capabilities.
- errors (errors.py): `SynqError` and its subclasses; nothing else escapes the client.
- models (models.py): wire models (`Product`, `Variant`, ...), write models (`ProductWrite`, ...), `Tagged`.
- `Paginator` / `ListResult` (paging.py), `Ext` capability names (capabilities.py), `RetryPolicy`, `Timeouts`.
"""
from synq_desktop.api.capabilities import CapabilityCache, Ext
from synq_desktop.api.client import SynqClient
from synq_desktop.api.errors import (
    AuthError,
    BadAnswerError,
    ConflictError,
    FieldError,
    ForbiddenError,
    InvalidError,
    NetworkError,
    NotFoundError,
    NotSupportedError,
    OutcomeUnknownError,
    PreconditionFailed,
    ServerError,
    StatusError,
    SynqError,
    ThrottledError,
    TooLargeError,
    UnexpectedStatusError,
)
from synq_desktop.api.models import (
    Attribute,
    AttributeGroup,
    AttributeGroupWrite,
    AttributeValue,
    AttributeValueLink,
    AttributeValueWrite,
    AttributeWrite,
    AuditEvent,
    Brand,
    BrandWrite,
    BulkJob,
    Capabilities,
    Category,
    CategoryWrite,
    JobItemError,
    Media,
    MediaWrite,
    Product,
    ProductWrite,
    Stats,
    Tagged,
    Template,
    TemplateWrite,
    ValidationIssue,
    Variant,
    VariantWrite,
)
from synq_desktop.api.paging import ListResult, Paginator
from synq_desktop.api.transport import RetryPolicy, Timeouts, TokenRefresher

__all__ = [
    "Attribute", "AttributeGroup", "AttributeGroupWrite", "AttributeValue", "AttributeValueLink",
    "AttributeValueWrite", "AttributeWrite", "AuditEvent", "AuthError", "BadAnswerError", "Brand", "BrandWrite",
    "BulkJob", "Capabilities", "CapabilityCache", "Category", "CategoryWrite", "ConflictError", "Ext",
    "FieldError", "ForbiddenError", "InvalidError", "JobItemError", "ListResult", "Media", "MediaWrite",
    "NetworkError", "NotFoundError", "NotSupportedError", "OutcomeUnknownError", "Paginator",
    "PreconditionFailed", "Product", "ProductWrite", "RetryPolicy", "ServerError", "Stats", "StatusError",
    "SynqClient", "SynqError", "Tagged", "Template", "TemplateWrite", "ThrottledError", "Timeouts",
    "TokenRefresher", "TooLargeError", "UnexpectedStatusError", "ValidationIssue", "Variant", "VariantWrite",
]
