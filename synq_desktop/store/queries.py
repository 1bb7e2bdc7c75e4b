"""The queries the views need, as plain functions of a Connection (run them with `WorkingCopy.read`).

Grids are id lists sorted and filtered in SQL, then rows fetched a page at a time (Anki's browser
model). Every sortable column is stored and indexed (partial indexes over live rows with the local id
as tie breaker), so sorting 100k products reads one index. Text search uses the FTS5 trigram tables:
any fragment of three or more characters of a title, description or SKU finds its product, and so
does a whole barcode;
shorter fragments fall back to LIKE on the title. Id lists are read through the driver's cursor, not
SQLAlchemy rows: 100k ids in a few milliseconds. A broad SKU fragment (thousands of matches) is
answered from SKUs kept in memory instead of FTS; what searches keep in memory is built ahead of
the keystrokes by `search_cache_builders`. Match sets are byte marks per product rowid (`Marks`).
A long unfiltered list can be read head first (`first_product_ids`) and its whole read abandoned
part way (`abandon`, `Abandoned`) when a newer query waits behind it.
"""
from __future__ import annotations

import json
import re
import sqlite3
from array import array
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import compress, islice, repeat
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from synq_desktop.store import schema
from synq_desktop.store.entities import spec_for
from synq_desktop.store.errors import EditError
from synq_desktop.store.states import EntityType
from synq_desktop.store.timestamps import now_iso

# Grid column -> stored column. Sorting by anything else is refused, so no text reaches ORDER BY.
PRODUCT_SORTS: dict[str, str] = {
    "title": "title", "category": "category_sort", "brand": "brand_sort", "template": "template_sort",
    "status": "status", "variant_count": "variant_count", "quality": "data_quality_score",
    "data_quality_score": "data_quality_score", "updated_at": "updated_at", "created_at": "created_at",
    "sync_state": "sync_state", "issues": "issue_level", "issue_level": "issue_level",
}
VARIANT_SORTS: dict[str, str] = {
    "sku": "sku", "barcode": "barcode", "price": "CAST(price AS REAL)", "currency": "currency",
    "quality": "data_quality_score", "data_quality_score": "data_quality_score", "updated_at": "updated_at",
    "sync_state": "sync_state", "issues": "issue_level", "issue_level": "issue_level", "cost_price": "cost_price",
}
PRODUCT_COLUMNS = (
    "local_id", "server_id", "title", "description", "category", "category_id", "category_sort", "brand_id",
    "brand_sort", "template_id", "template_sort", "status", "variant_count", "data_quality_score", "created_at",
    "updated_at", "local_updated_at", "sync_state", "issue_level", "issues", "remote_deleted",
)
VARIANT_COLUMNS = (
    "local_id", "server_id", "product_id", "sku", "barcode", "price", "currency", "cost_price", "option_values",
    "data_quality_score", "updated_at", "sync_state", "issue_level", "issues", "remote_deleted",
)
JSON_COLUMNS = {"issues", "option_values"}
MIN_TRIGRAM = 3


def _raw(connection: Connection) -> sqlite3.Connection:
    """The driver connection under `connection` (same transaction): id lists without per-row overhead."""
    return connection.connection.driver_connection  # type: ignore[return-value]


@dataclass(frozen=True, slots=True)
class ProductFilter:
    """What the product grid shows. Empty fields filter nothing."""

    text: str = ""
    category_id: str | None = None
    include_subcategories: bool = True
    uncategorized: bool = False
    brand_id: str | None = None
    template_id: str | None = None
    statuses: tuple[str, ...] = ()
    sync_states: tuple[str, ...] = ()
    min_issue_level: int | None = None


def fts_terms(text: str) -> list[str]:
    """The user's words as FTS5 phrases (quoted, so no word is read as query syntax)."""
    return [t for t in re.split(r"\s+", text.strip()) if t]


def _quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


# A set of products is kept as marks: one byte per product rowid (up to the largest), 1 where the
# product is in the set. 100 KB at 100k products where a set of 50k ints costs ~3.5 MB; two of them
# are intersected in C (as big integers), and the sorted walk reads one byte per product.
Marks = bytes
_MARK = b"\x01"  # counted and found as a bytes needle: twice as fast as the int 1
_first = itemgetter(0)


def _mark(rowids: Iterable[int], size: int) -> Marks:
    marks = bytearray(size)
    deque(map(marks.__setitem__, rowids, repeat(1)), maxlen=0)
    return bytes(marks)


def _both(a: Marks, b: Marks) -> Marks:
    size = min(len(a), len(b))
    return (int.from_bytes(a[:size], "little") & int.from_bytes(b[:size], "little")).to_bytes(size, "little")


