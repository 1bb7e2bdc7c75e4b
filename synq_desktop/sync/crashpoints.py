"""The crash-point hook: `SYNQ_CRASH_POINT=<name>[@<n>]` kills this process with SIGKILL the n-th time
(default the first) the named point is reached. Inert unless the variable is set.

Why: the crash-safety proofs (tests/sync, scripts/crash_matrix) kill a real sync at the exact moments the
outbox state machine must survive, with no cooperation from the code under test (SIGKILL skips every
finally block, flush and atexit handler, as a power cut or an OOM kill would).

Client-side points (where the engine calls `reach`):
- before_inflight_commit: the PENDING -> IN_FLIGHT transaction is written but not committed.
- after_inflight_commit: IN_FLIGHT is committed, the request is not sent yet.
- after_answer_before_local_commit: the server's 2xx answer is in hand, the local commit has not happened.
- after_page_commit: one pulled page (and its watermark) is committed; the next page is not asked for.
- after_lost_answer: a request's answer was lost (connection dropped, unreadable): with the sandbox's
  `drop_after_commit_rate` fault this is "after the server committed, before the answer was read".
Each point may carry an operation kind: `after_inflight_commit:create_variant@3` is the third round that
claims a variant create.
The fourth point of the matrix, "after the server committed but before the answer was read", has no client
hook: the sandbox's `drop_after_commit_rate` fault closes the connection after committing (AFTER_SERVER_COMMIT).
"""
from __future__ import annotations

import os
import signal
import threading

ENV = "SYNQ_CRASH_POINT"

BEFORE_INFLIGHT_COMMIT = "before_inflight_commit"
AFTER_INFLIGHT_COMMIT = "after_inflight_commit"
AFTER_ANSWER_BEFORE_LOCAL_COMMIT = "after_answer_before_local_commit"
AFTER_PAGE_COMMIT = "after_page_commit"
AFTER_LOST_ANSWER = "after_lost_answer"
AFTER_SERVER_COMMIT = "after_server_commit"  # a sandbox fault, not a client hook (see the module docstring)

POINTS = (BEFORE_INFLIGHT_COMMIT, AFTER_INFLIGHT_COMMIT, AFTER_ANSWER_BEFORE_LOCAL_COMMIT, AFTER_PAGE_COMMIT,
          AFTER_LOST_ANSWER)

_lock = threading.Lock()
_counts: dict[str, int] = {}


def parse(value: str | None) -> tuple[str, int] | None:
    """`"name@3"` -> ("name", 3); `"name"` -> ("name", 1); empty or malformed -> None (inert)."""
    if not value:
        return None
    name, _, count = value.strip().partition("@")
    if not name:
        return None
    try:
        nth = int(count) if count else 1
    except ValueError:
        return None
    return (name, nth) if nth >= 1 else None


def reach(name: str, kinds: tuple[str, ...] = ()) -> None:
    """Mark that execution reached `name` (and `name:<kind>` for each operation kind involved, e.g.
    `after_inflight_commit:create_variant`); SIGKILL this process if the hook says so."""
    wanted = parse(os.environ.get(ENV))
    if wanted is None:
        return
    target, nth = wanted
    names = (name, *(f"{name}:{kind}" for kind in dict.fromkeys(kinds)))
    if target not in names:
        return
    with _lock:
        _counts[target] = _counts.get(target, 0) + 1
        hit = _counts[target] == nth
    if hit:
        os.kill(os.getpid(), signal.SIGKILL)


def kind_of(entity_type: str, kind: str) -> str:
    """The kind label of an operation for `name:<kind>` points: create_product, create_variant, update, ..."""
    return f"create_{entity_type}" if kind == "create" else kind


def reset() -> None:
    """Forget the counts (tests that reach points in-process with the hook off)."""
    with _lock:
        _counts.clear()
