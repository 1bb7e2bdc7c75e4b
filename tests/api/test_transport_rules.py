"""Pure rules of the transport: Retry-After, error bodies, base URLs, secrets in reprs."""
from __future__ import annotations

import email.utils
import time

import pytest

from synq_desktop.api import SynqClient
from synq_desktop.api.errors import (
    AuthError,
    ConflictError,
    FieldError,
    InvalidError,
    ServerError,
    ThrottledError,
    UnexpectedStatusError,
    status_error_class,
)
from synq_desktop.api.transport import (
    Credentials,
    RetryPolicy,
    error_message_of,
    field_errors_of,
    normalize_base_url,
    parse_retry_after,
)


def test_retry_after_seconds_and_http_date() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(" 0 ") == 0.0
    now = time.time()
    date = email.utils.formatdate(now + 10, usegmt=True)
    assert 8.0 <= (parse_retry_after(date, now=now) or 0) <= 10.0
    assert parse_retry_after(email.utils.formatdate(now - 100, usegmt=True), now=now) == 0.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


def test_backoff_is_jittered_exponential_and_capped() -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=4.0)
    for attempt, ceiling in [(1, 1.0), (2, 2.0), (3, 4.0), (6, 4.0)]:
        waits = {policy.backoff(attempt) for _ in range(20)}
        assert all(ceiling / 2 <= wait <= ceiling for wait in waits) and len(waits) > 1


def test_field_errors_in_every_shape() -> None:
    assert field_errors_of({"error": "x", "errors": [{"field": "slug", "message": "taken"}]}) == (
        FieldError("slug", "taken"),
    )
    assert field_errors_of({"detail": [{"loc": ["body", "price"], "msg": "must be >= 0"}]}) == (
        FieldError("price", "must be >= 0"),
    )
    assert field_errors_of({"errors": {"title": ["required", "too short"]}}) == (
        FieldError("title", "required"), FieldError("title", "too short"),
    )
    assert field_errors_of("nonsense") == ()


def test_error_messages_from_error_message_detail_or_status() -> None:
    assert error_message_of({"error": "Slug taken"}, 409) == "Slug taken"
    assert error_message_of({"message": "Nope"}, 403) == "Nope"
    assert error_message_of({"detail": "Not Found"}, 404) == "Not Found"
    assert error_message_of(None, 502) == "HTTP 502 Bad Gateway"
    assert error_message_of({"error": {"message": "nested"}}, 400) == "nested"


def test_status_classes() -> None:
    assert status_error_class(401) is AuthError
    assert status_error_class(409) is ConflictError
    assert status_error_class(422) is InvalidError
    assert status_error_class(429) is ThrottledError
    assert status_error_class(503) is ServerError
    assert status_error_class(405) is UnexpectedStatusError


def test_invalid_error_lists_fields_in_its_message() -> None:
    error = InvalidError("bad", status=400, field_errors=(FieldError("slug", "taken"),), method="POST", path="/x")
    assert str(error) == "POST /x: bad (slug: taken)"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://api.synq.app", "https://api.synq.app"),
        ("https://api.synq.app/", "https://api.synq.app"),
        ("https://api.synq.app/api/v1/pim/", "https://api.synq.app"),
        (" http://127.0.0.1:8000 ", "http://127.0.0.1:8000"),
    ],
)
def test_base_url_normalised(given: str, expected: str) -> None:
    assert normalize_base_url(given) == expected


@pytest.mark.parametrize("bad", ["", "api.synq.app", "ftp://x", "http://"])
def test_bad_base_url_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        normalize_base_url(bad)
    with pytest.raises(InvalidError) as refused:  # the client says so with a typed error
        SynqClient(bad, "token", "tenant", "org")
    assert refused.value.field_errors[0].field == "base_url"


def test_credentials_never_show_the_token() -> None:
    creds = Credentials("s3cr3t-token", "tenant", "org")
    assert "s3cr3t" not in repr(creds) and "s3cr3t" not in str(creds)
    assert creds.headers()["Authorization"] == "Bearer s3cr3t-token"
    creds.replace_token("other")
    assert creds.generation == 1 and creds.headers()["Authorization"] == "Bearer other"
