"""`synq-desktop profile|sync|status`: the headless command line over the same store and engine as the GUI.

Exit codes (issue 4): 0 the sync finished (a truncated list is reported, not an error); 2 usage;
3 authentication; 4 server unreachable or failing; 5 finished, but conflicts or rejected operations need a
person; 1 anything unexpected (a full disk, a locked database or profile: said plainly).

Tokens: `profile add` reads `SYNQ_TOKEN` or asks without echo and keeps the token in the OS keyring. With
no usable keyring backend (or only a plain-text one) nothing is stored: the user is told to set
`SYNQ_TOKEN` for each run. No token is ever printed, logged or written to a file.
"""
from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from synq_desktop.api import AuthError, BadAnswerError, NetworkError, ServerError, SynqClient, SynqError
from synq_desktop.store import credentials, profiles
from synq_desktop.store.errors import ProfileError, ProfileLockedError, StoreError
from synq_desktop.store.profiles import Profile
from synq_desktop.sync.engine import LAST_SUMMARY, SyncEngine, SyncSummary, outbox_totals
from synq_desktop.sync.progress import Cancelled, ProgressEvent

OK, UNEXPECTED, USAGE, AUTH, SERVER, NEEDS_PERSON = 0, 1, 2, 3, 4, 5
COUNTED_TABLES = ("products", "variants", "categories", "brands", "attributes", "attribute_values",
                  "attribute_groups", "templates", "media", "bulk_jobs")


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="synq-desktop", description="Synq catalog editor: headless commands")
    sub = parser.add_subparsers(dest="command", required=True)
    profile = sub.add_parser("profile", help="add or list server profiles")
    psub = profile.add_subparsers(dest="profile_command", required=True)
    add = psub.add_parser("add", help="add a profile (the token comes from SYNQ_TOKEN or a prompt)")
    add.add_argument("name")
    add.add_argument("--url", required=True)
    add.add_argument("--tenant", required=True)
    add.add_argument("--org", required=True)
    psub.add_parser("list", help="list profiles")
    for name, text in (("sync", "push local changes and pull the server's"), ("status", "what waits")):
        cmd = sub.add_parser(name, help=text)
        cmd.add_argument("--profile")
        cmd.add_argument("--json", action="store_true", help="print one JSON object")
        if name == "sync":
            cmd.add_argument("--wait-lock", type=float, default=0.0, metavar="SECONDS",
                             help="wait this long for another sync of the profile to finish")
    return parser