def _either(a: Marks, b: Marks) -> Marks:
    size = max(len(a), len(b))
    return (int.from_bytes(a, "little") | int.from_bytes(b, "little")).to_bytes(size, "little")


def _scan(texts: list[str], folded: str) -> Marks:
    """Marks of the products whose kept text (a list indexed by rowid) contains `folded`: one pass in C
    that yields the marks themselves, however many match."""
    return bytes(map(str.__contains__, texts, repeat(folded)))


def _by_rowid(rowids: array[int], texts: list[str], size: int) -> list[str]:
    """`texts` placed at their `rowids` in a list of `size` ("" elsewhere), for `_scan`."""
    placed = [""] * size
    deque(map(placed.__setitem__, rowids, texts), maxlen=0)
    return placed


def _products_size(raw: sqlite3.Connection) -> int:
    """Length of a product marks list: the largest product rowid, plus one."""
    return raw.execute("SELECT coalesce(max(rowid), 0) + 1 FROM products").fetchone()[0]


def _marked(marks: Marks) -> list[int]:
    return list(compress(range(len(marks)), marks))


def _fts_rowids(raw: sqlite3.Connection, match: str) -> list[int]:
    """Rowids of the products whose title or description matches, as one JSON array built by SQLite
    and parsed in C: a third of the CPU of stepping a cursor through 40k rows."""
    sql = "SELECT json_group_array(rowid) FROM products_fts WHERE products_fts MATCH ?"
    return json.loads(raw.execute(sql, (match,)).fetchone()[0])


def _text_matches(connection: Connection, text: str) -> Marks | None:
    """Marks of the products whose text matches, or None when `text` has no words. Every word must
    match a product's title or description, one of its SKUs, or (whole) a barcode. When no word
    matches any SKU or barcode, one FTS query with AND does it all (FTS intersects its lists far
    faster than SQL). No join on products and no sort: the caller keeps the live products of its
    sorted list that are marked. The marks of a single word are remembered (`_word_memo`): typing
    goes "wool", "wool ", "wool s", so the words before the last are known already."""
    raw = _raw(connection)
    terms = fts_terms(text)
    if not terms:
        return None
    memo = _word_memo(connection)
    size = _products_size(raw)
    known = [_remember(memo, t, memo[t]) for t in dict.fromkeys(terms) if t in memo]  # kept longest
    fresh = [t for t in dict.fromkeys(terms) if t not in memo]
    long_terms = [t for t in fresh if len(t) >= MIN_TRIGRAM]
    short_terms = [t for t in fresh if len(t) < MIN_TRIGRAM]
    in_variants = [t for t in long_terms if _matches_a_variant(raw, t)]
    found: Marks | None = None

    def narrow(marks: Marks) -> None:
        nonlocal found
        found = marks if found is None else _both(found, marks)

    for marks in known:
        narrow(marks)
    if long_terms and not in_variants:
        both = _mark(_fts_rowids(raw, " AND ".join(_quote(t) for t in long_terms)), size)
        if len(long_terms) == 1:
            _remember(memo, long_terms[0], both)
        narrow(both)
    else:
        for term in long_terms:
            narrow(_remember(memo, term, _either(
                _mark(_fts_rowids(raw, _quote(term)), size), _variant_marks(connection, term, size))))
    for term in short_terms:
        narrow(_remember(memo, term, _scan(_titles(connection), term.translate(_ASCII_LOWER))))
    if fresh and connection.info.get(_WORD_MEMO, (None,))[0] != _file_version(raw):
        connection.info.pop(_WORD_MEMO, None)  # committed meanwhile: what was remembered may be older
    return found if found is not None else bytes(size)


# The marks of the last few single words, for this version of the file (100 KB each at 100k products:
# enough for every word of a typed query, so its whole list after the head reads no FTS again).
_WORD_MEMO = "synq_desktop.word_matches"
WORDS_KEPT = 8


def _word_memo(connection: Connection) -> dict[str, Marks]:
    version = _file_version(_raw(connection))
    cached = connection.info.get(_WORD_MEMO)
    if cached is None or cached[0] != version:
        cached = (version, {})
        connection.info[_WORD_MEMO] = cached
    return cached[1]


def _remember(memo: dict[str, Marks], term: str, marks: Marks) -> Marks:
    memo.pop(term, None)
    memo[term] = marks
    while len(memo) > WORDS_KEPT:
        del memo[next(iter(memo))]
    return marks


