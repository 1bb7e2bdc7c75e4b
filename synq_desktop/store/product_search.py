"""What a product search matches, and what it keeps in memory to answer a keystroke in milliseconds.

A match set is `Marks`: one byte per product rowid, 1 where the product matches (100 KB at 100k
products; two sets intersect in C as big integers). Every word must match a product's title or
description (FTS5 trigram: any fragment of three characters or more), one of its SKUs, or (whole) a
barcode; shorter words match titles as LIKE '%word%' did. Kept per reader connection while the file
is unchanged (`file_version`): the live products in grid order with their rowids (`ordered_products`,
which a search walks instead of sorting its matches), the folded titles and SKUs by rowid (a short
word or a broad SKU fragment is one C pass), and the marks of the last few words (typing goes
"wool", "wool ", "wool s"). `cache_builders` builds them ahead of the keystrokes, on an idle reader.

Long reads never keep their rows' tuples (a full garbage collection set off by 100k surviving tuples
held the GIL ~70 ms) and ask `abandon()` every FETCH_BATCH rows: a newer query waiting behind them on
the one reader thread makes them stop (`Abandoned`).
"""
from __future__ import annotations

import json
import re
import sqlite3
from array import array
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from itertools import compress, islice, repeat
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection

from synq_desktop.store.fresh_rows import driver_connection

MIN_TRIGRAM = 3


def fts_terms(text: str) -> list[str]:
    """The user's words as FTS5 phrases (quoted, so no word is read as query syntax)."""
    return [t for t in re.split(r"\s+", text.strip()) if t]


def fts_phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


# A set of products is kept as marks: one byte per product rowid (up to the largest), 1 where the
# product is in the set. 100 KB at 100k products where a set of 50k ints costs ~3.5 MB; two of them
# are intersected in C (as big integers), and the sorted walk reads one byte per product.
Marks = bytes
MARK = b"\x01"  # counted and found as a bytes needle: twice as fast as the int 1
first_column = itemgetter(0)


def mark(rowids: Iterable[int], size: int) -> Marks:
    marks = bytearray(size)
    deque(map(marks.__setitem__, rowids, repeat(1)), maxlen=0)
    return bytes(marks)


def both(a: Marks, b: Marks) -> Marks:
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


def marked(marks: Marks) -> list[int]:
    return list(compress(range(len(marks)), marks))


def _fts_rowids(raw: sqlite3.Connection, match: str) -> list[int]:
    """Rowids of the products whose title or description matches, as one JSON array built by SQLite
    and parsed in C: a third of the CPU of stepping a cursor through 40k rows."""
    sql = "SELECT json_group_array(rowid) FROM products_fts WHERE products_fts MATCH ?"
    return json.loads(raw.execute(sql, (match,)).fetchone()[0])


def text_matches(connection: Connection, text: str) -> Marks | None:
    """Marks of the products whose text matches, or None when `text` has no words. Every word must
    match a product's title or description, one of its SKUs, or (whole) a barcode. When no word
    matches any SKU or barcode, one FTS query with AND does it all (FTS intersects its lists far
    faster than SQL). No join on products and no sort: the caller keeps the live products of its
    sorted list that are marked. The marks of a single word are remembered (`_word_memo`): typing
    goes "wool", "wool ", "wool s", so the words before the last are known already."""
    raw = driver_connection(connection)
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
        found = marks if found is None else both(found, marks)

    for marks in known:
        narrow(marks)
    if long_terms and not in_variants:
        every_word = mark(_fts_rowids(raw, " AND ".join(fts_phrase(t) for t in long_terms)), size)
        if len(long_terms) == 1:
            _remember(memo, long_terms[0], every_word)
        narrow(every_word)
    else:
        for term in long_terms:
            narrow(_remember(memo, term, _either(
                mark(_fts_rowids(raw, fts_phrase(term)), size), _variant_marks(connection, term, size))))
    for term in short_terms:
        narrow(_remember(memo, term, _scan(_titles(connection), term.translate(_ASCII_LOWER))))
    if fresh and connection.info.get(_WORD_MEMO, (None,))[0] != file_version(raw):
        connection.info.pop(_WORD_MEMO, None)  # committed meanwhile: what was remembered may be older
    return found if found is not None else bytes(size)


# The marks of the last few single words, for this version of the file (100 KB each at 100k products:
# enough for every word of a typed query, so its whole list after the head reads no FTS again).
_WORD_MEMO = "synq_desktop.word_matches"
WORDS_KEPT = 8


def _word_memo(connection: Connection) -> dict[str, Marks]:
    version = file_version(driver_connection(connection))
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


