"""The crash-proof workload: a seeded mix of product creates, dependent variant creates, updates and
deletes queued in a working copy, the model the server must end up equal to, and the check of it.

Used by the CI sample (tests/sync/test_crash_sample.py) and the full matrix (scripts/crash_matrix).
"""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from synq_desktop.store import edits, outbox
from synq_desktop.store.working_copy import WorkingCopy
from synq_desktop.sync import crashpoints
from tests.sync.crash_child import REPO, ForkedChildren
from tests.sync.helpers import server_all, sync

KINDS = ("create_product", "create_variant", "update", "delete")
CLIENT_POINTS = (crashpoints.BEFORE_INFLIGHT_COMMIT, crashpoints.AFTER_INFLIGHT_COMMIT,
                 crashpoints.AFTER_ANSWER_BEFORE_LOCAL_COMMIT)
SERVER_POINT = crashpoints.AFTER_SERVER_COMMIT
POINTS = (*CLIENT_POINTS, SERVER_POINT)
FAULT_PATHS = {
    "create_product": r"/products$",
    "create_variant": r"/products/[^/]+/variants$",
    "update": r"/(products|variants)/[^/]+$",
    "delete": r"/products/[^/]+$",
}
# Only the answer of the request that makes the change is lost, not a read on the same path: the update or
# delete of a record pulled from a list (no ETag) GETs it first, and the creates' paths are also lists.
FAULT_METHODS = {
    "create_product": ["POST"],
    "create_variant": ["POST"],
    "update": ["PUT"],
    "delete": ["DELETE"],
}


@dataclass(frozen=True, slots=True)
class CrashPoint:
    kind: str
    point: str
    position: int

    @property
    def hook(self) -> str:
        """The SYNQ_CRASH_POINT value. The server point is the sandbox dropping the answer after its commit,
        then the kill where the client learns of the loss. A lost DELETE or PUT answer never reaches the
        engine as a loss: the transport's retry meets 404 (counted done) or 412 (our own change moved the
        ETag; push fetches the record, finds its values there and counts it applied), so there the kill comes
        before the local commit of that outcome."""
        if self.point != SERVER_POINT:
            name = self.point
        elif self.kind in ("delete", "update"):
            name = crashpoints.AFTER_ANSWER_BEFORE_LOCAL_COMMIT
        else:
            name = crashpoints.AFTER_LOST_ANSWER
        return f"{name}:{self.kind}@{self.position}"

    def __str__(self) -> str:
        return f"{self.point}:{self.kind}@{self.position}"


CLAIM_POINTS = (crashpoints.BEFORE_INFLIGHT_COMMIT, crashpoints.AFTER_INFLIGHT_COMMIT)
FULL_CLAIM_POSITIONS = tuple(range(1, 11))
FULL_OP_POSITIONS = (1, 2, 3, 4, 5, 8, 13, 21, 34, 45, 55, 70, 89, 95, 99)


def matrix(claim_positions: tuple[int, ...] = FULL_CLAIM_POSITIONS,
           op_positions: tuple[int, ...] = FULL_OP_POSITIONS) -> list[CrashPoint]:
    """Operation kind x crash point x position. A claim point is reached once per push round that claims
    an operation of that kind, the others once per operation: 4 x (2 x 10 + 2 x 15) = 200 by default."""
    return [CrashPoint(kind, point, n) for kind in KINDS for point in POINTS
            for n in (claim_positions if point in CLAIM_POINTS else op_positions)]


@dataclass(slots=True)
class Expected:
    products: dict[str, dict[str, Any]] = field(default_factory=dict)  # server id -> fields (kept ones)
    variants: dict[str, dict[str, Any]] = field(default_factory=dict)  # server id -> fields
    deleted: set[str] = field(default_factory=set)
    new_products: dict[str, dict[str, Any]] = field(default_factory=dict)  # title -> fields
    new_variants: dict[str, dict[str, Any]] = field(default_factory=dict)  # sku -> fields (+ product title)
    ops: int = 0