# Short words (under three characters: no trigram) match titles as LIKE '%word%' did (case folded for
# ASCII only), but over titles kept per connection while the file is unchanged: a scan in memory costs
# a third of SQLite's LIKE over every row, and short words are what a user types first.
_TITLES = "synq_desktop.product_titles"
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _ascii_folded(text: str) -> str:
    """`text` with A-Z folded to a-z and nothing else changed. For an ASCII string that is `lower()`,
    a thirteenth of the cost of `translate` (100k titles: ~8 ms instead of ~100 ms)."""
    return text.lower() if text.isascii() else text.translate(_ASCII_LOWER)


def _titles(connection: Connection, abandon: Callable[[], bool] | None = None) -> list[str]:
    """The ASCII-folded titles of the live products by rowid ("" for no product, a deleted one or no
    title), for this version of the file."""
    raw = _raw(connection)
    version = _file_version(raw)
    cached = connection.info.get(_TITLES)
    if cached is not None and cached[0] == version:
        return cached[1]
    # In rowid order: left to itself SQLite reads the title index (title order), and a scan over
    # strings laid out in another order than the list runs 3x slower (each one a cache miss).
    rowids, titles = _rowids_and(raw.execute(
        "SELECT rowid, title FROM products WHERE deleted = 0 AND title IS NOT NULL ORDER BY rowid"), abandon)
    placed = _by_rowid(rowids, [_ascii_folded(title) for title in titles], _products_size(raw))
    if _file_version(raw) == version:
        connection.info[_TITLES] = (version, placed)
    return placed


def _rowid_set(raw: sqlite3.Connection, sql: str, *params: Any) -> set[int]:
    return {r for (r,) in raw.execute(sql, params)}


# Above this many SKU matches, variants are mapped to their products through an array kept per
# connection while the file is unchanged (built in ~0.1-0.3 s) rather than a join per variant.
MANY_VARIANTS = 20_000
_VARIANT_MAP = "synq_desktop.variant_products"


def _variant_marks(connection: Connection, term: str, size: int) -> Marks:
    """Marks of the live products with a live variant whose SKU contains `term` or whose barcode is it."""
    raw = _raw(connection)
    skus = _product_skus(connection, build=False) if term.isascii() else None
    if skus is not None and _sku_matches_at_least(raw, term, BROAD_SKU):
        # A broad fragment ("BLU" in every colour SKU): a scan of the SKUs kept in memory costs a
        # sixth of reading its 100k trigram matches and mapping each variant to its product.
        found = _scan(skus, term.translate(_ASCII_LOWER))
        barcodes = json.dumps([r for (r,) in raw.execute("SELECT rowid FROM variants WHERE barcode = ?", (term,))])
        if barcodes == "[]":
            return found
        return _either(found, _mark(_rowid_set(
            raw, "SELECT p.rowid FROM variants v JOIN products p ON p.local_id = v.product_id "
                 "WHERE v.rowid IN (SELECT value FROM json_each(?)) AND v.deleted = 0 AND p.deleted = 0", barcodes),
            size))
    return _mark(_products_by_variant_text(connection, term), size)


def _products_by_variant_text(connection: Connection, term: str) -> set[int]:
    """Rowids of the live products with a live variant whose SKU contains `term` or whose barcode is it,
    through FTS (and, for many matches, the variant-to-product map)."""
    raw = _raw(connection)
    # Two lists, not a UNION: deduplicating 100k SKU matches in a temporary b-tree costs more than a set.
    variant_rowids = [r[0] for r in raw.execute("SELECT rowid FROM variants_fts WHERE variants_fts MATCH ?",
                                                (_quote(term),))]
    variant_rowids += [r[0] for r in raw.execute("SELECT rowid FROM variants WHERE barcode = ?", (term,))]
    mapping = _variant_products(connection, build=len(variant_rowids) > MANY_VARIANTS)
    if mapping is None:
        return _rowid_set(raw, "SELECT p.rowid FROM variants v JOIN products p ON p.local_id = v.product_id "
                               "WHERE v.rowid IN (SELECT value FROM json_each(?)) AND v.deleted = 0 AND p.deleted = 0",
                          json.dumps(variant_rowids))
    top = len(mapping)
    products = {mapping[r] for r in variant_rowids if r < top}
    products.discard(0)
    return products


def _variant_products(connection: Connection, *, build: bool,
                      abandon: Callable[[], bool] | None = None) -> array[int] | None:
    """Product rowid by variant rowid (0: a deleted variant or product), for this version of the file."""
    raw = _raw(connection)
    version = _file_version(raw)
    cached = connection.info.get(_VARIANT_MAP)
    if cached is not None and cached[0] == version:
        return cached[1]
    if not build:
        return None
    product_rowid = dict(raw.execute("SELECT local_id, rowid FROM products WHERE deleted = 0"))
    top = raw.execute("SELECT max(rowid) FROM variants").fetchone()[0] or 0
    mapping = array("q", bytes(8 * (top + 1)))
    get = product_rowid.get
    for rowid, product_id in _rows(raw.execute("SELECT rowid, product_id FROM variants WHERE deleted = 0"), abandon):
        mapping[rowid] = get(product_id, 0)
    if _file_version(raw) == version:
        connection.info[_VARIANT_MAP] = (version, mapping)
    return mapping


