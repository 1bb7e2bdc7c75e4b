"""Crash safety, CI sample: a seeded sample of the kill matrix (scripts/crash_matrix runs all of it).

Each point: a working copy with a queued workload (product creates, dependent variant creates, updates,
deletes) is pushed by a child process that SIGKILLs itself at the point (or, for "after the server
committed", loses the answer to the sandbox's drop fault and is killed then). After a restart and a full
sync the server must equal the expected model: no duplicate, no lost edit, nothing left in the outbox.
"""
from __future__ import annotations

import os
import random

import pytest

from tests.sync.crash_workload import matrix, run_point

SEED = int(os.environ.get("SYNQ_CRASH_SEED", "20261127"))
# A smaller workload than the matrix's 1,000 operations, pushed 3 records per round so every sampled
# position is reached.
SAMPLE = sorted(random.Random(SEED).sample(matrix(claim_positions=(1, 2, 3), op_positions=(1, 2, 3, 5)), 30),
                key=str)


@pytest.mark.parametrize("point", SAMPLE, ids=str)
def test_killed_push_converges_to_the_model(sandbox, tmp_path, point):
    result = run_point(sandbox, tmp_path, point, n_ops=60, seed=SEED % 1000 + SAMPLE.index(point), batch=3)
    assert result.killed, f"{point} was never reached"
    assert result.problems == [], f"{point}: {result.problems[:10]}"
    assert result.local_left == 0