def run(args: Sequence[str], *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        ns = build_parser().parse_args(list(args))
    except UsageError as exc:
        print(f"synq-desktop: {exc}", file=err)
        return USAGE
    except SystemExit as exc:  # --help
        return OK if exc.code in (0, None) else USAGE
    try:
        if ns.command == "profile":
            return _profile_add(ns, out, err) if ns.profile_command == "add" else _profile_list(out)
        profile = _resolve_profile(ns.profile)
        if ns.command == "status":
            return _status(profile, ns.json, out)
        return _sync(profile, ns.json, ns.wait_lock, out, err)
    except UsageError as exc:
        print(f"synq-desktop: {exc}", file=err)
        return USAGE
    except ProfileLockedError as exc:
        print(f"synq-desktop: {exc} Try again when it has finished.", file=err)
        return UNEXPECTED
    except StoreError as exc:
        print(f"synq-desktop: {exc}", file=err)
        return UNEXPECTED


# -- profiles ------------------------------------------------------------------------------------------

def _profile_add(ns: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    url = ns.url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise UsageError(f"--url must start with http:// or https:// (got {ns.url!r})")
    try:
        profiles.validate_name(ns.name)
    except ProfileError as exc:
        raise UsageError(str(exc)) from None
    profile = Profile(ns.name, url, ns.tenant.strip(), ns.org.strip())
    profiles.save_profile(profile)
    profiles.remember_last(profile.name)
    token = os.environ.get(credentials.TOKEN_ENV)
    if not token and sys.stdin.isatty():
        token = getpass.getpass("Token (not shown): ")
    unsafe = credentials.unsafe_keyring_backend()
    if not token:
        print(f"Profile {profile.name!r} saved without a token: set SYNQ_TOKEN when you run sync.", file=out)
    elif unsafe is not None:
        print(f"Profile {profile.name!r} saved. This machine has no usable keyring (backend: {unsafe}), so the "
              "token was not stored: set SYNQ_TOKEN for each run.", file=out)
    elif credentials.store_token(profile, token):
        print(f"Profile {profile.name!r} saved; the token is in the system keyring.", file=out)
    else:
        print(f"Profile {profile.name!r} saved. The keyring refused the token, so it was not stored: set "
              "SYNQ_TOKEN for each run.", file=out)
    return OK


def _all_profiles() -> list[Profile]:
    """The saved profiles, sorted by name (a directory without a readable profile.json is skipped)."""
    return [p for p in map(profiles.load_profile, profiles.list_profiles()) if p is not None]


def _profile_list(out: TextIO) -> int:
    found = _all_profiles()
    if not found:
        print("No profiles yet: synq-desktop profile add NAME --url URL --tenant T --org O", file=out)
    for profile in found:
        print(f"{profile.name}\t{profile.base_url}\ttenant={profile.tenant_id}\torg={profile.org_id}", file=out)
    return OK


def _resolve_profile(name: str | None) -> Profile:
    if name is None:
        name = profiles.last_profile_name()
        if name is None:
            found = _all_profiles()
            if len(found) != 1:
                raise UsageError("say which profile: --profile NAME (see `synq-desktop profile list`)")
            return found[0]
    try:
        profiles.validate_name(name)
    except ProfileError as exc:
        raise UsageError(str(exc)) from None
    profile = profiles.load_profile(name)
    if profile is None:
        raise UsageError(f"no profile {name!r} (see `synq-desktop profile list`)")
    return profile


# -- status --------------------------------------------------------------------------------------------

def _open(profile: Profile) -> Any:
    from synq_desktop.store.working_copy import WorkingCopy

    return WorkingCopy.open(profiles.profile_paths(profile.name, create=False).database)


def _counts(connection: Any) -> dict[str, int]:
    from sqlalchemy import func, select

    from synq_desktop.store import schema

    counts = {}
    for name in COUNTED_TABLES:
        table = schema.metadata.tables[name]
        counts[name] = int(connection.execute(
            select(func.count()).select_from(table).where(table.c.deleted == 0)).scalar_one())
    return counts


def _status_data(connection: Any) -> dict[str, Any]:
    from synq_desktop.store import sync_meta

    last = sync_meta.get_meta(connection, LAST_SUMMARY) or {}
    totals = outbox_totals(connection)
    return {
        "pulled": last.get("pulled", 0), "pushed": last.get("pushed", 0), **totals,
        "truncated": sync_meta.truncated_lists(connection), "counts": _counts(connection),
        "role": sync_meta.role(connection), "read_only": sync_meta.is_read_only(connection),
        "last_sync": sync_meta.get_meta(connection, sync_meta.LAST_SYNC),
    }


def _status(profile: Profile, as_json: bool, out: TextIO) -> int:
    wc = _open(profile)
    try:
        data = wc.read_blocking(_status_data, doing="reading the status")
    finally:
        wc.close()
    if as_json:
        print(json.dumps(data, sort_keys=True), file=out)
        return OK
    print(f"Profile {profile.name} ({profile.base_url}); last sync: {data['last_sync'] or 'never'}", file=out)
    print(f"pending {data['pending']}, conflicts {data['conflicts']}, rejected {data['rejected']}, "
          f"uncertain {data['uncertain']}", file=out)
    print("records: " + ", ".join(f"{k} {v}" for k, v in data["counts"].items()), file=out)
    if data["truncated"]:
        print("possibly truncated (the server does not page): " + ", ".join(data["truncated"]), file=out)
    if data["read_only"]:
        print(f"read-only: the server gave this profile the {data['role']} role", file=out)
    return OK


# -- sync ----------------------------------------------------------------------------------------------

def _sync(profile: Profile, as_json: bool, wait_lock: float, out: TextIO, err: TextIO) -> int:
    token = credentials.token_for(profile)
    if not token:
        print("synq-desktop: no token for this profile: set SYNQ_TOKEN or run `synq-desktop profile add` "
              "where a keyring is available", file=err)
        return AUTH
    wc = _open(profile)
    try:
        return asyncio.run(_sync_async(profile, token, wc, as_json, wait_lock, out, err))
    except KeyboardInterrupt:
        print("synq-desktop: interrupted; everything committed so far is kept", file=err)
        return UNEXPECTED
    finally:
        wc.close()


def _progress_printer(err: TextIO) -> Any:
    last: dict[str, int] = {}

    def show(event: ProgressEvent) -> None:
        if event.phase in last and event.done == last[event.phase]:
            return
        last[event.phase] = event.done
        total = f"/{event.total}" if event.total is not None else ""
        print(f"  {event.phase}: {event.done}{total}", file=err)

    return show


async def _sync_async(profile: Profile, token: str, wc: Any, as_json: bool, wait_lock: float,
                      out: TextIO, err: TextIO) -> int:
    caps_file = Path(profile.directory) / "capabilities.json"
    async with SynqClient(profile.base_url, token, profile.tenant_id, profile.org_id,
                          capability_cache=caps_file) as client:
        engine = SyncEngine(wc, client, lock_dir=profile.directory, lock_wait=wait_lock)
        engine.subscribe(_progress_printer(err))
        try:
            summary = await engine.run()
        except AuthError as exc:
            print(f"synq-desktop: the server refused the token ({exc.message}); sign in again "
                  "(SYNQ_TOKEN or profile add)", file=err)
            return AUTH
        except (NetworkError, ServerError, BadAnswerError) as exc:
            print(f"synq-desktop: the server is unreachable or failing: {exc}", file=err)
            return SERVER
        except SynqError as exc:
            print(f"synq-desktop: the server answered something unexpected: {exc}", file=err)
            return SERVER
        except Cancelled:
            print("synq-desktop: sync cancelled; everything committed so far is kept", file=err)
            return UNEXPECTED
    _print_summary(summary, as_json, out)
    return exit_code(summary)


def exit_code(summary: SyncSummary) -> int:
    if summary.auth_paused:
        return AUTH
    if summary.pending and summary.transient_error:
        return SERVER
    if summary.needs_person:
        return NEEDS_PERSON
    return OK


def _print_summary(summary: SyncSummary, as_json: bool, out: TextIO) -> None:
    if as_json:
        print(json.dumps(summary.to_json(), sort_keys=True), file=out)
        return
    print(f"pulled {summary.pulled}, pushed {summary.pushed}, pending {summary.pending}, conflicts "
          f"{summary.conflicts}, rejected {summary.rejected}, uncertain {summary.uncertain}", file=out)
    if summary.truncated:
        print("possibly truncated (the server does not page): " + ", ".join(summary.truncated), file=out)
    for reason, count in summary.waiting.items():
        print(f"{count} change(s) kept pending: {reason}", file=out)
    if summary.read_only_reason:
        print(f"read-only: {summary.read_only_reason}", file=out)
    if summary.auth_paused:
        print("paused: the server refused the token; nothing was lost, sign in again", file=out)
    if summary.transient_error and summary.pending:
        print(f"the server failed for some changes (they will be retried): {summary.transient_error}", file=out)