# SKUs per product held in memory (ASCII-folded, joined by newlines: no search word holds one, so
# none matches across two SKUs) while the file is unchanged: ~6 MB at 400k variants, built in
# ~0.3 s when the reader is idle (`search_cache_builders`). FTS5's trigram tokenizer folds case the
# Unicode way; only for ASCII text does folding A-Z alone give the same answer, so a catalog with a
# non-ASCII SKU (or a non-ASCII word) keeps to FTS.
_SKU_TEXT = "synq_desktop.product_skus"
BROAD_SKU = 5000  # at least this many SKU matches: scan the kept SKUs instead of reading FTS


def _product_skus(connection: Connection, *, build: bool,
                  abandon: Callable[[], bool] | None = None) -> list[str] | None:
    """The live variants' SKUs folded, per live product by rowid ("" where none), or None when not
    built for this version of the file (and `build` is false) or when a SKU is not ASCII."""
    raw = _raw(connection)
    version = _file_version(raw)
    cached = connection.info.get(_SKU_TEXT)
    if cached is not None and cached[0] == version:
        return cached[1]
    if not build:
        return None
    # SQLite groups the SKUs per product (through the variants' product index): half the CPU of
    # grouping 400k rows in Python, and the GIL is let go between rows.
    rowids, texts = _rowids_and(raw.execute(
        "SELECT p.rowid, group_concat(v.sku, char(10)) FROM products p JOIN variants v ON v.product_id = p.local_id "
        "WHERE p.deleted = 0 AND v.deleted = 0 AND v.sku IS NOT NULL GROUP BY p.rowid"), abandon)
    items = None
    if all(map(str.isascii, texts)):
        items = _by_rowid(rowids, [text.lower() for text in texts], _products_size(raw))  # in rowid order
    if _file_version(raw) == version:
        connection.info[_SKU_TEXT] = (version, items)
    return items


def _sku_matches_at_least(raw: sqlite3.Connection, term: str, count: int) -> bool:
    """Does `term` occur in at least `count` SKUs (live or not)? Reads at most `count` FTS matches."""
    sql = "SELECT count(*) FROM (SELECT rowid FROM variants_fts WHERE variants_fts MATCH ? LIMIT ?)"
    return bool(raw.execute(sql, (_quote(term), count)).fetchone()[0] >= count)


def _matches_a_variant(raw: sqlite3.Connection, term: str) -> bool:
    """Does any variant's SKU contain `term`, or any barcode equal it? (Two index probes.)"""
    if raw.execute("SELECT 1 FROM variants_fts WHERE variants_fts MATCH ? LIMIT 1", (_quote(term),)).fetchone():
        return True
    return raw.execute("SELECT 1 FROM variants WHERE barcode = ? LIMIT 1", (term,)).fetchone() is not None


# A search walks the live products in grid order (one covering index, kept per connection while the
# file is unchanged) and keeps those in the match sets: no temporary b-tree sorting the matches on
# every keystroke. Small match sets are sorted by SQL instead (cheaper than a first walk).
_ORDER_CACHE = "synq_desktop.ordered_products"
SMALL_MATCH = 2000


def _file_version(raw: sqlite3.Connection) -> tuple[int, int]:
    """Changes by other connections (data_version) and by this one (total_changes)."""
    return raw.execute("PRAGMA data_version").fetchone()[0], raw.total_changes


class Abandoned(Exception):
    """A long read stopped part way because its caller's `abandon()` said the answer is no longer
    wanted (a newer query waits behind it on the same reader thread)."""


FETCH_BATCH = 5000  # rows per fetch of a long id list: `abandon()` is asked between batches (~1-2 ms)


# Long reads never keep their rows' tuples: 100k tuples alive at once (fetchall) are promoted through
# the garbage collector's generations and set off a full collection, ~70 ms holding the GIL, which
# the GUI thread waits out. Each tuple here dies as soon as it is unpacked.

def _rows(cursor: sqlite3.Cursor, abandon: Callable[[], bool] | None) -> Iterator[Any]:
    """The cursor's rows one at a time, asking `abandon()` every FETCH_BATCH rows."""
    if abandon is None:
        yield from cursor
        return
    while True:
        count = 0
        for count, row in enumerate(islice(cursor, FETCH_BATCH), 1):
            yield row
        if count < FETCH_BATCH:
            return
        if abandon():
            cursor.close()
            raise Abandoned


