"""A real working copy (SQLite file, the store's migrations) filled as a pull from the server would:
records with server ids and merge bases, so edits made in the tests are updates of synced records."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, insert

from synq_desktop.store import schema
from synq_desktop.store.working_copy import WorkingCopy

NOW = "2026-11-01T10:00:00Z"


@dataclass(frozen=True)
class CatalogIds:
    categories: dict[str, str]  # slug -> id
    brands: dict[str, str]
    products: list[str]


def _rows(connection: Connection, products: int, variants_per_product: int) -> CatalogIds:
    tree = [("clothing", None, "Clothing"), ("shirts", "clothing", "Shirts"), ("trousers", "clothing", "Trousers"),
            ("home", None, "Home"), ("kitchen", "home", "Kitchen"), ("knives", "kitchen", "Knives")]
    cats: dict[str, str] = {}
    for slug, parent, name in tree:
        cid = f"cat-{slug}"
        cats[slug] = cid
        base = {"name": name, "slug": slug, "parent_id": cats.get(parent) if parent else None, "description": None}
        connection.execute(insert(schema.categories).values(
            local_id=cid, server_id=cid, base=base, created_at=NOW, updated_at=NOW, **base))
    brands = {}
    for name in ("Acme", "Borealis", "Cobalt"):
        bid = f"brand-{name.lower()}"
        brands[name] = bid
        base = {"name": name, "description": None, "logo_url": None}
        connection.execute(insert(schema.brands).values(
            local_id=bid, server_id=bid, base=base, created_at=NOW, updated_at=NOW, **base))
    connection.execute(insert(schema.templates).values(
        local_id="tpl-basic", server_id="tpl-basic", name="Basic", base={"name": "Basic"}, created_at=NOW,
        updated_at=NOW))
    leafs = ["shirts", "trousers", "knives", "kitchen"]
    ids: list[str] = []
    product_rows, variant_rows = [], []
    for n in range(products):
        pid = f"prod-{n:05d}"
        ids.append(pid)
        fields = {"title": f"Product {n:05d} {('red', 'blue', 'green')[n % 3]}", "description": f"About {n}",
                  "category": None, "category_id": cats[leafs[n % len(leafs)]],
                  "brand_id": list(brands.values())[n % 3], "template_id": "tpl-basic", "status": "ACTIVE"}
        product_rows.append(dict(local_id=pid, server_id=pid, base=fields, created_at=NOW, updated_at=NOW, **fields))
        for v in range(variants_per_product):
            vid = f"var-{n:05d}-{v}"
            vfields = {"sku": f"SKU-{n:05d}-{v}", "barcode": None, "price": "19.99", "currency": "EUR",
                       "cost_price": None}
            variant_rows.append(dict(local_id=vid, server_id=vid, product_id=pid, base=vfields, created_at=NOW,
                                     updated_at=NOW, **vfields))
    if product_rows:
        connection.execute(insert(schema.products), product_rows)
    if variant_rows:
        connection.execute(insert(schema.variants), variant_rows)
    return CatalogIds(cats, brands, ids)


def make_working_copy(path: Path, products: int = 50, variants_per_product: int = 2) -> tuple[WorkingCopy, CatalogIds]:
    copy = WorkingCopy.open(path)
    ids = copy.write_blocking(_rows, products, variants_per_product)
    return copy, ids
