"""The page writer commits many pages to a transaction (sync.pull.PageWriter), yet a list's progress still
shows in steps: about an eighth of the list per commit (at most two batches wait), each commit reported."""
from __future__ import annotations

import math

from synq_desktop.api.paging import PAGE_SIZE
from synq_desktop.store.working_copy import WorkingCopy
from tests.sync.helpers import server_all, sync


def test_a_long_list_commits_in_steps_and_reports_each(sandbox, tmp_path):
    creds = sandbox.mint("ADMIN")
    sandbox.seed_demo(creds, products=300, seed=11)
    total = len(server_all(creds, "/variants"))
    pages = math.ceil(total / PAGE_SIZE)
    assert pages >= 8, pages  # long enough for the steps to show

    events: list = []
    with WorkingCopy.open(tmp_path / "catalog.sqlite") as wc:
        sync(wc, creds, events=events)
        with wc.reading() as connection:
            stored = connection.exec_driver_sql("SELECT count(*) FROM variants").scalar()

    steps = [e for e in events if e.phase == "pull:variants" and e.done]
    done = [e.done for e in steps]
    assert stored == total and done[-1] == total and steps[-1].total == total
    assert done == sorted(done)  # records read when each commit was made
    batch = math.ceil(pages / 8)  # an eighth of the list, in whole pages; a commit takes what waits: <= 2 batches
    assert math.ceil(pages / (2 * batch)) <= len(steps) <= pages, (pages, done)