def _rowids_and(cursor: sqlite3.Cursor, abandon: Callable[[], bool] | None) -> tuple[array[int], list[Any]]:
    """The cursor's two columns, rowids and another, asking `abandon()` every FETCH_BATCH rows. The
    rowids go into an array: 100k of them as int objects in a list cost ~3.5 MB more."""
    firsts: array[int] = array("q")
    seconds: list[Any] = []
    add_first, add_second = firsts.append, seconds.append
    while True:
        before = len(firsts)
        for first, second in islice(cursor, FETCH_BATCH):
            add_first(first)
            add_second(second)
        if len(firsts) - before < FETCH_BATCH:
            return firsts, seconds
        if abandon is not None and abandon():
            cursor.close()
            raise Abandoned


def _ordered_products(connection: Connection, column: str, direction: str,
                      abandon: Callable[[], bool] | None = None) -> tuple[array[int], list[str]]:
    """(rowids, local ids) of every live product in grid order, cached on the connection for the
    last sort asked for while the file stays as it is. The other direction of the same column is
    the cached list reversed (the local id breaks every tie, so the order is total). Rowids come
    along (a tenth dearer) so that the next search walks this list without reading it again."""
    raw = _raw(connection)
    version = _file_version(raw)
    cached = connection.info.get(_ORDER_CACHE)
    if cached is not None and cached[0][:2] == (version, column):
        rowids, ids = cached[1], cached[2]
        if cached[0][2] == direction:
            return rowids, ids
        return rowids[::-1], ids[::-1]
    sql = (f"SELECT rowid, local_id FROM products WHERE deleted = 0 "
           f"ORDER BY {column} {direction}, local_id {direction}")
    rowids, ids = _rowids_and(raw.execute(sql), abandon)
    # Hash every id once here, on the reader: a str keeps its hash, so the grid's lookups by id on
    # the GUI thread (selection following its products, ~100k set probes) skip hashing 100k strings.
    deque(map(hash, ids), maxlen=0)
    if _file_version(raw) == version:  # nothing committed meanwhile: the list is that version's
        connection.info[_ORDER_CACHE] = ((version, column, direction), rowids, ids)
    return rowids, ids


def first_product_ids(connection: Connection, sort: str = "title", descending: bool = False,
                      count: int = 200) -> list[str]:
    """The first `count` live products in grid order, unfiltered: the head of `product_ids(sort=...)`,
    read from the sort index alone (well under a millisecond, where the whole list of 100k costs
    30-50 ms), so a grid paints its first page before the whole list is known."""
    if sort not in PRODUCT_SORTS:
        raise EditError(f"The product grid cannot sort by {sort!r}.")
    column = PRODUCT_SORTS[sort]
    direction = "DESC" if descending else "ASC"
    raw = _raw(connection)
    cached = connection.info.get(_ORDER_CACHE)
    if cached is not None and cached[0] == (_file_version(raw), column, direction):
        return cached[2][:count]
    sql = (f"SELECT local_id FROM products WHERE deleted = 0 "
           f"ORDER BY {column} {direction}, local_id {direction} LIMIT ?")
    return [i for (i,) in raw.execute(sql, (count,))]


def search_cache_builders(sort: str = "title", descending: bool = False,
                          abandon: Callable[[], bool] | None = None) -> list[Callable[[Connection], object]]:
    """Steps that build, for the file as it is, what a search reads from memory: the live products
    in grid order with their rowids, their titles, their SKUs (or, when a SKU is not ASCII, the
    variant-to-product map). Run each as its own reader call when the reader is idle (after the
    first page, after a write) so that no keystroke pays for them; a step whose cache is current
    costs two PRAGMA reads. A step asks `abandon()` between batches and raises `Abandoned` when it
    answers true (a query is waiting: it runs first, the step later)."""
    column = PRODUCT_SORTS.get(sort, "title")
    direction = "DESC" if descending else "ASC"

    def order(connection: Connection) -> object:
        return _ordered_products(connection, column, direction, abandon)

    def titles(connection: Connection) -> object:
        return _titles(connection, abandon)

    def skus_or_map(connection: Connection) -> object:
        if _product_skus(connection, build=True, abandon=abandon) is None:
            return _variant_products(connection, build=True, abandon=abandon)
        return None

    return [order, titles, skus_or_map]


SUBTREE_SQL = (
    "WITH RECURSIVE sub(id) AS (SELECT ? UNION SELECT c.local_id FROM categories c JOIN sub ON c.parent_id = sub.id) "
    "SELECT id FROM sub"
)


