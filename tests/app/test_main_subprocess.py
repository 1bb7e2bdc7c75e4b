"""`python -m synq_desktop.app.main --sandbox` as a real process, offscreen: it shows the demo
catalog's counts, then (`--quit-after-ready`) closes its window and exits with status 0."""
from __future__ import annotations

import os
import subprocess
import sys

from synq_desktop.app.gui import READY_LINE


def _run(home, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, SYNQ_DESKTOP_HOME=str(home), QT_QPA_PLATFORM="offscreen", QT_API="pyside6")
    env.pop("SYNQ_TOKEN", None)
    return subprocess.run(
        [sys.executable, "-m", "synq_desktop.app.main", *args],
        env=env, capture_output=True, text=True, timeout=180, check=False,
    )


def _ready_fields(stdout: str) -> dict[str, str]:
    lines = [line for line in stdout.splitlines() if line.startswith(READY_LINE)]
    assert len(lines) == 1, stdout
    return dict(part.split("=", 1) for part in lines[0].split()[1:])


def test_sandbox_process_shows_counts_and_exits_zero(tmp_path):
    done = _run(tmp_path, "--sandbox", "--demo", "15", "--quit-after-ready")
    assert done.returncode == 0, done.stderr
    fields = _ready_fields(done.stdout)
    products = fields.get("total_products", fields.get("products"))
    assert products == "15", fields
    assert (tmp_path / "profiles" / "demo" / "sandbox.sqlite").is_file()

    # The same profile again, through the environment switch and without --sandbox: same catalog.
    again = subprocess.run(
        [sys.executable, "-m", "synq_desktop.app.main"],
        env=dict(os.environ, SYNQ_DESKTOP_HOME=str(tmp_path), QT_QPA_PLATFORM="offscreen",
                 SYNQ_DESKTOP_QUIT_AFTER_READY="1"),
        capture_output=True, text=True, timeout=180, check=False,
    )
    assert again.returncode == 0, again.stderr
    assert _ready_fields(again.stdout) == {**fields, "max_gui_stall_ms": _ready_fields(again.stdout)["max_gui_stall_ms"]}


def test_bad_arguments_exit_with_a_message(tmp_path):
    done = _run(tmp_path, "--demo", "-3")
    assert done.returncode == 2
    assert "--demo" in done.stderr
