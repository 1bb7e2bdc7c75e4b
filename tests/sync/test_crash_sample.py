"""Crash safety, CI sample: a seeded sample of the kill matrix (scripts/crash_matrix runs all of it).

Each point: a working copy with a queued workload (product creates, dependent variant creates, updates,
deletes) is pushed by a child process that SIGKILLs itself at the point (or, for "after the server
committed", loses the answer to the sandbox's drop fault and is killed then). After a restart and a full
sync the server must equal the expected model: no duplicate, no lost edit, nothing left in the outbox.
"""
from __future__ import annotations

import os
import random
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.sync.crash_child import ForkedChildren
from tests.sync.crash_workload import matrix, run_point

SEED = int(os.environ.get("SYNQ_CRASH_SEED", "20261127"))
# A smaller workload than the matrix's 1,000 operations, pushed 3 records per round so every sampled
# position is reached.
SAMPLE = sorted(random.Random(SEED).sample(matrix(claim_positions=(1, 2, 3), op_positions=(1, 2, 3, 5)), 30),
                key=str)
TMPFS = Path("/dev/shm")


@pytest.fixture(scope="module")
def scratch() -> Iterator[Path]:
    """Working copies on tmpfs where there is one: a SIGKILLed process loses nothing an fsync would have
    kept, so the proof is the same, and the commits of each point stop waiting for a shared disk."""
    base = TMPFS if TMPFS.is_dir() and os.access(TMPFS, os.W_OK) else None
    path = Path(tempfile.mkdtemp(prefix="synq-crash-sample-", dir=base))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def children(scratch: Path) -> Iterator[ForkedChildren]:
    with ForkedChildren(scratch) as forked:
        yield forked


@pytest.mark.parametrize("point", SAMPLE, ids=str)
def test_killed_push_converges_to_the_model(sandbox, scratch, children, point):
    workdir = scratch / str(SAMPLE.index(point))
    workdir.mkdir()
    result = run_point(sandbox, workdir, point, n_ops=60, seed=SEED % 1000 + SAMPLE.index(point), batch=3,
                       children=children)
    assert result.killed, f"{point} was never reached"
    assert result.problems == [], f"{point}: {result.problems[:10]}"
    assert result.local_left == 0
    shutil.rmtree(workdir)