def product_ids(connection: Connection, flt: ProductFilter | None = None, sort: str = "title",
                descending: bool = False, abandon: Callable[[], bool] | None = None) -> list[str]:
    """Local ids of the live products matching `flt`, in grid order. A long unfiltered read asks
    `abandon()` between batches and raises `Abandoned` when it answers true."""
    return _product_ids(connection, flt, sort, descending, abandon, None)[0]


def product_head(connection: Connection, flt: ProductFilter | None = None, sort: str = "title",
                 descending: bool = False, count: int = 200) -> tuple[list[str], bool]:
    """(the first ids of `product_ids`, is that the whole list?). At least `count` ids unless the list
    is shorter. Where a long list costs more than its head (every product: the sort index alone; a
    broad search: the sorted walk stopped after `count` matches) only the head is read; otherwise
    the whole list comes back, whole."""
    return _product_ids(connection, flt, sort, descending, None, count)


def _product_ids(connection: Connection, flt: ProductFilter | None, sort: str, descending: bool,
                 abandon: Callable[[], bool] | None, head: int | None) -> tuple[list[str], bool]:
    flt = flt or ProductFilter()
    if sort not in PRODUCT_SORTS:
        raise EditError(f"The product grid cannot sort by {sort!r}.")
    column = PRODUCT_SORTS[sort]
    params: list[Any] = []
    filters: list[str] = []
    if flt.category_id is not None:
        filters.append(f"category_id IN ({SUBTREE_SQL})" if flt.include_subcategories else "category_id = ?")
        params.append(flt.category_id)
    if flt.uncategorized:
        filters.append("category_id IS NULL")
    if flt.brand_id is not None:
        filters.append("brand_id = ?")
        params.append(flt.brand_id)
    if flt.template_id is not None:
        filters.append("template_id = ?")
        params.append(flt.template_id)
    if flt.statuses:
        filters.append(f"status IN ({','.join('?' * len(flt.statuses))})")
        params += list(flt.statuses)
    if flt.sync_states:
        filters.append(f"sync_state IN ({','.join('?' * len(flt.sync_states))})")
        params += list(flt.sync_states)
    if flt.min_issue_level is not None:
        filters.append("issue_level >= ?")
        params.append(flt.min_issue_level)
    raw = _raw(connection)
    direction = "DESC" if descending else "ASC"
    matches = _text_matches(connection, flt.text)
    if matches is not None:
        if filters and _MARK in matches:
            matches = _both(matches, _mark(map(_first, raw.execute(
                f"SELECT rowid FROM products WHERE deleted = 0 AND {' AND '.join(filters)}", params)), len(matches)))
        if matches.count(_MARK) <= SMALL_MATCH:
            sql = (f"SELECT p.local_id FROM products p WHERE p.rowid IN (SELECT value FROM json_each(?)) "
                   f"AND p.deleted = 0 ORDER BY p.{column} {direction}, p.local_id {direction}")
            return [i for (i,) in raw.execute(sql, (json.dumps(_marked(matches)),))], True
        order_rowids, order_ids = _ordered_products(connection, column, direction)
        # compress() over map(): the walk stays in C (a third cheaper than a comprehension at 100k);
        # for a head it stops after `head` matches (a few hundred products read, not 100k).
        if head is not None:
            found = list(islice(compress(order_ids, map(matches.__getitem__, order_rowids)), head))
            return found, len(found) < head
        if abandon is None:
            return list(compress(order_ids, map(matches.__getitem__, order_rowids))), True
        found = []
        for start in range(0, len(order_ids), FETCH_BATCH * 4):  # ~1 ms a slice: a newer query waits no longer
            end = start + FETCH_BATCH * 4
            found += compress(order_ids[start:end], map(matches.__getitem__, order_rowids[start:end]))
            if abandon():
                raise Abandoned
        return found, True
    # A filter selects rowids through its own index first; the survivors are then sorted. (Walking the
    # sort index and testing each row costs a table lookup per product: 4-6 times slower at 100k.)
    if not filters:
        if head is not None:
            found = first_product_ids(connection, sort, descending, head)
            return found, len(found) < head
        return list(_ordered_products(connection, column, direction, abandon)[1]), True
    sql = (f"SELECT p.local_id FROM products p "
           f"WHERE +p.deleted = 0 AND p.rowid IN (SELECT rowid FROM products WHERE deleted = 0 AND {' AND '.join(filters)}) "
           f"ORDER BY p.{column} {direction}, p.local_id {direction}")
    return [i for (i,) in raw.execute(sql, params)], True


