"""Every error the API client raises: one hierarchy, rooted at `SynqError`.

Nothing else escapes `SynqClient`, whatever the server sends, so callers (the sync engine, the UI) can decide
what to do from the type alone:

    SynqError
    ├── StatusError                 the server answered with an error status
    │   ├── AuthError               401: token missing, invalid or expired (pause and sign in again)
    │   ├── ForbiddenError          403: valid token, but the role or the scoping headers forbid it
    │   ├── NotFoundError           404: no such record (or another tenant's)
    │   ├── ConflictError           409: a unique key is taken
    │   ├── PreconditionFailed      412: If-Match did not match the current ETag (merge, then retry)
    │   ├── InvalidError            400/422: invalid input, with per-field messages
    │   ├── TooLargeError           413: body too large (also raised for a download over its size cap)
    │   ├── ThrottledError          429: throttled, with the wait the server asked for
    │   ├── ServerError             5xx: transient server trouble
    │   └── UnexpectedStatusError   any other status (405, 410, 3xx, ...)
    ├── NetworkError                no answer: connect failure, timeout, connection dropped
    ├── BadAnswerError              an answer that cannot be read: bad/truncated JSON, HTML from a proxy, wrong types
    ├── OutcomeUnknownError         a POST whose answer was lost: it may or may not have happened
    └── NotSupportedError           an EXT call the server does not offer (from the capability probe)

Messages never contain the token: they are built from the method, the path and the server's own error text.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FieldError:
    """One field-level complaint from an invalid-input answer."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class SynqError(Exception):
    """Base of every error the client raises.

    `method` and `path` name the request (path without host or query), `attempts` says how many times it was
    sent, and `idempotency_key` is the key a POST carried (None for other methods) so an outbox can replay it.
    """

    def __init__(
        self,
        message: str,
        *,
        method: str | None = None,
        path: str | None = None,
        attempts: int = 1,
        idempotency_key: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.method = method
        self.path = path
        self.attempts = attempts
        self.idempotency_key = idempotency_key

    def __str__(self) -> str:
        where = f"{self.method} {self.path}: " if self.method and self.path else ""
        return f"{where}{self.message}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"


class StatusError(SynqError):
    """The server answered with an error status; `status` holds it and `body` its parsed JSON (or None)."""

    def __init__(self, message: str, *, status: int, body: object = None, **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.status = status
        self.body = body


class AuthError(StatusError):
    """401: the token is missing, invalid or expired, or the scoping headers are missing."""


class ForbiddenError(StatusError):
    """403: the token is valid but its role may not do this, or the scoping headers contradict it."""


class NotFoundError(StatusError):
    """404: no such record, or it belongs to another tenant (also a route the server lacks)."""


class ConflictError(StatusError):
    """409: a unique key (slug, name, ...) is already taken."""


class PreconditionFailed(StatusError):
    """412: the record changed since the ETag sent in If-Match was read.

    With `attempts > 1` an earlier attempt whose answer was lost may itself have applied the change: compare
    the current record with what was sent before treating it as a conflict.
    """


class InvalidError(StatusError):
    """400/422: the server refused the input. `field_errors` lists what it said about each field.

    Also raised (with `status` 0) when the client itself refuses a body before sending it.
    """

    def __init__(self, message: str, *, field_errors: tuple[FieldError, ...] = (), **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.field_errors = tuple(field_errors)

    def __str__(self) -> str:
        base = super().__str__()
        unsaid = [str(error) for error in self.field_errors if str(error) not in base]
        return base + " (" + "; ".join(unsaid) + ")" if unsaid else base


class TooLargeError(StatusError):
    """413: the body is over the server's limit, or a download passed the caller's size cap (`status` 0)."""


class ThrottledError(StatusError):
    """429: too many requests. `retry_after` is the wait in seconds the server asked for (None if unsaid)."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.retry_after = retry_after


class ServerError(StatusError):
    """5xx: the server (or a proxy in front of it) failed; usually transient."""


class UnexpectedStatusError(StatusError):
    """A status the contract does not describe (405, 410, a redirect, ...)."""


class NetworkError(SynqError):
    """No answer: the connection failed, timed out or was dropped before an answer arrived."""


class BadAnswerError(SynqError):
    """An answer arrived but cannot be used: not JSON, truncated, a proxy's HTML page, or the wrong shape.

    `status` is the HTTP status that came with it.
    """

    def __init__(self, message: str, *, status: int | None = None, **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.status = status


class OutcomeUnknownError(SynqError):
    """A POST was sent but its answer was lost (dropped connection, timeout, unreadable 2xx body).

    The server may or may not have acted on it. Re-send it with the same `idempotency_key` (a server with the
    Idempotency-Key extension then answers with the first result and creates nothing), or look the record up
    by its natural key. `cause` is the underlying NetworkError or BadAnswerError.
    """

    def __init__(self, message: str, *, cause: SynqError | None = None, **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.cause = cause


class NotSupportedError(SynqError):
    """The server does not offer this EXT feature (per the capability probe), so the call was not sent."""

    def __init__(self, message: str, *, capability: str, **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.capability = capability


STATUS_ERRORS: dict[int, type[StatusError]] = {
    400: InvalidError,
    401: AuthError,
    403: ForbiddenError,
    404: NotFoundError,
    409: ConflictError,
    412: PreconditionFailed,
    413: TooLargeError,
    422: InvalidError,
    429: ThrottledError,
}


def status_error_class(status: int) -> type[StatusError]:
    """The error class for an HTTP error status."""
    if status in STATUS_ERRORS:
        return STATUS_ERRORS[status]
    if 500 <= status <= 599:
        return ServerError
    return UnexpectedStatusError
