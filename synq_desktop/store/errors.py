"""The working copy's errors: one hierarchy, messages a person can act on, never a token or a path secret."""
from __future__ import annotations


class StoreError(Exception):
    """Base of every error the store raises on purpose."""


class ReadOnlyError(StoreError):
    """The working copy refuses edits (the server gave this profile the VIEWER role)."""

    def __init__(self, reason: str = "the server gave this profile the VIEWER role") -> None:
        super().__init__(f"This working copy is read-only: {reason}. Queued edits are kept.")


class EditError(StoreError, ValueError):
    """An edit the working copy refuses: unknown record or field, or an action the API does not allow."""


class RecordNotFoundError(EditError):
    """No live record with that local id."""


class DiskFullError(StoreError):
    """SQLite could not grow the file: the transaction was rolled back and the file is intact."""


class DatabaseLockedError(StoreError):
    """Another process holds a lock on the database file for longer than the busy timeout."""


class DatabaseError(StoreError):
    """Any other SQLite failure, with the operation that met it."""


class NewerSchemaError(StoreError):
    """The file was written by a newer synq-desktop; this version will not touch it."""


class ProfileError(StoreError):
    """A profile name or profile file that cannot be used."""


class ProfileLockedError(StoreError):
    """Another sync engine holds the profile's lock; `holder` says who (pid, host, command)."""

    def __init__(self, profile: str, holder: dict[str, object] | None) -> None:
        self.profile = profile
        self.holder = holder or {}
        who = (
            f"process {self.holder.get('pid')} on {self.holder.get('host')} "
            f"({self.holder.get('command')}, since {self.holder.get('since')})"
            if self.holder
            else "another process"
        )
        super().__init__(f"The profile {profile!r} is in use by {who}.")