def _rows_by_ids(connection: Connection, table: str, columns: Sequence[str], ids: Sequence[str]) -> list[dict[str, Any]]:
    if not ids:
        return []
    found: dict[str, dict[str, Any]] = {}
    cursor = _raw(connection).execute(
        f"SELECT {', '.join(columns)} FROM {table} WHERE local_id IN (SELECT value FROM json_each(?))",
        (json.dumps(list(ids)),))
    for values in cursor:
        record = dict(zip(columns, values, strict=True))
        for name in JSON_COLUMNS.intersection(record):
            if record[name] is not None:
                record[name] = json.loads(record[name])
        found[record["local_id"]] = record
    return [found[i] for i in ids if i in found]


def product_rows(connection: Connection, ids: Sequence[str]) -> list[dict[str, Any]]:
    """One page of the product grid, in the order of `ids` (ids no longer present are skipped)."""
    return _rows_by_ids(connection, "products", PRODUCT_COLUMNS, ids)


def variant_ids(connection: Connection, product_ids: Sequence[str], sort: str = "sku",
                descending: bool = False) -> list[str]:
    """Live variants of the given products, in grid order."""
    if sort not in VARIANT_SORTS:
        raise EditError(f"The variant grid cannot sort by {sort!r}.")
    if not product_ids:
        return []
    direction = "DESC" if descending else "ASC"
    sql = (f"SELECT local_id FROM variants WHERE deleted = 0 AND product_id IN (SELECT value FROM json_each(?)) "
           f"ORDER BY {VARIANT_SORTS[sort]} {direction}, local_id {direction}")
    return [r[0] for r in _raw(connection).execute(sql, (json.dumps(list(product_ids)),))]


def variant_rows(connection: Connection, ids: Sequence[str]) -> list[dict[str, Any]]:
    return _rows_by_ids(connection, "variants", VARIANT_COLUMNS, ids)


def search_variants(connection: Connection, text: str, limit: int = 1000) -> list[str]:
    """Variants whose SKU contains every fragment of `text`."""
    terms = [t for t in fts_terms(text) if len(t) >= MIN_TRIGRAM]
    if not terms:
        return []
    query = " AND ".join(_quote(t) for t in terms)
    sql = ("SELECT v.local_id FROM variants_fts JOIN variants v ON v.rowid = variants_fts.rowid "
           "WHERE variants_fts MATCH ? AND v.deleted = 0 ORDER BY v.sku LIMIT ?")
    return [r[0] for r in _raw(connection).execute(sql, (query, limit))]


def counts(connection: Connection) -> dict[str, int]:
    """Live records per object type, plus the server-side lists kept here."""
    result: dict[str, int] = {}
    for entity_type in EntityType:
        table = spec_for(entity_type).table
        result[entity_type.value] = connection.execute(
            select(func.count()).select_from(table).where(table.c.deleted == 0)).scalar_one()
    for name, table in (("validation_issue", schema.validation_issues), ("audit_event", schema.audit_events)):
        result[name] = connection.execute(select(func.count()).select_from(table)).scalar_one()
    return result


@dataclass(slots=True)
class CategoryNode:
    local_id: str
    parent_id: str | None
    name: str
    slug: str | None
    sync_state: str
    product_count: int  # products in this category itself
    total_count: int = 0  # products in it and every descendant
    children: list[CategoryNode] = field(default_factory=list)


def category_tree(connection: Connection) -> list[CategoryNode]:
    """The category hierarchy from parent_id with product counts, roots sorted by name. A parent
    that is missing here (or a cycle) puts a category among the roots rather than losing it."""
    raw = _raw(connection)
    direct = dict(raw.execute(
        "SELECT category_id, count(*) FROM products WHERE deleted = 0 AND category_id IS NOT NULL "
        "GROUP BY category_id").fetchall())
    nodes = {
        local_id: CategoryNode(local_id, parent_id, name, slug, state, int(direct.get(local_id, 0)))
        for local_id, parent_id, name, slug, state in raw.execute(
            "SELECT local_id, parent_id, name, slug, sync_state FROM categories WHERE deleted = 0 "
            "ORDER BY name, local_id")
    }
    roots: list[CategoryNode] = []
    for node in nodes.values():
        parent = nodes.get(node.parent_id) if node.parent_id else None
        if parent is None or _is_ancestor(nodes, node.local_id, parent.local_id):
            roots.append(node)
        else:
            parent.children.append(node)

    def total(node: CategoryNode, depth: int = 0) -> int:
        node.total_count = node.product_count + sum(total(child, depth + 1) for child in node.children)
        return node.total_count

    for root in roots:
        total(root)
    return roots


def _is_ancestor(nodes: Mapping[str, CategoryNode], node_id: str, start: str) -> bool:
    seen: set[str] = set()
    current: str | None = start
    while current is not None and current not in seen:
        if current == node_id:
            return True
        seen.add(current)
        parent = nodes.get(current)
        current = parent.parent_id if parent else None
    return False