def _per_file_version[T](connection: Connection, key: str,
                         make: Callable[[sqlite3.Connection], T] | None) -> T | None:
    """What `make(raw)` built for this version of the file, kept in the connection under `key`; None
    when nothing is kept and `make` is None. A value built while something was committed is returned
    but not kept (it may mix two versions)."""
    raw = driver_connection(connection)
    version = file_version(raw)
    cached = connection.info.get(key)
    if cached is not None and cached[0] == version:
        kept: T | None = cached[1]
        return kept
    if make is None:
        return None
    value = make(raw)
    if file_version(raw) == version:
        connection.info[key] = (version, value)
    return value


def _titles(connection: Connection, abandon: Callable[[], bool] | None = None) -> list[str]:
    """The ASCII-folded titles of the live products by rowid ("" for no product, a deleted one or no
    title), for this version of the file."""
    def build(raw: sqlite3.Connection) -> list[str]:
        # In rowid order: left to itself SQLite reads the title index (title order), and a scan over
        # strings laid out in another order than the list runs 3x slower (each one a cache miss).
        rowids, titles = _rowids_and(raw.execute(
            "SELECT rowid, title FROM products WHERE deleted = 0 AND title IS NOT NULL ORDER BY rowid"), abandon)
        return _by_rowid(rowids, [_ascii_folded(title) for title in titles], _products_size(raw))

    titles = _per_file_version(connection, _TITLES, build)
    assert titles is not None
    return titles


def _rowid_set(raw: sqlite3.Connection, sql: str, *params: Any) -> set[int]:
    return {r for (r,) in raw.execute(sql, params)}


# Above this many SKU matches, variants are mapped to their products through an array kept per
# connection while the file is unchanged (built in ~0.1-0.3 s) rather than a join per variant.
MANY_VARIANTS = 20_000
_VARIANT_MAP = "synq_desktop.variant_products"


def _variant_marks(connection: Connection, term: str, size: int) -> Marks:
    """Marks of the live products with a live variant whose SKU contains `term` or whose barcode is it."""
    raw = driver_connection(connection)
    skus = _product_skus(connection, build=False) if term.isascii() else None
    if skus is not None and _sku_matches_at_least(raw, term, BROAD_SKU):
        # A broad fragment ("BLU" in every colour SKU): a scan of the SKUs kept in memory costs a
        # sixth of reading its 100k trigram matches and mapping each variant to its product.
        found = _scan(skus, term.translate(_ASCII_LOWER))
        barcodes = json.dumps([r for (r,) in raw.execute("SELECT rowid FROM variants WHERE barcode = ?", (term,))])
        if barcodes == "[]":
            return found
        return _either(found, mark(_rowid_set(
            raw, "SELECT p.rowid FROM variants v JOIN products p ON p.local_id = v.product_id "
                 "WHERE v.rowid IN (SELECT value FROM json_each(?)) AND v.deleted = 0 AND p.deleted = 0", barcodes),
            size))
    return mark(_products_by_variant_text(connection, term), size)


def _products_by_variant_text(connection: Connection, term: str) -> set[int]:
    """Rowids of the live products with a live variant whose SKU contains `term` or whose barcode is it,
    through FTS (and, for many matches, the variant-to-product map)."""
    raw = driver_connection(connection)
    # Two lists, not a UNION: deduplicating 100k SKU matches in a temporary b-tree costs more than a set.
    variant_rowids = [r[0] for r in raw.execute("SELECT rowid FROM variants_fts WHERE variants_fts MATCH ?",
                                                (fts_phrase(term),))]
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
    def make(raw: sqlite3.Connection) -> array[int]:
        product_rowid = dict(raw.execute("SELECT local_id, rowid FROM products WHERE deleted = 0"))
        top = raw.execute("SELECT max(rowid) FROM variants").fetchone()[0] or 0
        mapping = array("q", bytes(8 * (top + 1)))
        get = product_rowid.get
        variants = raw.execute("SELECT rowid, product_id FROM variants WHERE deleted = 0")
        for rowid, product_id in _rows(variants, abandon):
            mapping[rowid] = get(product_id, 0)
        return mapping

    return _per_file_version(connection, _VARIANT_MAP, make if build else None)


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
    def make(raw: sqlite3.Connection) -> list[str] | None:
        # SQLite groups the SKUs per product (through the variants' product index): half the CPU of
        # grouping 400k rows in Python, and the GIL is let go between rows.
        rowids, texts = _rowids_and(raw.execute(
            "SELECT p.rowid, group_concat(v.sku, char(10)) FROM products p JOIN variants v ON v.product_id = p.local_id "
            "WHERE p.deleted = 0 AND v.deleted = 0 AND v.sku IS NOT NULL GROUP BY p.rowid"), abandon)
        items = None
        if all(map(str.isascii, texts)):
            items = _by_rowid(rowids, [text.lower() for text in texts], _products_size(raw))  # in rowid order
        return items

    return _per_file_version(connection, _SKU_TEXT, make if build else None)