def _plan(rng: random.Random, n_ops: int, products: list[dict[str, Any]], variants: list[dict[str, Any]],
          tag: str) -> tuple[list[tuple[str, Any]], Expected]:
    share = {"new_product": 0.15, "new_variant": 0.30, "product_update": 0.25, "variant_update": 0.20}
    n_new = max(1, int(n_ops * share["new_product"]))
    n_new_variants = max(1, int(n_ops * share["new_variant"]))
    n_pupd = max(1, int(n_ops * share["product_update"]))
    n_vupd = max(1, int(n_ops * share["variant_update"]))
    n_del = max(1, n_ops - n_new - n_new_variants - n_pupd - n_vupd)
    expected = Expected()
    by_id = {p["id"]: p for p in products}
    for p in products:
        expected.products[p["id"]] = {"title": p["title"], "description": p.get("description"),
                                      "status": p.get("status")}
    for v in variants:
        expected.variants[v["id"]] = {"sku": v["sku"], "price": Decimal(str(v["price"])) if v.get("price") else None,
                                      "product_id": v["product_id"]}
    shuffled = list(by_id)
    rng.shuffle(shuffled)
    updated_variant_products = set()
    variant_pool = list(variants)
    rng.shuffle(variant_pool)
    plan: list[tuple[str, Any]] = []
    for v in variant_pool[:n_vupd]:
        price = Decimal(rng.randint(100, 99999)) / 100
        plan.append(("update_variant", (v["id"], {"price": str(price)})))
        expected.variants[v["id"]]["price"] = price
        updated_variant_products.add(v["product_id"])
    deletable = [pid for pid in shuffled if pid not in updated_variant_products]
    for pid in deletable[:n_del]:
        plan.append(("delete_product", pid))
        expected.deleted.add(pid)
        del expected.products[pid]
        for vid in [vid for vid, v in expected.variants.items() if v["product_id"] == pid]:
            del expected.variants[vid]
    for pid in [pid for pid in shuffled if pid not in expected.deleted][:n_pupd]:
        changes: dict[str, Any] = {"description": f"edited {tag} {rng.randint(0, 10**9)}"}
        if rng.random() < 0.5:
            changes["status"] = rng.choice(["DRAFT", "ARCHIVED", "ACTIVE"])
        plan.append(("update_product", (pid, changes)))
        expected.products[pid].update(changes)
    per_product = max(1, n_new_variants // n_new)
    sku_index = 0
    for index in range(n_new):
        title = f"crash new {tag} {index}"
        fields = {"title": title, "description": f"new {index}", "status": "ACTIVE"}
        skus = []
        for _ in range(per_product if index < n_new - 1 else n_new_variants - per_product * (n_new - 1)):
            sku = f"CR-{tag}-{sku_index}"
            sku_index += 1
            price = Decimal(rng.randint(100, 99999)) / 100
            skus.append((sku, price))
            expected.new_variants[sku] = {"sku": sku, "price": price, "product_title": title}
        plan.append(("create_product", (title, fields, skus)))
        expected.new_products[title] = fields
    rng.shuffle(plan)
    return plan, expected


def _queue(connection: Connection, plan: list[tuple[str, Any]]) -> int:
    for action, args in plan:
        if action == "update_variant":
            edits.update(connection, "variant", args[0], args[1])
        elif action == "update_product":
            edits.update(connection, "product", args[0], args[1])
        elif action == "delete_product":
            edits.delete(connection, "product", args)
        else:
            _title, fields, skus = args
            pid = edits.create(connection, "product", fields)
            for sku, price in skus:
                edits.create(connection, "variant", {"product_id": pid, "sku": sku, "price": str(price),
                                                     "currency": "USD"})
    return len(outbox.operations(connection))


def prepare(sandbox: Any, db: Path, n_ops: int, seed: int) -> tuple[Any, Expected]:
    """A fresh tenant with a demo catalog, pulled into `db`, with the workload queued (not pushed)."""
    creds = sandbox.mint("ADMIN")
    sandbox.seed_demo(creds, products=max(12, int(n_ops * 0.45)), seed=seed)
    wc = WorkingCopy.open(db)
    try:
        sync(wc, creds)
        products = server_all(creds, "/products")
        variants = server_all(creds, "/variants")
        plan, expected = _plan(random.Random(seed), n_ops, products, variants, creds.tenant_id[:8])
        expected.ops = wc.write_blocking(_queue, plan)
    finally:
        wc.close()
    return creds, expected


def run_child(db: Path, creds: Any, hook: str | None, batch: int, timeout: float = 300.0,
              children: ForkedChildren | None = None) -> int:
    """Push `db` in a child process killed at `hook`: its exit code (0 finished, -9 killed). `children`
    forks it from a warm fork server; without, it is a new interpreter."""
    if children is not None:
        return children.run(db, creds, hook, batch, timeout)
    env = {**os.environ, "SYNQ_TOKEN": creds.token}
    env.pop(crashpoints.ENV, None)
    if hook:
        env[crashpoints.ENV] = hook
    child = subprocess.run(
        [sys.executable, "-m", "tests.sync.crash_child", str(db), creds.url, creds.tenant_id, creds.org_id, str(batch)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    if child.returncode not in (0, -signal.SIGKILL):
        raise AssertionError(f"child failed ({child.returncode}): {child.stderr[-2000:]}")
    return child.returncode


def check(creds: Any, expected: Expected) -> list[str]:
    """Differences between the server and the expected model (empty: equal)."""
    problems: list[str] = []
    products = server_all(creds, "/products")
    variants = server_all(creds, "/variants")
    by_id = {p["id"]: p for p in products}
    titles = Counter(p["title"] for p in products)
    for title in expected.new_products:
        if titles[title] != 1:
            problems.append(f"new product {title!r} is on the server {titles[title]} times")
    for pid, fields in expected.products.items():
        found = by_id.get(pid)
        if found is None:
            problems.append(f"product {pid} lost")
            continue
        for name, value in fields.items():
            if found.get(name) != value:
                problems.append(f"product {pid} {name}: {found.get(name)!r} != {value!r}")
    for pid in expected.deleted:
        if pid in by_id:
            problems.append(f"deleted product {pid} still on the server")
    for title, fields in expected.new_products.items():
        for found in (p for p in products if p["title"] == title):
            for name, value in fields.items():
                if found.get(name) != value:
                    problems.append(f"new product {title!r} {name}: {found.get(name)!r} != {value!r}")
    if len(products) != len(expected.products) + len(expected.new_products):
        problems.append(f"{len(products)} products, expected {len(expected.products) + len(expected.new_products)}")
    skus = Counter(v["sku"] for v in variants)
    v_by_id = {v["id"]: v for v in variants}
    for vid, fields in expected.variants.items():
        found = v_by_id.get(vid)
        if found is None:
            problems.append(f"variant {vid} lost")
        elif fields["price"] is not None and Decimal(str(found["price"])) != fields["price"]:
            problems.append(f"variant {vid} price {found['price']} != {fields['price']}")
    title_of = {p["id"]: p["title"] for p in products}
    for sku, fields in expected.new_variants.items():
        if skus[sku] != 1:
            problems.append(f"new SKU {sku} is on the server {skus[sku]} times")
            continue
        found = next(v for v in variants if v["sku"] == sku)
        if Decimal(str(found["price"])) != fields["price"]:
            problems.append(f"new SKU {sku} price {found['price']} != {fields['price']}")
        if title_of.get(found["product_id"]) != fields["product_title"]:
            problems.append(f"new SKU {sku} under the wrong product")
    if len(variants) != len(expected.variants) + len(expected.new_variants):
        problems.append(f"{len(variants)} variants, expected {len(expected.variants) + len(expected.new_variants)}")
    return problems


@dataclass(slots=True)
class PointResult:
    point: CrashPoint
    killed: bool
    problems: list[str]
    local_left: int
    seconds: float


def run_point(sandbox: Any, workdir: Path, point: CrashPoint, n_ops: int, seed: int, batch: int = 10,
              children: ForkedChildren | None = None) -> PointResult:
    """Prepare, push in a child killed at the point, restart, full sync, compare with the model."""
    started = time.monotonic()
    db = workdir / f"{point.kind}-{point.point}-{point.position}.sqlite"
    creds, expected = prepare(sandbox, db, n_ops, seed)
    if point.point == SERVER_POINT:
        sandbox.set_faults(drop_after_commit_rate=1.0, paths=FAULT_PATHS[point.kind],
                           methods=FAULT_METHODS[point.kind])
    try:
        code = run_child(db, creds, point.hook, batch, children=children)
    finally:
        if point.point == SERVER_POINT:
            sandbox.reset_faults()
    wc = WorkingCopy.open(db)
    try:
        for _ in range(3):  # a restart, then syncs until nothing is left (backoff may defer a few)
            summary = sync(wc, creds)
            if not summary.pending:
                break
        left = len(wc.read_blocking(outbox.operations)) + len(wc.read_blocking(outbox.open_conflicts))
    finally:
        wc.close()
    return PointResult(point, code == -signal.SIGKILL, check(creds, expected), left, time.monotonic() - started)
