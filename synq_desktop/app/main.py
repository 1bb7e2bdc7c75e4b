"""`synq-desktop`: the GUI by default, headless subcommands (sync, status, profile) for scripts."""
from __future__ import annotations

import sys

HEADLESS_COMMANDS = {"sync", "status", "profile"}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] == "_sandbox-child":  # embedded_sandbox.SANDBOX_CHILD_COMMAND, from a frozen build
        from synq_desktop.app.embedded_sandbox import run_child

        return run_child(args[1:])
    if args and args[0] in HEADLESS_COMMANDS:
        from synq_desktop.cli.commands import run as run_cli

        return run_cli(args)
    # Before PySide6 (which the GUI module imports): see catalog_modules.py for what this saves.
    from synq_desktop.app.catalog_modules import import_catalog_modules

    import_catalog_modules()
    from synq_desktop.app.gui import run as run_gui

    return run_gui(args)


if __name__ == "__main__":
    sys.exit(main())