def category_subtree_ids(connection: Connection, category_id: str) -> list[str]:
    return [r[0] for r in _raw(connection).execute(SUBTREE_SQL, (category_id,))]


def taxonomy_rows(connection: Connection, entity_type: EntityType | str) -> list[dict[str, Any]]:
    """Every live record of a small list (brands, attributes, groups, templates, categories, attribute
    values), by name where it has one."""
    spec = spec_for(entity_type)
    table = spec.table
    order = table.c.name if "name" in table.c else table.c.local_id
    rows = connection.execute(select(table).where(table.c.deleted == 0).order_by(order, table.c.local_id))
    return [dict(r._mapping) for r in rows]


def attribute_values_of(connection: Connection, attribute_id: str) -> list[dict[str, Any]]:
    v = schema.attribute_values
    rows = connection.execute(select(v).where(v.c.attribute_id == attribute_id, v.c.deleted == 0).order_by(v.c.value))
    return [dict(r._mapping) for r in rows]


def linked_values(connection: Connection, owner_type: EntityType | str, owner_id: str) -> list[dict[str, Any]]:
    """Attribute values linked to a variant or product, with their attribute, by attribute name."""
    links, v, a = schema.value_links, schema.attribute_values, schema.attributes
    rows = connection.execute(
        select(v.c.local_id, v.c.value, v.c.slug, a.c.local_id.label("attribute_id"), a.c.name.label("attribute"),
               links.c.server_linked)
        .join(v, v.c.local_id == links.c.value_id).join(a, a.c.local_id == v.c.attribute_id, isouter=True)
        .where(links.c.owner_type == str(EntityType(owner_type)), links.c.owner_id == owner_id)
        .order_by(a.c.name, v.c.value))
    return [dict(r._mapping) for r in rows]


def media_of(connection: Connection, product_id: str, variant_id: str | None = None) -> list[dict[str, Any]]:
    """The gallery of a product (or of one variant), in sort order."""
    m = schema.media
    statement = select(m).where(m.c.product_id == product_id, m.c.deleted == 0)
    if variant_id is not None:
        statement = statement.where(m.c.variant_id == variant_id)
    rows = connection.execute(statement.order_by(m.c.sort_order, m.c.local_id))
    return [dict(r._mapping) for r in rows]


def validation_issues(connection: Connection, entity_id: str | None = None) -> list[dict[str, Any]]:
    t = schema.validation_issues
    statement = select(t).order_by(t.c.created_at.desc(), t.c.server_id)
    if entity_id is not None:
        statement = statement.where(t.c.entity_id == entity_id)
    return [dict(r._mapping) for r in connection.execute(statement)]


def audit_events(connection: Connection, entity_id: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
    t = schema.audit_events
    statement = select(t).order_by(t.c.created_at.desc(), t.c.server_id).limit(limit)
    if entity_id is not None:
        statement = statement.where(t.c.entity_id == entity_id)
    return [dict(r._mapping) for r in connection.execute(statement)]


def bulk_jobs(connection: Connection) -> list[dict[str, Any]]:
    t = schema.bulk_jobs
    return [dict(r._mapping) for r in connection.execute(select(t).order_by(t.c.created_at.desc()))]


# -- saved views -------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class SavedView:
    id: int
    name: str
    object_type: str
    filters: dict[str, Any]
    columns: list[str]
    sort: dict[str, Any]


def save_view(connection: Connection, name: str, filters: Mapping[str, Any], columns: Sequence[str] = (),
              sort: Mapping[str, Any] | None = None, object_type: str = "product") -> int:
    """Create or replace the view called `name` (a write: run it on the writer)."""
    if not name.strip():
        raise EditError("A saved view needs a name.")
    v = schema.saved_views
    now = now_iso()
    existing = connection.execute(select(v.c.id).where(v.c.name == name, v.c.object_type == object_type)).scalar()
    values = {"filters": dict(filters), "columns": list(columns), "sort": dict(sort or {}), "updated_at": now}
    if existing is not None:
        connection.execute(update(v).where(v.c.id == existing).values(values))
        return int(existing)
    result = connection.execute(insert(v).values(name=name, object_type=object_type, created_at=now, **values))
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def saved_views(connection: Connection, object_type: str = "product") -> list[SavedView]:
    v = schema.saved_views
    rows = connection.execute(select(v).where(v.c.object_type == object_type).order_by(v.c.name))
    return [SavedView(r.id, r.name, r.object_type, r.filters or {}, r.columns or [], r.sort or {}) for r in rows]


def delete_view(connection: Connection, view_id: int) -> None:
    connection.execute(delete(schema.saved_views).where(schema.saved_views.c.id == view_id))