def _sku_matches_at_least(raw: sqlite3.Connection, term: str, count: int) -> bool:
    """Does `term` occur in at least `count` SKUs (live or not)? Reads at most `count` FTS matches."""
    sql = "SELECT count(*) FROM (SELECT rowid FROM variants_fts WHERE variants_fts MATCH ? LIMIT ?)"
    return bool(raw.execute(sql, (fts_phrase(term), count)).fetchone()[0] >= count)


def _matches_a_variant(raw: sqlite3.Connection, term: str) -> bool:
    """Does any variant's SKU contain `term`, or any barcode equal it? (Two index probes.)"""
    if raw.execute("SELECT 1 FROM variants_fts WHERE variants_fts MATCH ? LIMIT 1", (fts_phrase(term),)).fetchone():
        return True
    return raw.execute("SELECT 1 FROM variants WHERE barcode = ? LIMIT 1", (term,)).fetchone() is not None


# A search walks the live products in grid order (one covering index, kept per connection while the
# file is unchanged) and keeps those in the match sets: no temporary b-tree sorting the matches on
# every keystroke. Small match sets are sorted by SQL instead (cheaper than a first walk).
_ORDER_CACHE = "synq_desktop.ordered_products"


def file_version(raw: sqlite3.Connection) -> tuple[int, int]:
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


def ordered_products(connection: Connection, column: str, direction: str,
                      abandon: Callable[[], bool] | None = None) -> tuple[array[int], list[str]]:
    """(rowids, local ids) of every live product in grid order, cached on the connection for the
    last sort asked for while the file stays as it is. The other direction of the same column is
    the cached list reversed (the local id breaks every tie, so the order is total). Rowids come
    along (a tenth dearer) so that the next search walks this list without reading it again."""
    raw = driver_connection(connection)
    version = file_version(raw)
    cached = connection.info.get(_ORDER_CACHE)
    if cached is not None and cached[0][:2] == (version, column):
        rowids, ids = cached[1], cached[2]
        if cached[0][2] == direction:
            return rowids, ids
        return rowids[::-1], ids[::-1]
    # Two JSON arrays built by SQLite, which lets go of the GIL while it reads and sorts, then parsed
    # in C: a third less CPU than stepping 100k rows in Python, and the GIL held ~10 ms in one piece
    # instead of being fought over 100k times (the GUI thread's paints wait out every handover). An
    # aggregate keeps its subquery's order (SQLite never flattens an ORDER BY subquery into one).
    sql = (f"SELECT json_group_array(rowid), json_group_array(local_id) FROM (SELECT rowid, local_id "
           f"FROM products WHERE deleted = 0 ORDER BY {column} {direction}, local_id {direction})")
    if abandon is not None and abandon():
        raise Abandoned
    rowid_json, id_json = raw.execute(sql).fetchone()
    rowids, ids = array("q", json.loads(rowid_json)), json.loads(id_json)
    # Hash every id once here, on the reader: a str keeps its hash, so the grid's lookups by id on
    # the GUI thread (selection following its products, ~100k set probes) skip hashing 100k strings.
    deque(map(hash, ids), maxlen=0)
    if file_version(raw) == version:  # nothing committed meanwhile: the list is that version's
        connection.info[_ORDER_CACHE] = ((version, column, direction), rowids, ids)
    return rowids, ids


def kept_order(connection: Connection, column: str, direction: str) -> list[str] | None:
    """The live products' ids in this order if kept for the file as it is (else None)."""
    cached = connection.info.get(_ORDER_CACHE)
    if cached is not None and cached[0] == (file_version(driver_connection(connection)), column, direction):
        return cached[2]
    return None


def cache_builders(column: str, direction: str,
                   abandon: Callable[[], bool] | None = None) -> list[Callable[[Connection], object]]:
    """Steps that build, for the file as it is, what a search reads from memory: the live products
    in grid order (sorted by `column` `direction`) with their rowids, their titles, their SKUs (or, when a SKU is not ASCII, the
    variant-to-product map). Run each as its own reader call when the reader is idle (after the
    first page, after a write) so that no keystroke pays for them; a step whose cache is current
    costs two PRAGMA reads. A step asks `abandon()` between batches and raises `Abandoned` when it
    answers true (a query is waiting: it runs first, the step later)."""
    def order(connection: Connection) -> object:
        return ordered_products(connection, column, direction, abandon)

    def titles(connection: Connection) -> object:
        return _titles(connection, abandon)

    def skus_or_map(connection: Connection) -> object:
        if _product_skus(connection, build=True, abandon=abandon) is None:
            return _variant_products(connection, build=True, abandon=abandon)
        return None

    return [order, titles, skus_or_map]
