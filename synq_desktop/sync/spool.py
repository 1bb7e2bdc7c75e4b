"""The pull's spool: list pages kept on disk from the moment they are taken until the store has them.

A pull reads pages faster than the store writes them, so a few answered pages always wait in memory for
the writer; a kill lost them and the resumed pull asked the server for them again. Each page the pull
takes from an incremental list (`updated_since`, oldest change first) is appended here, as the bytes the
server sent, before it waits for the store. A resumed pull first writes what the spool holds beyond the
list's watermark (the pages come in list order, so they continue the committed prefix) and then reads on
from the new watermark: what the server answered is not asked for again; only answers still on the way
when the process died are.

One file per list next to the working copy, `<catalog>.pull-<list>.spool`: a header `# since <watermark the
read started from, or ->`, then entries `<length> <newest updated_at of the page, stored form>\\n<body>\\n`.
The spooled pages continue the committed prefix only in the copy that wrote them and once it committed
part of the read: a spool is used only when the copy's watermark is at or after the header's (else it is
dropped and the pages are read from the server). Nothing is fsynced: a kill keeps what was written (the
OS has it); a power cut may lose the tail, and those pages are read from the server again. A torn last
entry is ignored. The file is emptied whenever every page in it is committed, and removed when the list
is read to its end.
"""
from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

log = logging.getLogger("synq_desktop.sync")


class PullSpool:
    """The spool of one list of one working copy."""

    def __init__(self, catalog: Path, list_name: str, since: str | None = None) -> None:
        self.path = catalog.with_name(f"{catalog.name}.pull-{list_name}.spool")
        self.since = since  # the watermark the list read started from (a header line of the file)
        self.appended = 0  # pages appended while this list is read
        self._emptied_at = 0  # `appended` when the file was last emptied
        self._file: BinaryIO | None = None

    def append(self, raw: bytes, newest: str) -> None:
        """Keep one page (its body as received, and the newest `updated_at` in it)."""
        try:
            if self._file is None:
                self._file = open(self.path, "ab")  # noqa: SIM115 - kept open while the list is read
            if self._file.tell() == 0:
                self._file.write(b"# since %s\n" % (self.since or "-").encode())
            self._file.write(b"%d %s\n%s\n" % (len(raw), newest.encode(), raw))
            self._file.flush()  # in the OS now: a kill keeps it
            self.appended += 1
        except OSError as exc:  # a full disk: the pull goes on, a kill then costs a re-read as before
            log.warning("could not keep a pulled page in %s (%s)", self.path.name, exc)

    def committed(self, pages: int) -> None:
        """The first `pages` pages appended are in the store now; when that is all of them, the file is
        emptied (pages appended later wait in it as before)."""
        if pages >= self.appended > self._emptied_at and self._file is not None:
            try:
                self._file.truncate(0)
                self._file.seek(0)
            except OSError as exc:
                log.warning("could not empty %s (%s)", self.path.name, exc)
            self._emptied_at = self.appended

    def started_from(self) -> tuple[bool, str | None]:
        """(whether the file has a header, the watermark its list read started from: None from the start)."""
        try:
            with open(self.path, "rb") as file:
                first = file.readline()
        except FileNotFoundError:
            return False, None
        if not first.startswith(b"# since ") or not first.endswith(b"\n"):
            return False, None
        since = first[len(b"# since "):-1].decode(errors="replace")
        return True, None if since == "-" else since

    def pages_after(self, watermark: str | None) -> Iterator[bytes]:
        """Bodies of the spooled pages whose newest record is at or after `watermark` (stored form), oldest
        first: what a kill left uncommitted (the page holding the watermark itself comes again)."""
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return
        position = data.find(b"\n") + 1 if data.startswith(b"# since ") else 0
        while True:
            end = data.find(b"\n", position)
            if end < 0:
                return
            try:
                length_text, newest = data[position:end].decode().split(" ", 1)
                length = int(length_text)
            except ValueError:
                log.warning("%s: unreadable entry; the rest is read from the server", self.path.name)
                return
            body = data[end + 1:end + 1 + length]
            if len(body) < length or data[end + 1 + length:end + 2 + length] != b"\n":
                return  # torn by a kill while written
            position = end + 2 + length
            if watermark is None or newest >= watermark:
                yield body

    def close(self) -> None:
        if self._file is not None:
            try:
                self._file.close()
            except OSError:
                pass
            self._file = None

    def remove(self) -> None:
        """The list was read to its end (or the spool was written to the store): no spool left."""
        self.close()
        self.appended = self._emptied_at = 0
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass
