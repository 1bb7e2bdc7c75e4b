"""`synq-sandbox`: run the local Synq PIM API server until SIGINT/SIGTERM.

Prints one fact per line on stdout (`URL=`, `TENANT_ID=`, `ORG_ID=`, `TOKEN=`) so scripts and tests can
read them; the token goes only to stdout, never to a log.
"""
from __future__ import annotations

import argparse
import importlib
import signal
import sys
import threading
from pathlib import Path

from synq_desktop.sandbox.settings import SandboxSettings

# (flag, FaultConfig field, type, help) — the agreed fault flags (see faults.py); all off by default.
FAULT_FLAGS: list[tuple[str, str, type, str]] = [
    ("--latency-ms", "latency_ms", int, "fault: delay every API answer by this many ms"),
    ("--latency-jitter-ms", "latency_jitter_ms", int, "fault: plus a random 0..N ms"),
    ("--error-rate", "error_rate", float, "fault: share of API requests answered with an error of --error-codes (0..1)"),
    ("--throttle-burst", "throttle_burst", int, "fault: answer the next N API requests 429"),
    ("--retry-after-s", "retry_after_s", int, "fault: the Retry-After those 429s carry"),
    ("--drop-after-commit-rate", "drop_after_commit_rate", float,
     "fault: share of requests whose change commits but whose answer is dropped"),
    ("--truncate-rate", "truncate_rate", float, "fault: share of 2xx bodies cut short"),
    ("--garbage-rate", "garbage_rate", float, "fault: share of 2xx answers replaced by a non-JSON body"),
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="synq-sandbox", description="A local Synq PIM API server (API.md).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (printed)")
    parser.add_argument("--db", type=Path, default=None, help="SQLite file (default: in memory)")
    parser.add_argument("--demo", type=int, default=500, metavar="N", help="demo products on a first start (0: none)")
    parser.add_argument("--seed", type=int, default=1, help="demo catalog seed (same seed, same catalog)")
    parser.add_argument("--docs-only", action="store_true", help="turn every EXT part of API.md off")
    parser.add_argument("--light-lists", action="store_true",
                        help="docs-only: product lists give the light projection")
    parser.add_argument("--token", default=None, help="fixed demo token (does not expire unless --token-ttl)")
    parser.add_argument("--tenant-id", default=None, help="fixed demo tenant id")
    parser.add_argument("--org-id", default=None, help="fixed demo org id")
    parser.add_argument("--token-ttl", type=int, default=None, metavar="SECONDS",
                        help="the demo token expires after this many seconds")
    parser.add_argument("--job-rate", type=float, default=20.0, help="bulk-job items per second (0: unthrottled)")
    parser.add_argument("--rate-limit", type=int, default=6000, help="requests per minute per token (0: none)")
    for flag, field, kind, text in FAULT_FLAGS:
        parser.add_argument(flag, dest=f"fault_{field}", type=kind, default=None, help=text)
    parser.add_argument("--error-codes", dest="fault_error_codes", default=None,
                        help="comma-separated status codes for --error-rate (default 500,502,503)")
    parser.add_argument("--fault-seed", dest="fault_seed", type=int, default=None,
                        help="seed of the fault draws (same seed, same faults)")
    parser.add_argument("--fault-paths", dest="fault_paths", default=None, help="regex of request paths to affect")
    return parser


def _faults_from(ns: argparse.Namespace) -> object | None:
    fields = {name.removeprefix("fault_"): value for name, value in vars(ns).items()
              if name.startswith("fault_") and value is not None}
    if "error_codes" in fields:
        fields["error_codes"] = [int(code) for code in str(fields["error_codes"]).split(",") if code.strip()]
    try:
        faults = importlib.import_module("synq_desktop.sandbox.faults")
    except ModuleNotFoundError:
        if fields:
            raise SystemExit("synq-sandbox: fault injection is not available in this build") from None
        return None
    return faults.FaultConfig(**fields)


def settings_from(ns: argparse.Namespace) -> SandboxSettings:
    return SandboxSettings(
        database=ns.db, docs_only=ns.docs_only, demo_products=ns.demo, seed=ns.seed, token=ns.token,
        tenant_id=ns.tenant_id, org_id=ns.org_id, token_ttl_seconds=ns.token_ttl, job_rate=ns.job_rate,
        rate_limit_per_minute=ns.rate_limit, faults=_faults_from(ns), host=ns.host, port=ns.port,
        docs_only_light_lists=ns.light_lists,
    )


def main(argv: list[str] | None = None) -> int:
    ns = build_parser().parse_args(argv)
    from synq_desktop.sandbox.server import SandboxServer

    server = SandboxServer(settings_from(ns))
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_args: stop.set())
    url = server.start()
    token, tenant_id, org_id = server.demo_credentials
    print(f"URL={url}", f"TENANT_ID={tenant_id}", f"ORG_ID={org_id}", f"TOKEN={token}", sep="\n", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
