"""The working copy: one SQLite file per profile (see ../shared/DESIGN.md, "The working copy").

Modules, by what callers use:
- `working_copy.WorkingCopy`: open/migrate a file; the writer thread (`write`, `write_blocking`) and the
  reader thread (`read`, `read_blocking`, `reading`).
- `edits`: the edit API shared by the UI and the command line (row + outbox op + history in one transaction).
- `outbox`: the operation state machine for the sync engine; conflicts and their resolution; discard, revert.
- `pull`: server records written in batches without clobbering local edits; deletions; links, issues, audit.
- `queries`: grid id lists (sorted, filtered, FTS search), page fetches, counts, category tree, saved views.
- `sync_meta`: role and capabilities, watermarks, truncated lists, full-scan progress.
- `entities`: per-kind fields and references; id translation between server and local ids.
- `findings`, `history`, `profiles`, `states`, `errors`, `schema`, `migrate`, `engine`, `timestamps`.
It imports nothing of HTTP, Qt, the api or the sync engine (import-linter contract).
"""
